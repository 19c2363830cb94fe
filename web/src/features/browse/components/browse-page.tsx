import {
  Button,
  Field,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  mergeClasses,
  SearchBox,
  Spinner,
  Text,
  tokens,
} from '@fluentui/react-components';
import {
  ArchiveRegular,
  ArrowUploadRegular,
  CloudArrowUpRegular,
  DismissRegular,
  FolderOpenRegular,
} from '@fluentui/react-icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useLocation, useNavigate } from 'react-router';

import { EmptyState } from '@/components/empty-state';
import { ErrorState } from '@/components/error-state';
import { VisuallyHidden } from '@/components/visually-hidden';
import { blobKeys, useBlobListing } from '@/features/browse/api/blobs';
import { BlobListing, ListingSkeleton } from '@/features/browse/components/blob-listing';
import { CommandBar, commandIcons, type Command } from '@/features/browse/components/command-bar';
import { ConnectionProblem, connectionProblemOf } from '@/features/browse/components/connection-problem';
import { CopyMoveDialog, type TransferMode } from '@/features/browse/components/copy-move-dialog';
import { DeleteItemsDialog } from '@/features/browse/components/delete-items-dialog';
import { LocationBreadcrumb } from '@/features/browse/components/location-breadcrumb';
import { NewFolderDialog } from '@/features/browse/components/new-folder-dialog';
import { PropertiesPane } from '@/features/browse/components/properties-pane';
import { ShareLinkDialog } from '@/features/browse/components/share-link-dialog';
import { ShortcutsDialog } from '@/features/browse/components/shortcuts-dialog';
import { blobKey, entriesFromPages, folderKey, type Entry } from '@/features/browse/listing-entries';
import { addPendingFolder, removePendingFolders, usePendingFolders } from '@/features/browse/pending-folders';
import { clearSelection, emptySelection, prune, selectAll, type SelectionState } from '@/features/browse/selection';
import { defaultSort, isServerOrder, sortEntries, type SortState } from '@/features/browse/sorting';
import { connectionQuery } from '@/lib/api/connections';
import { errorMessage, ProblemError } from '@/lib/api/problem';
import { formatCount } from '@/lib/format';
import { useDebouncedValue } from '@/lib/hooks/use-debounced-value';
import { useMediaQuery } from '@/lib/hooks/use-media-query';
import { baseName, connectionPath, locationPath, parentPrefix, parseBrowseUrl } from '@/lib/paths';
import { rememberConnection } from '@/lib/selected-connection';
import { filesFromDataTransfer, filesFromInput } from '@/lib/transfers/dropped-files';
import { downloadBlob, enqueueUploads, type UploadFile } from '@/lib/transfers/transfer-queue';

const useStyles = makeStyles({
  root: { position: 'relative', display: 'flex', flexDirection: 'column', height: '100%', minHeight: 0 },
  top: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalXL} ${tokens.spacingVerticalS}`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
  },
  topNarrow: { padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}` },
  filterRow: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalM, flexWrap: 'wrap', minWidth: 0 },
  filterField: {
    flexGrow: 1,
    maxWidth: '360px',
    minWidth: '200px',
    gridTemplateColumns: 'auto minmax(0, 1fr)',
    columnGap: tokens.spacingHorizontalS,
  },
  status: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    color: tokens.colorNeutralForeground3,
    flexWrap: 'wrap',
    marginLeft: 'auto',
  },
  filterNote: { color: tokens.colorNeutralForeground2 },
  sortNote: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    color: tokens.colorNeutralForeground3,
    flexWrap: 'wrap',
  },
  body: { display: 'flex', flexGrow: 1, minHeight: 0 },
  listing: { position: 'relative', flexGrow: 1, minWidth: 0, minHeight: 0, display: 'flex', flexDirection: 'column' },
  listingInner: { flexGrow: 1, minHeight: 0, padding: `0 ${tokens.spacingHorizontalSNudge}` },
  listingInnerNarrow: { padding: 0 },
  dropOverlay: {
    position: 'absolute',
    inset: tokens.spacingHorizontalS,
    zIndex: 5,
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    justifyContent: 'center',
    gap: tokens.spacingVerticalM,
    border: `2px dashed ${tokens.colorBrandStroke1}`,
    borderRadius: tokens.borderRadiusXLarge,
    backgroundColor: tokens.colorBrandBackground2,
    color: tokens.colorBrandForeground1,
    pointerEvents: 'none',
    fontSize: tokens.fontSizeBase400,
    fontWeight: tokens.fontWeightSemibold,
    textAlign: 'center',
    padding: tokens.spacingHorizontalXL,
  },
  dropIcon: { fontSize: '48px' },
  notices: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  hiddenInput: { display: 'none' },
});

interface Notice {
  id: number;
  intent: 'info' | 'success' | 'warning' | 'error';
  text: string;
}

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement)
    return !['checkbox', 'radio', 'button', 'submit', 'reset', 'file'].includes(target.type);
  return false;
}

let noticeId = 1;

interface BrowseViewProps {
  connectionId: number;
  container: string;
  prefix: string;
  item?: string;
  urlFilter: string;
  sort: SortState;
  onSortChange: (sort: SortState) => void;
}

/** One container's folder: breadcrumb, commands, filter, the listing, the properties pane. */
function BrowseView({ connectionId, container, prefix, item, urlFilter, sort, onSortChange }: BrowseViewProps) {
  const styles = useStyles();
  const navigate = useNavigate();
  const client = useQueryClient();
  const narrow = useMediaQuery('(max-width: 760px)');
  const wide = useMediaQuery('(min-width: 1600px)');
  const folder = useMemo(() => ({ connectionId, container, prefix }), [connectionId, container, prefix]);

  const connection = useQuery(connectionQuery(connectionId));
  useEffect(() => {
    if (connection.isSuccess) rememberConnection(connectionId);
  }, [connection.isSuccess, connectionId]);

  // The filter: typed here, kept in the URL (?filter=), and asked of the server once typing pauses.
  const [filterText, setFilterText] = useState(urlFilter);
  const [filterScope, setFilterScope] = useState(prefix);
  if (filterScope !== prefix) {
    setFilterScope(prefix);
    setFilterText(urlFilter);
  }
  const filter = useDebouncedValue(filterText, 300);
  const activeFilter = filterScope === prefix ? filter : urlFilter;
  useEffect(() => {
    if (activeFilter === urlFilter) return;
    navigate(locationPath(folder, item, { filter: activeFilter }), { replace: true });
    // Only the filter's own changes write the URL.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [activeFilter]);
  const filterRef = useRef<HTMLInputElement>(null);

  const listing = useBlobListing(folder, activeFilter);
  const pending = usePendingFolders(connectionId, container);
  const pages = listing.data?.pages;
  const entries = useMemo(
    () => entriesFromPages(pages ?? [], prefix, pending, activeFilter),
    [pages, prefix, pending, activeFilter],
  );
  const sorted = useMemo(
    () => (isServerOrder(sort) && pending.length === 0 ? entries : sortEntries(entries, sort)),
    [entries, sort, pending.length],
  );
  const keys = useMemo(() => sorted.map((e) => e.key), [sorted]);

  // A folder made here is real once the service lists it (or lists something in it).
  useEffect(() => {
    if (!pages || pending.length === 0) return;
    const listed = new Set(pages.flatMap((p) => p.prefixes));
    const landed = pending.filter((p) => listed.has(p));
    if (!activeFilter && pending.includes(prefix) && pages.some((p) => p.items.length > 0 || p.prefixes.length > 0))
      landed.push(prefix);
    if (landed.length) removePendingFolders(connectionId, container, landed, { subtree: false });
  }, [pages, pending, prefix, activeFilter, connectionId, container]);

  // The selection belongs to one folder and filter.
  const scope = `${prefix}\n${activeFilter}`;
  const [selectionState, setSelection] = useState<{ scope: string; selection: SelectionState }>({
    scope,
    selection: emptySelection,
  });
  const rawSelection = selectionState.scope === scope ? selectionState.selection : emptySelection;
  const selection = prune(rawSelection, keys);
  const setSel = useCallback((next: SelectionState) => setSelection({ scope, selection: next }), [scope]);
  const selected = useMemo(() => sorted.filter((e) => selection.selected.has(e.key)), [sorted, selection.selected]);
  const selectedBlobs = selected.filter((e) => e.kind === 'blob');
  const selectedReal = selected.filter((e) => !(e.kind === 'folder' && e.pending));

  // Dialogs.
  const [deleting, setDeleting] = useState<Entry[] | null>(null);
  const [transfer, setTransfer] = useState<{ mode: TransferMode; entries: Entry[] } | null>(null);
  const [sharing, setSharing] = useState<string | null>(null);
  const [newFolder, setNewFolder] = useState(false);
  const [shortcuts, setShortcuts] = useState(false);
  const dialogOpen = deleting !== null || transfer !== null || sharing !== null || newFolder || shortcuts;

  const [notices, setNotices] = useState<Notice[]>([]);
  const notify = useCallback((intent: Notice['intent'], text: string) => {
    const id = noticeId++;
    setNotices((current) => [...current.slice(-2), { id, intent, text }]);
    if (intent === 'success' || intent === 'info')
      setTimeout(() => setNotices((current) => current.filter((n) => n.id !== id)), 8000);
  }, []);

  // Navigation.
  const hrefFor = useCallback(
    (entry: Entry) =>
      entry.kind === 'folder'
        ? locationPath({ connectionId, container, prefix: entry.name })
        : locationPath(folder, entry.name, { filter: activeFilter }),
    [connectionId, container, folder, activeFilter],
  );
  // Where the keyboard focus goes in the next folder's listing, after a keyboard navigation.
  const [focusWish, setFocusWish] = useState<{ prefix: string; key: string } | null>(null);
  const open = useCallback(
    (entry: Entry) => {
      if (entry.kind === 'folder') setFocusWish({ prefix: entry.name, key: '' });
      navigate(hrefFor(entry));
    },
    [navigate, hrefFor],
  );
  const focusOnMount = focusWish && focusWish.prefix === prefix ? focusWish.key : null;
  const closeItem = useCallback(
    () => navigate(locationPath(folder, undefined, { filter: activeFilter })),
    [navigate, folder, activeFilter],
  );
  // The listing takes the wish when it mounts; then it is spent.
  useEffect(() => {
    if (focusOnMount !== null && listing.isSuccess) setFocusWish(null);
  }, [focusOnMount, listing.isSuccess]);
  const goUp = useCallback(() => {
    // Back in the parent, the folder just left has the focus.
    if (prefix) setFocusWish({ prefix: parentPrefix(prefix), key: folderKey(prefix) });
    navigate(
      prefix ? locationPath({ connectionId, container, prefix: parentPrefix(prefix) }) : connectionPath(connectionId),
    );
  }, [navigate, prefix, connectionId, container]);

  // With the pane open, it follows a single selected blob.
  const single = selected.length === 1 ? selected[0] : undefined;
  useEffect(() => {
    if (!item || !single || single.kind !== 'blob' || single.name === item) return;
    const timer = setTimeout(
      () => navigate(locationPath(folder, single.name, { filter: activeFilter }), { replace: true }),
      150,
    );
    return () => clearTimeout(timer);
  }, [item, single, navigate, folder, activeFilter]);

  // Uploads.
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const folderLabel = prefix ? `${container}/${prefix}` : `${container}/`;
  const upload = useCallback(
    (files: UploadFile[]) => {
      if (files.length === 0) return;
      // The transfer panel shows them from here on.
      enqueueUploads({ connectionId, container, prefix }, files);
    },
    [connectionId, container, prefix],
  );

  // Downloads: each a plain navigation to a single-use link (the browser's download manager).
  const download = useCallback(
    async (names: string[]) => {
      if (names.length > 1)
        notify(
          'info',
          `Downloading ${formatCount(names.length, 'file')}. Your browser may ask to allow several downloads.`,
        );
      for (const name of names) {
        try {
          await downloadBlob({ connectionId, container, name });
        } catch (error) {
          notify('error', `${baseName(name)}: ${errorMessage(error)}`);
        }
      }
    },
    [connectionId, container, notify],
  );

  // Drop target: the whole listing.
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);
  const hasFiles = (event: DragEvent) => Array.from(event.dataTransfer.types).includes('Files');
  const dropHandlers = {
    onDragEnter: (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      dragDepth.current += 1;
      setDragging(true);
    },
    onDragOver: (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    },
    onDragLeave: (event: DragEvent) => {
      if (!hasFiles(event)) return;
      dragDepth.current = Math.max(0, dragDepth.current - 1);
      if (dragDepth.current === 0) setDragging(false);
    },
    onDrop: (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      dragDepth.current = 0;
      setDragging(false);
      filesFromDataTransfer(event.dataTransfer).then(upload, (error: unknown) => notify('error', errorMessage(error)));
    },
  };

  // "Load all": fetch the remaining pages one after another (to sort everything).
  const [loadingAll, setLoadingAll] = useState(false);
  useEffect(() => {
    if (!loadingAll) return;
    if (!listing.hasNextPage || listing.isFetchNextPageError) {
      setLoadingAll(false);
      return;
    }
    if (!listing.isFetchingNextPage) void listing.fetchNextPage();
  }, [loadingAll, listing]);

  const fetchNext = useCallback(() => {
    if (listing.hasNextPage && !listing.isFetchingNextPage) void listing.fetchNextPage();
  }, [listing]);

  const connectionUsable = !connection.data || connection.data.is_active;
  const shareTarget =
    single?.kind === 'blob' ? single.name : selected.length === 0 && item && !item.endsWith('/') ? item : null;

  const commands: Command[] = [
    {
      id: 'upload',
      label: 'Upload',
      icon: commandIcons.upload,
      disabled: !connectionUsable,
      menu: [
        {
          id: 'upload-files',
          label: 'Files…',
          icon: commandIcons.uploadFiles,
          onClick: () => filesInput.current?.click(),
        },
        {
          id: 'upload-folder',
          label: 'Folder…',
          icon: commandIcons.uploadFolder,
          onClick: () => folderInput.current?.click(),
        },
      ],
    },
    {
      id: 'new-folder',
      label: 'New folder',
      icon: commandIcons.newFolder,
      onClick: () => setNewFolder(true),
      disabled: !connectionUsable,
    },
    {
      id: 'download',
      label: 'Download',
      icon: commandIcons.download,
      onClick: () => void download(selectedBlobs.map((e) => e.name)),
      disabled: selectedBlobs.length === 0,
      hint: selected.length ? 'Select files: folders cannot be downloaded as one file' : 'Select files to download',
    },
    {
      id: 'copy',
      label: 'Copy to…',
      icon: commandIcons.copy,
      onClick: () => setTransfer({ mode: 'copy', entries: selectedReal }),
      disabled: selectedReal.length === 0,
      hint: 'Select items to copy',
    },
    {
      id: 'move',
      label: 'Move to…',
      icon: commandIcons.move,
      onClick: () => setTransfer({ mode: 'move', entries: selectedReal }),
      disabled: selectedReal.length === 0,
      hint: 'Select items to move',
    },
    {
      id: 'share',
      label: 'Share link',
      icon: commandIcons.share,
      onClick: () => shareTarget && setSharing(shareTarget),
      disabled: !shareTarget,
      hint: 'Select one file to share',
    },
    {
      id: 'properties',
      label: 'Properties',
      icon: commandIcons.properties,
      onClick: () => single && navigate(locationPath(folder, single.name, { filter: activeFilter })),
      disabled: !single,
      hint: 'Select one item',
    },
    {
      id: 'delete',
      label: 'Delete',
      icon: commandIcons.delete,
      onClick: () => setDeleting(selected),
      disabled: selected.length === 0,
      danger: true,
      hint: 'Select items to delete',
    },
    {
      id: 'refresh',
      label: 'Refresh',
      icon: listing.isRefetching ? <Spinner size="extra-tiny" /> : commandIcons.refresh,
      onClick: () => void client.invalidateQueries({ queryKey: blobKeys.folder(connectionId, container, prefix) }),
      iconOnly: true,
    },
    {
      id: 'shortcuts',
      label: 'Keyboard shortcuts (?)',
      icon: commandIcons.shortcuts,
      onClick: () => setShortcuts(true),
      iconOnly: true,
    },
  ];

  // Keyboard shortcuts that work anywhere on the page (not while typing or in a dialog).
  const keyHandler = useRef<(event: KeyboardEvent) => void>(() => undefined);
  keyHandler.current = (event: KeyboardEvent) => {
    if (event.defaultPrevented || dialogOpen || isEditable(event.target)) return;
    const target = event.target as HTMLElement | null;
    if (target?.closest?.('[role="dialog"], [role="alertdialog"], [role="menu"], [role="listbox"]')) return;
    const mod = event.ctrlKey || event.metaKey;
    if (event.key === '?' && !mod) {
      event.preventDefault();
      setShortcuts(true);
    } else if (event.key === '/' && !mod) {
      event.preventDefault();
      filterRef.current?.focus();
    } else if (mod && (event.key === 'a' || event.key === 'A')) {
      event.preventDefault();
      setSel(selectAll(selection, keys));
    } else if (event.key === 'Escape') {
      if (selection.selected.size > 0) setSel(clearSelection(selection));
      else if (item) closeItem();
    } else if ((event.key === 'Backspace' && !mod) || (event.key === 'ArrowUp' && event.altKey)) {
      event.preventDefault();
      goUp();
    } else if (event.key === 'Delete' && selected.length > 0) {
      event.preventDefault();
      setDeleting(selected);
    }
  };
  useEffect(() => {
    const listener = (event: KeyboardEvent) => keyHandler.current(event);
    document.addEventListener('keydown', listener);
    return () => document.removeEventListener('keydown', listener);
  }, []);

  useEffect(() => {
    document.title = `${prefix ? baseName(prefix) : container} · Cerulean`;
  }, [prefix, container]);

  // The states that replace the whole view.
  const problem = connectionProblemOf(connection.error ?? listing.error, connection.data);
  if (problem) return <ConnectionProblem kind={problem} name={connection.data?.name} />;
  const missingContainer = listing.error instanceof ProblemError && listing.error.code === 'container_not_found';
  if (missingContainer) {
    return (
      <EmptyState
        icon={<ArchiveRegular />}
        title={`The container “${container}” does not exist (or was deleted)`}
        actions={
          <Button appearance="primary" onClick={() => navigate(connectionPath(connectionId))}>
            Back to containers
          </Button>
        }
      >
        {connection.data
          ? `Check the name, or pick another container of ${connection.data.name}.`
          : 'Check the name, or pick another container.'}
      </EmptyState>
    );
  }

  const firstPageError = listing.isError && !listing.data;
  const loadMoreError = listing.isFetchNextPageError ? listing.error : undefined;
  const currentPending = pending.includes(prefix);
  const count = sorted.length;
  const more = listing.hasNextPage;

  let content: React.ReactNode;
  if (listing.isPending) {
    content = <ListingSkeleton />;
  } else if (firstPageError) {
    content = (
      <ErrorState
        error={listing.error}
        title="This folder could not be listed"
        onRetry={() => void listing.refetch()}
      />
    );
  } else if (count === 0) {
    content = activeFilter ? (
      <EmptyState title={`No names start with “${activeFilter}” here`}>
        Check the spelling, or clear the filter.
      </EmptyState>
    ) : (
      <EmptyState
        icon={<CloudArrowUpRegular />}
        title={
          currentPending
            ? `“${baseName(prefix)}” is ready`
            : prefix
              ? 'This folder is empty'
              : 'This container is empty'
        }
        actions={
          <Button
            appearance="primary"
            icon={<ArrowUploadRegular />}
            onClick={() => filesInput.current?.click()}
            disabled={!connectionUsable}
          >
            Upload files
          </Button>
        }
      >
        Upload files or drop them here.
        {currentPending ? ' The folder is kept until a file lands in it.' : ''}
      </EmptyState>
    );
  } else {
    content = (
      <BlobListing
        entries={sorted}
        selection={selection}
        onSelectionChange={setSel}
        sort={sort}
        onSortChange={onSortChange}
        activeName={item}
        hrefFor={hrefFor}
        onOpen={open}
        hasMore={Boolean(more)}
        loadingMore={listing.isFetchingNextPage}
        loadMoreError={loadMoreError}
        onLoadMore={loadMoreError ? () => void listing.fetchNextPage() : fetchNext}
        label={`Contents of ${folderLabel}`}
        revealKey={item ? (item.endsWith('/') ? folderKey(item) : blobKey(item)) : undefined}
        focusOnMount={focusOnMount}
        key={`${prefix}\n${activeFilter}`}
      />
    );
  }

  const paneOverlay = narrow;
  return (
    <div className={styles.root}>
      <h1 style={{ margin: 0 }}>
        <VisuallyHidden>{`${prefix ? baseName(prefix) : container}, in ${connection.data?.name ?? 'the connection'}`}</VisuallyHidden>
      </h1>
      <div className={mergeClasses(styles.top, narrow && styles.topNarrow)}>
        <LocationBreadcrumb
          connectionId={connectionId}
          connectionName={connection.data?.name}
          container={container}
          prefix={prefix}
          narrow={narrow}
        />
        <CommandBar commands={commands} label="Folder actions" />
        <div className={styles.filterRow}>
          <Field label="Filter" orientation="horizontal" className={styles.filterField}>
            <SearchBox
              ref={filterRef}
              value={filterText}
              placeholder="Names starting with…"
              spellCheck={false}
              onChange={(_, data) => setFilterText(data.value)}
              onKeyDown={(event) => {
                if (event.key === 'Escape' && filterText) {
                  event.stopPropagation();
                  setFilterText('');
                }
              }}
            />
          </Field>
          <div className={styles.status} role="status" aria-live="polite">
            {activeFilter ? (
              <Text className={styles.filterNote}>Names starting with “{activeFilter}” in this folder ·</Text>
            ) : null}
            {listing.data ? (
              <Text>
                {formatCount(count, 'item')}
                {more ? ' · more to load' : ''}
                {selected.length ? ` · ${selected.length.toLocaleString()} selected` : ''}
              </Text>
            ) : null}
          </div>
        </div>
        {more && !isServerOrder(sort) ? (
          <div className={styles.sortNote}>
            <Text size={200}>Sorted within the {formatCount(count, 'loaded item')}; load all to sort everything.</Text>
            {loadingAll ? (
              <Button
                size="small"
                appearance="subtle"
                icon={<Spinner size="extra-tiny" />}
                onClick={() => setLoadingAll(false)}
              >
                Stop loading
              </Button>
            ) : (
              <Button size="small" appearance="secondary" onClick={() => setLoadingAll(true)}>
                Load all
              </Button>
            )}
          </div>
        ) : null}
        {notices.length ? (
          <div className={styles.notices}>
            {notices.map((n) => (
              <MessageBar key={n.id} intent={n.intent}>
                <MessageBarBody>{n.text}</MessageBarBody>
                <MessageBarActions
                  containerAction={
                    <Button
                      appearance="transparent"
                      size="small"
                      aria-label="Dismiss"
                      icon={<DismissRegular />}
                      onClick={() => setNotices((current) => current.filter((x) => x.id !== n.id))}
                    />
                  }
                />
              </MessageBar>
            ))}
          </div>
        ) : null}
      </div>

      <div className={styles.body}>
        <section className={styles.listing} aria-label="Listing" {...(connectionUsable ? dropHandlers : {})}>
          <div className={mergeClasses(styles.listingInner, narrow && styles.listingInnerNarrow)}>{content}</div>
          <div role="status" aria-live="assertive">
            {dragging ? (
              <div className={styles.dropOverlay}>
                <FolderOpenRegular className={styles.dropIcon} aria-hidden />
                <span>Drop files or folders to upload to {folderLabel}</span>
              </div>
            ) : null}
          </div>
        </section>
        {item ? (
          <PropertiesPane
            key={item}
            connectionId={connectionId}
            container={container}
            item={item}
            connection={connection.data}
            overlay={paneOverlay}
            wide={wide}
            onClose={closeItem}
            onDownload={(name) => void download([name])}
            onShare={(name) => setSharing(name)}
          />
        ) : null}
      </div>

      <input
        ref={filesInput}
        type="file"
        multiple
        className={styles.hiddenInput}
        aria-hidden
        tabIndex={-1}
        onChange={(event) => {
          if (event.target.files) upload(filesFromInput(event.target.files));
          event.target.value = '';
        }}
      />
      <input
        ref={folderInput}
        type="file"
        className={styles.hiddenInput}
        aria-hidden
        tabIndex={-1}
        {...{ webkitdirectory: '', directory: '' }}
        onChange={(event) => {
          if (event.target.files) upload(filesFromInput(event.target.files));
          event.target.value = '';
        }}
      />

      {deleting ? (
        <DeleteItemsDialog
          connectionId={connectionId}
          container={container}
          entries={deleting}
          onClose={() => setDeleting(null)}
        />
      ) : null}
      {transfer ? (
        <CopyMoveDialog
          mode={transfer.mode}
          source={folder}
          entries={transfer.entries}
          onClose={() => setTransfer(null)}
        />
      ) : null}
      {sharing ? (
        <ShareLinkDialog
          blob={{ connectionId, container, name: sharing }}
          connection={connection.data}
          onClose={() => setSharing(null)}
        />
      ) : null}
      {newFolder ? (
        <NewFolderDialog
          open
          existing={sorted.filter((e) => e.kind === 'folder').map((e) => e.label)}
          onClose={() => setNewFolder(false)}
          onCreate={(name) => {
            setNewFolder(false);
            const created = `${prefix}${name}/`;
            addPendingFolder(connectionId, container, created);
            navigate(locationPath({ connectionId, container, prefix: created }));
          }}
        />
      ) : null}
      {shortcuts ? <ShortcutsDialog open onClose={() => setShortcuts(false)} /> : null}
    </div>
  );
}

// The column order the user chose, kept for this tab's session.
const sortKey = 'cerulean.browse-sort';

function readSort(): SortState {
  try {
    const parsed = JSON.parse(sessionStorage.getItem(sortKey) ?? 'null') as SortState | null;
    const keys = ['name', 'size', 'modified', 'type', 'tier'];
    if (parsed && keys.includes(parsed.key) && (parsed.direction === 'ascending' || parsed.direction === 'descending'))
      return parsed;
  } catch {
    // unreadable: the default
  }
  return defaultSort;
}

/** The blob browser: /c/{connection}/{container}/{folder...}?item={name}&filter={text}. */
export default function BrowsePage() {
  const location = useLocation();
  const state = useMemo(() => parseBrowseUrl(location.pathname, location.search), [location.pathname, location.search]);
  const [sort, setSort] = useState<SortState>(readSort);
  const changeSort = useCallback((next: SortState) => {
    setSort(next);
    try {
      sessionStorage.setItem(sortKey, JSON.stringify(next));
    } catch {
      // not kept: fine
    }
  }, []);
  if (!state?.container) {
    return <ConnectionProblem kind="not_found" />;
  }
  return (
    <BrowseView
      key={`${state.connectionId}/${state.container}`}
      connectionId={state.connectionId}
      container={state.container}
      prefix={state.prefix}
      item={state.item}
      urlFilter={state.filter ?? ''}
      sort={sort}
      onSortChange={changeSort}
    />
  );
}

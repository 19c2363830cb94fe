import {
  Badge,
  Button,
  Checkbox,
  makeStyles,
  mergeClasses,
  Skeleton,
  SkeletonItem,
  Spinner,
  Text,
  tokens,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular, ArrowSortDownFilled, ArrowSortUpFilled } from '@fluentui/react-icons';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { Link as RouterLink } from 'react-router';

import { EntryIcon } from '@/features/browse/components/entry-icon';
import type { Entry } from '@/features/browse/listing-entries';
import {
  clickRow,
  moveFocus,
  selectAll,
  toggle,
  type FocusMove,
  type SelectionState,
} from '@/features/browse/selection';
import { nextSort, type SortKey, type SortState } from '@/features/browse/sorting';
import { errorMessage } from '@/lib/api/problem';
import { formatAbsolute, formatBytes, formatRelative } from '@/lib/format';

export const rowHeight = 36;
const pageStep = 10;

type Layout = 'full' | 'medium' | 'compact';

const templates: Record<Layout, string> = {
  full: '44px minmax(0, 1fr) 96px 128px minmax(0, 180px) 72px',
  medium: '44px minmax(0, 1fr) 88px 120px',
  compact: '40px minmax(0, 1fr) 84px',
};

const useStyles = makeStyles({
  root: { position: 'relative', display: 'flex', flexDirection: 'column', minHeight: 0, height: '100%' },
  scroller: {
    flexGrow: 1,
    minHeight: 0,
    overflowY: 'auto',
    overflowX: 'hidden',
    outline: 'none',
    contain: 'strict',
  },
  header: {
    position: 'sticky',
    top: 0,
    zIndex: 1,
    display: 'grid',
    alignItems: 'center',
    height: `${rowHeight}px`,
    backgroundColor: tokens.colorNeutralBackground1,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    fontWeight: tokens.fontWeightSemibold,
  },
  headerCell: { display: 'flex', alignItems: 'center', minWidth: 0, paddingRight: tokens.spacingHorizontalS },
  sortButton: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalXS,
    minWidth: 0,
    padding: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalXS}`,
    marginLeft: `calc(-1 * ${tokens.spacingHorizontalXS})`,
    marginRight: `calc(-1 * ${tokens.spacingHorizontalXS})`,
    border: 'none',
    background: 'none',
    color: tokens.colorNeutralForeground1,
    font: 'inherit',
    fontWeight: tokens.fontWeightSemibold,
    cursor: 'pointer',
    borderRadius: tokens.borderRadiusMedium,
    ':hover': { backgroundColor: tokens.colorSubtleBackgroundHover },
    ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}` },
  },
  right: { justifyContent: 'flex-end', textAlign: 'right', paddingRight: tokens.spacingHorizontalL },
  rows: { position: 'relative', width: '100%' },
  row: {
    position: 'absolute',
    top: 0,
    left: 0,
    width: '100%',
    display: 'grid',
    alignItems: 'center',
    height: `${rowHeight}px`,
    boxSizing: 'border-box',
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
    cursor: 'default',
    userSelect: 'none',
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
    ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}`, outlineOffset: '-2px' },
  },
  selected: {
    backgroundColor: tokens.colorBrandBackground2,
    ':hover': { backgroundColor: tokens.colorBrandBackground2Hover },
  },
  active: { boxShadow: `inset 3px 0 0 ${tokens.colorBrandStroke1}` },
  cell: {
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    paddingRight: tokens.spacingHorizontalS,
    color: tokens.colorNeutralForeground2,
  },
  checkCell: { display: 'flex', justifyContent: 'center', paddingRight: 0 },
  nameCell: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    minWidth: 0,
    paddingRight: tokens.spacingHorizontalS,
  },
  icon: { fontSize: '20px', flexShrink: 0, color: tokens.colorNeutralForeground3 },
  nameLink: {
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    color: tokens.colorNeutralForeground1,
    textDecoration: 'none',
    ':hover': { textDecoration: 'underline', color: tokens.colorBrandForegroundLinkHover },
    ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}`, borderRadius: tokens.borderRadiusSmall },
  },
  folderLink: { fontWeight: tokens.fontWeightSemibold },
  footer: {
    position: 'absolute',
    left: 0,
    width: '100%',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    gap: tokens.spacingHorizontalS,
    height: `${rowHeight}px`,
    color: tokens.colorNeutralForeground3,
  },
  footerError: { color: tokens.colorPaletteRedForeground1 },
  skeletonRow: {
    display: 'grid',
    alignItems: 'center',
    height: `${rowHeight}px`,
    paddingRight: tokens.spacingHorizontalS,
  },
});

function useLayout(ref: React.RefObject<HTMLElement | null>): Layout {
  const [layout, setLayout] = useState<Layout>('full');
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const decide = (width: number) =>
      setLayout(width === 0 || width >= 820 ? 'full' : width >= 520 ? 'medium' : 'compact');
    decide(element.getBoundingClientRect().width);
    const observer = new ResizeObserver((entries) => decide(entries[0]?.contentRect.width ?? 0));
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return layout;
}

const columns: { key: SortKey; label: string; right?: boolean; layouts: Layout[] }[] = [
  { key: 'name', label: 'Name', layouts: ['full', 'medium', 'compact'] },
  { key: 'size', label: 'Size', right: true, layouts: ['full', 'medium', 'compact'] },
  { key: 'modified', label: 'Modified', layouts: ['full', 'medium'] },
  { key: 'type', label: 'Content type', layouts: ['full'] },
  { key: 'tier', label: 'Tier', layouts: ['full'] },
];

/** Skeleton rows in the listing's shape while the first page loads. */
export function ListingSkeleton({ rows = 10 }: { rows?: number }) {
  const styles = useStyles();
  return (
    <Skeleton aria-label="Loading the folder" aria-busy="true">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className={styles.skeletonRow} style={{ gridTemplateColumns: templates.medium }}>
          <span />
          <SkeletonItem size={16} style={{ width: `${40 + ((i * 37) % 45)}%` }} />
          <SkeletonItem size={16} />
          <SkeletonItem size={16} style={{ marginLeft: 8 }} />
        </div>
      ))}
    </Skeleton>
  );
}

export interface BlobListingProps {
  /** The rows, in the order shown. */
  entries: readonly Entry[];
  selection: SelectionState;
  onSelectionChange: (next: SelectionState) => void;
  sort: SortState;
  onSortChange: (next: SortState) => void;
  /** The name open in the properties pane (marked). */
  activeName?: string;
  hrefFor: (entry: Entry) => string;
  onOpen: (entry: Entry) => void;
  hasMore: boolean;
  loadingMore: boolean;
  loadMoreError?: unknown;
  onLoadMore: () => void;
  /** What the grid is called for screen readers, e.g. the folder's name. */
  label: string;
  /** A row to scroll into view once it is loaded (the item a shared link opened). */
  revealKey?: string;
  /**
   * After a keyboard navigation: the row to give the focus to when the listing appears (""
   * for the first row), so that the keyboard user carries on where they are.
   */
  focusOnMount?: string | null;
}

/**
 * The folder's rows as a virtualized grid: only the rows in view are in the DOM, so 10,000+
 * rows scroll smoothly; the next page is asked for as the user nears the end. Selection
 * follows file-manager habits (click, Shift-click, Ctrl/Cmd-click, arrows, Space, Enter).
 */
export function BlobListing({
  entries,
  selection,
  onSelectionChange,
  sort,
  onSortChange,
  activeName,
  hrefFor,
  onOpen,
  hasMore,
  loadingMore,
  loadMoreError,
  onLoadMore,
  label,
  revealKey,
  focusOnMount,
}: BlobListingProps) {
  const styles = useStyles();
  const rootRef = useRef<HTMLDivElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const rowsRef = useRef<HTMLDivElement>(null);
  const layout = useLayout(rootRef);
  const template = templates[layout];
  const keys = useMemo(() => entries.map((e) => e.key), [entries]);
  const footer = hasMore || loadMoreError !== undefined;

  const virtualizer = useVirtualizer({
    count: entries.length + (footer ? 1 : 0),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    scrollMargin: rowHeight,
    scrollPaddingStart: rowHeight,
  });
  const virtualItems = virtualizer.getVirtualItems();
  const lastIndex = virtualItems[virtualItems.length - 1]?.index ?? -1;

  // Ask for the next page as the user nears the end of what is loaded.
  useEffect(() => {
    if (hasMore && !loadingMore && !loadMoreError && lastIndex >= entries.length - 40) onLoadMore();
  }, [hasMore, loadingMore, loadMoreError, lastIndex, entries.length, onLoadMore]);

  // After a keyboard move, bring the focused row into view and give it the focus.
  const focusFromKeyboard = useRef(false);
  useEffect(() => {
    if (!focusFromKeyboard.current || selection.focus === null) return;
    const index = keys.indexOf(selection.focus);
    if (index < 0) return;
    virtualizer.scrollToIndex(index, { align: 'auto' });
    let attempts = 0;
    let frame = 0;
    const tryFocus = () => {
      const row = rowsRef.current?.querySelector<HTMLElement>(`[data-index="${index}"]`);
      if (row) {
        row.focus({ preventScroll: true });
        focusFromKeyboard.current = false;
      } else if (attempts++ < 8) {
        frame = requestAnimationFrame(tryFocus);
      }
    };
    tryFocus();
    return () => cancelAnimationFrame(frame);
  }, [selection.focus, keys, virtualizer]);

  // Scroll a shared link's item into view, once, when its row is loaded.
  const revealed = useRef<string | undefined>(undefined);
  const revealIndex = revealKey ? keys.indexOf(revealKey) : -1;
  useEffect(() => {
    if (revealIndex < 0 || revealed.current === revealKey) return;
    revealed.current = revealKey;
    virtualizer.scrollToIndex(revealIndex, { align: 'center' });
  }, [revealIndex, revealKey, virtualizer]);

  // A keyboard user who opened a folder (or went up) keeps the keyboard in the listing.
  const mountFocus = useRef(focusOnMount);
  useEffect(() => {
    const wanted = mountFocus.current;
    if (wanted === null || wanted === undefined || keys.length === 0) return;
    mountFocus.current = null;
    const key = wanted && keys.includes(wanted) ? wanted : (keys[0] as string);
    focusFromKeyboard.current = true;
    onSelectionChange({ selected: new Set([key]), anchor: key, focus: key });
    // Runs once, when the rows are first there.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [keys.length > 0]);

  function keyboard(next: SelectionState) {
    focusFromKeyboard.current = true;
    onSelectionChange(next);
  }

  function onGridKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const target = event.target as HTMLElement;
    if (target.closest('input[type="text"], input[type="search"], textarea')) return;
    const mods = { shift: event.shiftKey, ctrl: event.ctrlKey || event.metaKey };
    let move: FocusMove | null = null;
    switch (event.key) {
      case 'ArrowDown':
        if (!event.altKey) move = 1;
        break;
      case 'ArrowUp':
        if (!event.altKey) move = -1;
        break;
      case 'PageDown':
        move = pageStep;
        break;
      case 'PageUp':
        move = -pageStep;
        break;
      case 'Home':
        move = 'first';
        break;
      case 'End':
        move = 'last';
        break;
      case ' ':
        if (target.tagName === 'INPUT' || target.tagName === 'A' || selection.focus === null) return;
        event.preventDefault();
        keyboard(toggle(selection, selection.focus));
        return;
      case 'Enter': {
        if (target.tagName === 'A' || target.tagName === 'INPUT' || selection.focus === null) return;
        const entry = entries[keys.indexOf(selection.focus)];
        if (entry) {
          event.preventDefault();
          onOpen(entry);
        }
        return;
      }
      default:
        return;
    }
    if (move === null) return;
    event.preventDefault();
    keyboard(moveFocus(selection, keys, move, mods));
  }

  function onRowClick(event: MouseEvent, entry: Entry) {
    if ((event.target as HTMLElement).closest('a, button, input, label')) return;
    onSelectionChange(
      clickRow(selection, keys, entry.key, { shift: event.shiftKey, ctrl: event.ctrlKey || event.metaKey }),
    );
  }

  function onCheckboxClick(event: MouseEvent, entry: Entry) {
    event.stopPropagation();
    onSelectionChange(
      event.shiftKey ? clickRow(selection, keys, entry.key, { shift: true, ctrl: true }) : toggle(selection, entry.key),
    );
  }

  const allSelected =
    entries.length > 0 && selection.selected.size >= entries.length && keys.every((k) => selection.selected.has(k));
  const someSelected = selection.selected.size > 0 && !allSelected;
  const focusIndex = selection.focus === null ? -1 : keys.indexOf(selection.focus);
  const tabStop = focusIndex >= 0 ? focusIndex : 0;

  return (
    <div ref={rootRef} className={styles.root}>
      <div
        ref={scrollRef}
        className={styles.scroller}
        role="grid"
        aria-label={label}
        aria-multiselectable="true"
        aria-rowcount={entries.length + 1}
        aria-colcount={columns.filter((c) => c.layouts.includes(layout)).length + 1}
        onKeyDown={onGridKeyDown}
      >
        <div role="row" aria-rowindex={1} className={styles.header} style={{ gridTemplateColumns: template }}>
          <div role="columnheader" className={mergeClasses(styles.headerCell, styles.checkCell)}>
            <Checkbox
              aria-label={allSelected ? 'Clear the selection' : 'Select all loaded items'}
              checked={allSelected ? true : someSelected ? 'mixed' : false}
              disabled={entries.length === 0}
              onChange={() =>
                onSelectionChange(
                  allSelected ? { ...selection, selected: new Set(), anchor: null } : selectAll(selection, keys),
                )
              }
            />
          </div>
          {columns
            .filter((column) => column.layouts.includes(layout))
            .map((column) => {
              const active = sort.key === column.key;
              return (
                <div
                  key={column.key}
                  role="columnheader"
                  aria-sort={active ? sort.direction : 'none'}
                  className={mergeClasses(styles.headerCell, column.right && styles.right)}
                >
                  <button
                    type="button"
                    className={styles.sortButton}
                    onClick={() => onSortChange(nextSort(sort, column.key))}
                    title={`Sort by ${column.label.toLowerCase()}`}
                  >
                    {column.label}
                    {active ? (
                      sort.direction === 'ascending' ? (
                        <ArrowSortUpFilled aria-hidden />
                      ) : (
                        <ArrowSortDownFilled aria-hidden />
                      )
                    ) : null}
                  </button>
                </div>
              );
            })}
        </div>
        <div
          ref={rowsRef}
          className={styles.rows}
          style={{ height: virtualizer.getTotalSize() - rowHeight }}
          role="rowgroup"
        >
          {virtualItems.map((item) => {
            const translate = `translateY(${item.start - rowHeight}px)`;
            const entry = entries[item.index];
            if (!entry) {
              return (
                <div
                  key="footer"
                  role="row"
                  aria-rowindex={item.index + 2}
                  className={styles.footer}
                  style={{ transform: translate }}
                >
                  <div role="gridcell" style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
                    {loadMoreError !== undefined ? (
                      <>
                        <Text className={styles.footerError}>{errorMessage(loadMoreError)}</Text>
                        <Button size="small" icon={<ArrowClockwiseRegular />} onClick={onLoadMore}>
                          Retry
                        </Button>
                      </>
                    ) : loadingMore ? (
                      <>
                        <Spinner size="tiny" /> Loading more…
                      </>
                    ) : (
                      <Button size="small" appearance="subtle" onClick={onLoadMore}>
                        Load more
                      </Button>
                    )}
                  </div>
                </div>
              );
            }
            const selected = selection.selected.has(entry.key);
            const blob = entry.kind === 'blob' ? entry.blob : null;
            return (
              <div
                key={entry.key}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={selected}
                data-index={item.index}
                tabIndex={item.index === tabStop ? 0 : -1}
                className={mergeClasses(
                  styles.row,
                  selected && styles.selected,
                  activeName === entry.name && styles.active,
                )}
                style={{ gridTemplateColumns: template, transform: translate }}
                onClick={(event) => onRowClick(event, entry)}
                onDoubleClick={(event) => {
                  if (!(event.target as HTMLElement).closest('a, button, input')) onOpen(entry);
                }}
                onMouseDown={(event) => {
                  if (!event.shiftKey) return;
                  event.preventDefault(); // no text selection on Shift-click, but the focus still moves
                  event.currentTarget.focus({ preventScroll: true });
                }}
                onFocus={(event) => {
                  if (event.target === event.currentTarget && selection.focus !== entry.key) {
                    onSelectionChange({ ...selection, focus: entry.key });
                  }
                }}
              >
                <div role="gridcell" className={styles.checkCell}>
                  <Checkbox
                    aria-label={`Select ${entry.label}`}
                    checked={selected}
                    tabIndex={-1}
                    onClick={(event) => onCheckboxClick(event, entry)}
                    onChange={() => undefined}
                  />
                </div>
                <div role="gridcell" className={styles.nameCell}>
                  <EntryIcon
                    kind={entry.kind}
                    name={entry.name}
                    contentType={blob?.content_type}
                    pending={entry.kind === 'folder' && entry.pending}
                    className={styles.icon}
                  />
                  <RouterLink
                    to={hrefFor(entry)}
                    tabIndex={-1}
                    title={entry.kind === 'folder' ? `${entry.label}/` : entry.label}
                    className={mergeClasses(styles.nameLink, entry.kind === 'folder' && styles.folderLink)}
                    onClick={(event) => {
                      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
                        event.stopPropagation();
                        return;
                      }
                      onSelectionChange({ selected: new Set([entry.key]), anchor: entry.key, focus: entry.key });
                    }}
                  >
                    {entry.label}
                  </RouterLink>
                  {entry.kind === 'folder' && entry.pending ? (
                    <Badge size="small" appearance="tint" color="informative">
                      new
                    </Badge>
                  ) : null}
                </div>
                <div role="gridcell" className={mergeClasses(styles.cell, styles.right)}>
                  {blob ? formatBytes(blob.size) : ''}
                </div>
                {layout !== 'compact' ? (
                  <div
                    role="gridcell"
                    className={styles.cell}
                    title={blob ? formatAbsolute(blob.last_modified) : undefined}
                  >
                    {blob ? formatRelative(blob.last_modified) : ''}
                  </div>
                ) : null}
                {layout === 'full' ? (
                  <>
                    <div role="gridcell" className={styles.cell} title={blob?.content_type ?? undefined}>
                      {blob?.content_type ?? ''}
                    </div>
                    <div role="gridcell" className={styles.cell}>
                      {blob?.access_tier ?? ''}
                    </div>
                  </>
                ) : null}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

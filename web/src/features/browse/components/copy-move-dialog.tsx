import {
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Dropdown,
  Field,
  Input,
  makeStyles,
  Option,
  ProgressBar,
  Spinner,
  Text,
  tokens,
} from '@fluentui/react-components';
import { ArchiveRegular, ArrowUpRegular, FolderFilled } from '@fluentui/react-icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useNavigate } from 'react-router';

import { ErrorState } from '@/components/error-state';
import { blobExists, blobKeys, copyBlob, deleteBlob, useBlobListing } from '@/features/browse/api/blobs';
import { useContainers } from '@/features/browse/api/containers';
import { expandSelection, runBatch } from '@/features/browse/batch';
import type { Entry } from '@/features/browse/listing-entries';
import { removePendingFolders } from '@/features/browse/pending-folders';
import { connectionsQuery } from '@/lib/api/connections';
import { errorMessage } from '@/lib/api/problem';
import { formatCount } from '@/lib/format';
import { useDebouncedValue } from '@/lib/hooks/use-debounced-value';
import { baseName, locationPath, parentPrefix, parsePathInput } from '@/lib/paths';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  picker: {
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    height: '200px',
    overflowY: 'auto',
    padding: tokens.spacingVerticalXS,
  },
  pickerItem: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    width: '100%',
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`,
    border: 'none',
    background: 'none',
    color: tokens.colorNeutralForeground1,
    font: 'inherit',
    textAlign: 'left',
    borderRadius: tokens.borderRadiusMedium,
    cursor: 'pointer',
    ':hover': { backgroundColor: tokens.colorSubtleBackgroundHover },
    ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}` },
  },
  pickerName: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  hint: { color: tokens.colorNeutralForeground3, padding: tokens.spacingVerticalS },
  folderIcon: { color: tokens.colorPaletteMarigoldBorderActive, flexShrink: 0 },
  list: {
    margin: 0,
    paddingLeft: tokens.spacingHorizontalXL,
    maxHeight: '180px',
    overflowY: 'auto',
    overflowWrap: 'anywhere',
  },
  failures: { color: tokens.colorPaletteRedForeground1 },
  row: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
});

export type TransferMode = 'copy' | 'move';

interface Failure {
  name: string;
  stage: 'copy' | 'delete';
  error: unknown;
}

type Phase =
  | { kind: 'choose'; problem?: string }
  | { kind: 'counting'; found: number }
  | { kind: 'running'; total: number; done: number }
  | {
      kind: 'finished';
      total: number;
      copied: number;
      skipped: string[];
      failures: Failure[];
      stopped: boolean;
      error?: unknown;
    };

/** The small folder picker under the destination field: containers, then folders. */
function DestinationPicker({
  connectionId,
  destination,
  onPick,
}: {
  connectionId: number;
  destination: string;
  onPick: (path: string) => void;
}) {
  const styles = useStyles();
  const typed = useDebouncedValue(destination, 250);
  const parsed = parsePathInput(typed);
  const inContainer = parsed !== null && typed.includes('/');
  const containerFilter = !inContainer ? typed.trim().replace(/^\/+/, '') : '';
  const containers = useContainers(connectionId, containerFilter, !inContainer);
  const folders = useBlobListing(
    { connectionId, container: parsed?.container ?? '', prefix: parsed?.prefix ?? '' },
    '',
    inContainer,
  );
  const active = inContainer ? folders : containers;

  if (!inContainer) {
    const items = containers.data?.pages.flatMap((p) => p.items) ?? [];
    return (
      <div className={styles.picker} role="group" aria-label="Containers">
        {containers.isPending ? <Spinner size="tiny" label="Loading containers…" /> : null}
        {containers.isError ? <Text className={styles.hint}>{errorMessage(containers.error)}</Text> : null}
        {containers.isSuccess && items.length === 0 ? <Text className={styles.hint}>No containers match.</Text> : null}
        {items.map((c) => (
          <button key={c.name} type="button" className={styles.pickerItem} onClick={() => onPick(`${c.name}/`)}>
            <ArchiveRegular aria-hidden />
            <span className={styles.pickerName}>{c.name}</span>
          </button>
        ))}
      </div>
    );
  }
  const prefixes = folders.data?.pages.flatMap((p) => p.prefixes) ?? [];
  const container = parsed?.container ?? '';
  const prefix = parsed?.prefix ?? '';
  return (
    <div className={styles.picker} role="group" aria-label="Folders">
      <button
        type="button"
        className={styles.pickerItem}
        onClick={() => onPick(prefix ? `${container}/${parentPrefix(prefix)}` : '')}
      >
        <ArrowUpRegular aria-hidden />
        <span>{prefix ? 'Up one folder' : 'All containers'}</span>
      </button>
      {active.isPending ? <Spinner size="tiny" label="Loading folders…" /> : null}
      {active.isError ? <Text className={styles.hint}>{errorMessage(active.error)}</Text> : null}
      {folders.isSuccess && prefixes.length === 0 ? (
        <Text className={styles.hint} block>
          No folders here. Type a new folder's name after the “/” to make one.
        </Text>
      ) : null}
      {prefixes.map((p) => (
        <button key={p} type="button" className={styles.pickerItem} onClick={() => onPick(`${container}/${p}`)}>
          <FolderFilled className={styles.folderIcon} aria-hidden />
          <span className={styles.pickerName}>{baseName(p)}</span>
        </button>
      ))}
    </div>
  );
}

/**
 * Copy or move a selection to a folder of any container of any of the user's connections:
 * a server-side copy per blob; a move deletes each source only after its copy succeeded, so
 * nothing is lost. Progress as "n of m"; errors listed by name.
 */
export function CopyMoveDialog({
  mode,
  source,
  entries,
  onClose,
}: {
  mode: TransferMode;
  source: { connectionId: number; container: string; prefix: string };
  /** The selection; the dialog is open while it is not null. */
  entries: readonly Entry[] | null;
  onClose: () => void;
}) {
  const styles = useStyles();
  const navigate = useNavigate();
  const client = useQueryClient();
  const connections = useQuery(connectionsQuery());
  const [targetId, setTargetId] = useState(source.connectionId);
  const [destination, setDestination] = useState(`${source.container}/${source.prefix}`);
  const [replace, setReplace] = useState(false);
  const [phase, setPhase] = useState<Phase>({ kind: 'choose' });
  const abort = useRef<AbortController | null>(null);
  const verb = mode === 'copy' ? 'Copy' : 'Move';
  const target = parsePathInput(
    destination.endsWith('/') || !destination.includes('/') ? destination : `${destination}/`,
  );

  function close() {
    abort.current?.abort();
    setPhase({ kind: 'choose' });
    setDestination(`${source.container}/${source.prefix}`);
    setTargetId(source.connectionId);
    setReplace(false);
    onClose();
  }

  function problemWith(): string | undefined {
    if (!target) return 'Type a destination such as “container/folder/”.';
    if (!/^(\$root|\$web|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$/.test(target.container)) {
      return `“${target.container}” is not a valid container name.`;
    }
    const same = targetId === source.connectionId && target.container === source.container;
    if (same && target.prefix === source.prefix) return 'Choose another folder: the items are already here.';
    if (same) {
      const folder = entries?.find((e) => e.kind === 'folder' && target.prefix.startsWith(e.name));
      if (folder) return `A folder cannot go inside itself (“${folder.label}/”).`;
    }
    return undefined;
  }

  async function run() {
    if (!entries || !target) return;
    const problem = problemWith();
    if (problem) {
      setPhase({ kind: 'choose', problem });
      return;
    }
    const controller = new AbortController();
    abort.current = controller;
    setPhase({ kind: 'counting', found: 0 });
    let names: string[];
    try {
      const expanded = await expandSelection(
        { connectionId: source.connectionId, container: source.container },
        entries,
        {
          signal: controller.signal,
          onProgress: (found) => setPhase({ kind: 'counting', found }),
        },
      );
      names = expanded.blobs;
    } catch (error) {
      if (!controller.signal.aborted)
        setPhase({ kind: 'finished', total: 0, copied: 0, skipped: [], failures: [], stopped: false, error });
      return;
    }
    const total = names.length;
    let done = 0;
    let copied = 0;
    const skipped: string[] = [];
    const failures: Failure[] = [];
    setPhase({ kind: 'running', total, done });
    await runBatch(
      names,
      async (name) => {
        const targetName = target.prefix + name.slice(source.prefix.length);
        const to = { connectionId: targetId, container: target.container, name: targetName };
        if (!replace && (await blobExists(to.connectionId, to.container, to.name))) {
          skipped.push(name);
          return;
        }
        try {
          await copyBlob(to, { connectionId: source.connectionId, container: source.container, name });
        } catch (error) {
          failures.push({ name, stage: 'copy', error });
          return;
        }
        copied += 1;
        if (mode === 'move') {
          try {
            await deleteBlob(source.connectionId, source.container, name);
          } catch (error) {
            failures.push({ name, stage: 'delete', error });
          }
        }
      },
      {
        concurrency: 4,
        signal: controller.signal,
        onSettled: (name, error) => {
          if (error) failures.push({ name, stage: 'copy', error });
          done += 1;
          setPhase({ kind: 'running', total, done });
        },
      },
    );
    if (mode === 'move') {
      removePendingFolders(
        source.connectionId,
        source.container,
        entries.filter((e) => e.kind === 'folder').map((e) => e.name),
      );
    }
    void client.invalidateQueries({ queryKey: blobKeys.container(source.connectionId, source.container) });
    void client.invalidateQueries({ queryKey: blobKeys.container(targetId, target.container) });
    setPhase({ kind: 'finished', total, copied, skipped, failures, stopped: controller.signal.aborted });
  }

  const targetConnection = connections.data?.items.find((c) => c.id === targetId);
  const running = phase.kind === 'running' || phase.kind === 'counting';
  const count = entries?.length ?? 0;

  return (
    <Dialog open={entries !== null} onOpenChange={(_, data) => (!data.open && !running ? close() : undefined)}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>
            {verb} {count === 1 && entries ? `“${entries[0]!.label}”` : formatCount(count, 'item')}
          </DialogTitle>
          <DialogContent className={styles.body}>
            {phase.kind === 'choose' ? (
              <>
                <Field label="Connection">
                  <Dropdown
                    value={targetConnection?.name ?? ''}
                    selectedOptions={[String(targetId)]}
                    onOptionSelect={(_, data) => {
                      const id = Number(data.optionValue);
                      setTargetId(id);
                      if (id !== source.connectionId) setDestination('');
                      else setDestination(`${source.container}/${source.prefix}`);
                    }}
                  >
                    {(connections.data?.items ?? [])
                      .filter((c) => c.is_active)
                      .map((c) => (
                        <Option key={c.id} value={String(c.id)} text={c.name}>
                          {c.name} ({c.account_name})
                        </Option>
                      ))}
                  </Dropdown>
                </Field>
                <Field
                  label="Destination folder"
                  hint="container/folder/ — pick below, or type a path (a new folder's name is fine)."
                  validationMessage={phase.problem}
                >
                  <Input
                    value={destination}
                    spellCheck={false}
                    autoComplete="off"
                    onChange={(_, data) => {
                      setDestination(data.value);
                      if (phase.problem) setPhase({ kind: 'choose' });
                    }}
                    onKeyDown={(event) => {
                      if (event.key === 'Enter') void run();
                    }}
                  />
                </Field>
                <DestinationPicker connectionId={targetId} destination={destination} onPick={setDestination} />
                <Checkbox
                  checked={replace}
                  onChange={(_, data) => setReplace(Boolean(data.checked))}
                  label="Replace blobs of the same name there (otherwise they are skipped)"
                />
                {mode === 'move' ? (
                  <Text size={200}>Each blob is deleted here only after its copy has been made.</Text>
                ) : null}
              </>
            ) : null}
            {phase.kind === 'counting' ? (
              <div className={styles.row} role="status">
                <Spinner size="tiny" />
                <Text>
                  Listing what to {mode}… {phase.found ? `${phase.found.toLocaleString()} blobs so far` : ''}
                </Text>
              </div>
            ) : null}
            {phase.kind === 'running' ? (
              <>
                <ProgressBar value={phase.total ? phase.done / phase.total : 1} aria-label={`${verb} progress`} />
                <Text role="status">
                  {mode === 'copy' ? 'Copying' : 'Moving'} {phase.done.toLocaleString()} of{' '}
                  {formatCount(phase.total, 'blob')}…
                </Text>
              </>
            ) : null}
            {phase.kind === 'finished' ? (
              phase.error ? (
                <ErrorState error={phase.error} title="The selection could not be listed" />
              ) : (
                <>
                  <Text role="status">
                    {phase.stopped ? 'Stopped. ' : ''}
                    {mode === 'copy' ? 'Copied' : 'Moved'} {phase.copied.toLocaleString()} of{' '}
                    {formatCount(phase.total, 'blob')} to{' '}
                    <strong>{target ? `${target.container}/${target.prefix}` : ''}</strong>.
                  </Text>
                  {phase.skipped.length ? (
                    <>
                      <Text>
                        Skipped {formatCount(phase.skipped.length, 'blob')} that already exist there
                        {mode === 'move' ? ' (kept here too)' : ''}:
                      </Text>
                      <ul className={styles.list}>
                        {phase.skipped.slice(0, 100).map((n) => (
                          <li key={n}>{n}</li>
                        ))}
                        {phase.skipped.length > 100 ? (
                          <li>and {formatCount(phase.skipped.length - 100, 'more')}</li>
                        ) : null}
                      </ul>
                    </>
                  ) : null}
                  {phase.failures.length ? (
                    <>
                      <Text className={styles.failures}>{formatCount(phase.failures.length, 'problem')}:</Text>
                      <ul className={`${styles.list} ${styles.failures}`}>
                        {phase.failures.slice(0, 200).map((f) => (
                          <li key={`${f.stage}:${f.name}`}>
                            <strong>{f.name}</strong>
                            {f.stage === 'delete' ? ' was copied but not removed here' : ' was not copied'}:{' '}
                            {errorMessage(f.error)}
                          </li>
                        ))}
                      </ul>
                    </>
                  ) : null}
                </>
              )
            ) : null}
          </DialogContent>
          <DialogActions>
            {phase.kind === 'choose' ? (
              <>
                <Button appearance="secondary" onClick={close}>
                  Cancel
                </Button>
                <Button appearance="primary" onClick={() => void run()} disabled={!target}>
                  {verb}
                </Button>
              </>
            ) : null}
            {running ? (
              <Button appearance="secondary" onClick={() => abort.current?.abort()}>
                Stop
              </Button>
            ) : null}
            {phase.kind === 'finished' ? (
              <>
                {target && !phase.error ? (
                  <Button
                    appearance="secondary"
                    onClick={() => {
                      const to = locationPath({
                        connectionId: targetId,
                        container: target.container,
                        prefix: target.prefix,
                      });
                      close();
                      navigate(to);
                    }}
                  >
                    Open destination
                  </Button>
                ) : null}
                <Button appearance="primary" onClick={close}>
                  Close
                </Button>
              </>
            ) : null}
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

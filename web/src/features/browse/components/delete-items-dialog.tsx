import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  makeStyles,
  ProgressBar,
  Spinner,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';

import { ErrorState } from '@/components/error-state';
import { blobKeys, deleteBlob } from '@/features/browse/api/blobs';
import { expandSelection, runBatch, type BatchFailure, type ExpandedSelection } from '@/features/browse/batch';
import type { Entry } from '@/features/browse/listing-entries';
import { removePendingFolders } from '@/features/browse/pending-folders';
import { errorMessage, ProblemError } from '@/lib/api/problem';
import { formatCount } from '@/lib/format';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  names: {
    margin: 0,
    paddingLeft: tokens.spacingHorizontalXL,
    maxHeight: '160px',
    overflowY: 'auto',
    overflowWrap: 'anywhere',
  },
  failures: {
    margin: 0,
    paddingLeft: tokens.spacingHorizontalXL,
    maxHeight: '200px',
    overflowY: 'auto',
    color: tokens.colorPaletteRedForeground1,
    overflowWrap: 'anywhere',
  },
  row: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
  danger: {
    backgroundColor: tokens.colorPaletteRedBackground3,
    ':hover': { backgroundColor: tokens.colorPaletteRedForeground1 },
  },
});

type Phase =
  | { kind: 'counting'; found: number }
  | { kind: 'count_failed'; error: unknown }
  | { kind: 'confirm'; expanded: ExpandedSelection }
  | { kind: 'deleting'; total: number; done: number }
  | { kind: 'finished'; total: number; failures: BatchFailure<string>[]; stopped: boolean };

/** "Delete 3 items?", or the item's own name when there is one. */
export function deleteTitle(entries: readonly Entry[]): string {
  if (entries.length === 1) {
    const entry = entries[0] as Entry;
    return entry.kind === 'folder' ? `Delete the folder “${entry.label}”?` : `Delete “${entry.label}”?`;
  }
  return `Delete ${formatCount(entries.length, 'item')}?`;
}

/**
 * Deleting a selection: folders are listed first (their whole subtree), the confirmation
 * gives the count, then the blobs are deleted a few at a time; failures are listed by name.
 */
export function DeleteItemsDialog({
  connectionId,
  container,
  entries,
  onClose,
}: {
  connectionId: number;
  container: string;
  /** The selection to delete; the dialog is open while it is not null. */
  entries: readonly Entry[] | null;
  onClose: () => void;
}) {
  const styles = useStyles();
  const client = useQueryClient();
  const [phase, setPhase] = useState<Phase>({ kind: 'counting', found: 0 });
  const abort = useRef<AbortController | null>(null);
  const [attempt, setAttempt] = useState(0);
  const open = entries !== null;

  // Count what the selection stands for as soon as the dialog opens.
  useEffect(() => {
    if (!entries) return;
    const controller = new AbortController();
    abort.current = controller;
    const hasFolders = entries.some((e) => e.kind === 'folder' && !e.pending);
    setPhase({ kind: 'counting', found: 0 });
    expandSelection({ connectionId, container }, entries, {
      signal: controller.signal,
      onProgress: (found) => hasFolders && !controller.signal.aborted && setPhase({ kind: 'counting', found }),
    })
      .then((expanded) => !controller.signal.aborted && setPhase({ kind: 'confirm', expanded }))
      .catch((error: unknown) => !controller.signal.aborted && setPhase({ kind: 'count_failed', error }));
    return () => controller.abort();
  }, [entries, connectionId, container, attempt]);

  function finish() {
    abort.current?.abort();
    if (entries) {
      const folders = entries.filter((e) => e.kind === 'folder').map((e) => e.name);
      if (folders.length) removePendingFolders(connectionId, container, folders);
    }
    void client.invalidateQueries({ queryKey: blobKeys.container(connectionId, container) });
    onClose();
  }

  async function run(expanded: ExpandedSelection) {
    const controller = new AbortController();
    abort.current = controller;
    const total = expanded.blobs.length;
    let done = 0;
    setPhase({ kind: 'deleting', total, done });
    const failures = await runBatch(
      expanded.blobs,
      (name) => deleteBlob(connectionId, container, name).then(() => undefined),
      {
        concurrency: 8,
        signal: controller.signal,
        onSettled: (_name, error) => {
          // A blob already gone is what the user wanted.
          if (!error || (error instanceof ProblemError && error.code === 'blob_not_found')) done += 1;
          setPhase({ kind: 'deleting', total, done });
        },
      },
    );
    const real = failures.filter((f) => !(f.error instanceof ProblemError && f.error.code === 'blob_not_found'));
    if (real.length === 0 && !controller.signal.aborted) {
      finish();
      return;
    }
    setPhase({ kind: 'finished', total, failures: real, stopped: controller.signal.aborted });
    void client.invalidateQueries({ queryKey: blobKeys.container(connectionId, container) });
  }

  const folders = entries?.filter((e) => e.kind === 'folder') ?? [];
  const busy = phase.kind === 'deleting';

  let content: React.ReactNode = null;
  let actions: React.ReactNode = null;
  switch (phase.kind) {
    case 'counting':
      content = (
        <div className={styles.row} role="status">
          <Spinner size="tiny" />
          <Text>
            Counting the blobs in {formatCount(folders.length, 'folder')}…
            {phase.found ? ` ${phase.found.toLocaleString()} so far` : ''}
          </Text>
        </div>
      );
      actions = (
        <Button appearance="secondary" onClick={finish}>
          Cancel
        </Button>
      );
      break;
    case 'count_failed':
      content = (
        <ErrorState
          error={phase.error}
          title="The folders could not be listed"
          onRetry={() => setAttempt((n) => n + 1)}
        />
      );
      actions = (
        <Button appearance="secondary" onClick={finish}>
          Cancel
        </Button>
      );
      break;
    case 'confirm': {
      const { expanded } = phase;
      const names = entries ?? [];
      content = (
        <>
          {names.length > 1 ? (
            <ul className={styles.names}>
              {names.slice(0, 8).map((e) => (
                <li key={e.key}>{e.kind === 'folder' ? `${e.label}/` : e.label}</li>
              ))}
              {names.length > 8 ? <li>and {formatCount(names.length - 8, 'more item')}</li> : null}
            </ul>
          ) : null}
          {folders.length ? (
            <Text block>
              {folders.length === 1
                ? `The folder holds ${formatCount(expanded.perFolder.get(folders[0]!.name) ?? 0, 'blob')}.`
                : `The folders hold ${formatCount(
                    folders.reduce((n, f) => n + (expanded.perFolder.get(f.name) ?? 0), 0),
                    'blob',
                  )}.`}{' '}
              <strong>{formatCount(expanded.blobs.length, 'blob')}</strong> will be deleted.
            </Text>
          ) : null}
          <Text block>This cannot be undone.</Text>
        </>
      );
      actions = (
        <>
          <Button appearance="secondary" onClick={finish}>
            Cancel
          </Button>
          <Button appearance="primary" className={styles.danger} onClick={() => void run(expanded)}>
            {expanded.blobs.length === 0 ? 'Remove' : `Delete ${formatCount(expanded.blobs.length, 'blob')}`}
          </Button>
        </>
      );
      break;
    }
    case 'deleting':
      content = (
        <div className={styles.body}>
          <ProgressBar value={phase.total ? phase.done / phase.total : 1} aria-label="Deleting" />
          <Text role="status">
            Deleted {phase.done.toLocaleString()} of {formatCount(phase.total, 'blob')}…
          </Text>
        </div>
      );
      actions = (
        <Button appearance="secondary" onClick={() => abort.current?.abort()}>
          Stop
        </Button>
      );
      break;
    case 'finished':
      content = (
        <div className={styles.body}>
          <Text role="status">
            {phase.stopped ? 'Stopped. ' : ''}Deleted {(phase.total - phase.failures.length).toLocaleString()} of{' '}
            {formatCount(phase.total, 'blob')}
            {phase.failures.length ? `; ${formatCount(phase.failures.length, 'blob')} could not be deleted:` : '.'}
          </Text>
          {phase.failures.length ? (
            <ul className={styles.failures}>
              {phase.failures.slice(0, 200).map((f) => (
                <li key={f.item}>
                  <strong>{f.item}</strong>: {errorMessage(f.error)}
                </li>
              ))}
              {phase.failures.length > 200 ? <li>and {formatCount(phase.failures.length - 200, 'more')}</li> : null}
            </ul>
          ) : null}
        </div>
      );
      actions = (
        <Button appearance="primary" onClick={finish}>
          Close
        </Button>
      );
      break;
  }

  return (
    <Dialog open={open} modalType="alert" onOpenChange={(_, data) => (!data.open && !busy ? finish() : undefined)}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>{entries ? deleteTitle(entries) : ''}</DialogTitle>
          <DialogContent className={styles.body}>{content}</DialogContent>
          <DialogActions>{actions}</DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

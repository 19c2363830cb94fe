import { Button, makeStyles, mergeClasses, ProgressBar, Text, tokens } from '@fluentui/react-components';
import { ChevronDownRegular, ChevronUpRegular } from '@fluentui/react-icons';
import { useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useId, useMemo, useRef, useState } from 'react';

import { ConfirmDialog } from '@/components/confirm-dialog';
import { ConflictDialog } from '@/features/transfers/components/conflict-dialog';
import { TransferRow } from '@/features/transfers/components/transfer-row';
import { transferFileName, transferFolder, transfersSummary } from '@/features/transfers/components/transfer-text';
import { useMediaQuery } from '@/lib/hooks/use-media-query';
import {
  cancelAllTransfers,
  clearFinishedTransfers,
  registerQueryClient,
  resolveConflict,
  type TransferItem,
  type TransferState,
  useTransfers,
} from '@/lib/transfers/transfer-queue';

/** Lists longer than this are virtualized (only the rows in view are in the DOM). */
const virtualizeFrom = 60;

const useStyles = makeStyles({
  panel: {
    backgroundColor: tokens.colorNeutralBackground1,
    borderTop: `1px solid ${tokens.colorNeutralStroke2}`,
    boxShadow: tokens.shadow8,
    minWidth: 0,
  },
  bar: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`,
    minWidth: 0,
  },
  toggle: {
    flexGrow: 1,
    minWidth: 0,
    justifyContent: 'flex-start',
    textAlign: 'left',
    fontWeight: tokens.fontWeightRegular,
  },
  toggleText: { display: 'flex', flexWrap: 'wrap', columnGap: tokens.spacingHorizontalS, minWidth: 0 },
  toggleTextNarrow: { flexDirection: 'column', alignItems: 'flex-start' },
  summary: { color: tokens.colorNeutralForeground2 },
  overall: { width: '120px', flexShrink: 0 },
  overallNarrow: { display: 'block' },
  barActions: { display: 'flex', gap: tokens.spacingHorizontalXS, flexShrink: 0 },
  list: {
    maxHeight: 'min(36vh, 300px)',
    overflowY: 'auto',
    overscrollBehavior: 'contain',
    borderTop: `1px solid ${tokens.colorNeutralStroke2}`,
    margin: 0,
    padding: 0,
    listStyleType: 'none',
  },
  listNarrow: { maxHeight: '40vh' },
  item: { margin: 0, padding: 0 },
  visuallyHidden: {
    position: 'absolute',
    width: '1px',
    height: '1px',
    margin: '-1px',
    padding: 0,
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
    border: 0,
  },
});

/** Newest batch first (a download started during a long upload is in view), each batch in its order. */
function newestBatchFirst(items: readonly TransferItem[]): TransferItem[] {
  const batches = new Map<string, TransferItem[]>();
  for (const item of items) {
    const list = batches.get(item.batchId);
    if (list) list.push(item);
    else batches.set(item.batchId, [item]);
  }
  return [...batches.values()].reverse().flat();
}

function announcementFor(done: TransferItem[], failed: TransferItem[]): string {
  if (done.length + failed.length === 1) {
    const item = (done[0] ?? failed[0]) as TransferItem;
    const name = transferFileName(item);
    if (failed.length)
      return `${item.kind === 'upload' ? 'Upload' : 'Download'} of ${name} failed: ${item.error?.message ?? ''}`;
    return item.kind === 'upload'
      ? `Uploaded ${name} to ${transferFolder(item)}.`
      : `Download of ${name} started in your browser.`;
  }
  const parts = [];
  if (done.length)
    parts.push(`${done.length.toLocaleString()} ${done.length === 1 ? 'transfer' : 'transfers'} finished`);
  if (failed.length) parts.push(`${failed.length.toLocaleString()} failed`);
  return `${parts.join(', ')}.`;
}

/** A polite summary of what finished or failed, at most once a second. */
function useAnnouncements(items: readonly TransferItem[]): string {
  const previous = useRef<Map<string, TransferState> | null>(null);
  const pending = useRef<{ done: TransferItem[]; failed: TransferItem[] }>({ done: [], failed: [] });
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [message, setMessage] = useState('');

  useEffect(() => {
    const before = previous.current;
    const now = new Map<string, TransferState>();
    for (const item of items) {
      now.set(item.id, item.state);
      if (before === null || before.get(item.id) === item.state) continue;
      if (item.state === 'done') pending.current.done.push(item);
      else if (item.state === 'failed') pending.current.failed.push(item);
    }
    previous.current = now;
    const { done, failed } = pending.current;
    if ((done.length || failed.length) && timer.current === null) {
      timer.current = setTimeout(() => {
        timer.current = null;
        setMessage(announcementFor(pending.current.done, pending.current.failed));
        pending.current = { done: [], failed: [] };
      }, 1_000);
    }
  }, [items]);

  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
  return message;
}

function PlainList({ id, items, narrow }: { id: string; items: TransferItem[]; narrow: boolean }) {
  const styles = useStyles();
  return (
    <ul id={id} className={mergeClasses(styles.list, narrow && styles.listNarrow)} aria-label="Transfers">
      {items.map((item) => (
        <li key={item.id} className={styles.item}>
          <TransferRow item={item} narrow={narrow} />
        </li>
      ))}
    </ul>
  );
}

function VirtualList({ id, items, narrow }: { id: string; items: TransferItem[]; narrow: boolean }) {
  const styles = useStyles();
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => (narrow ? 104 : 58),
    getItemKey: (index) => items[index]?.id ?? index,
    overscan: 6,
  });
  return (
    <div
      id={id}
      ref={scroller}
      className={mergeClasses(styles.list, narrow && styles.listNarrow)}
      role="list"
      aria-label="Transfers"
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((row) => {
          const item = items[row.index];
          if (!item) return null;
          return (
            <div
              key={row.key}
              role="listitem"
              aria-setsize={items.length}
              aria-posinset={row.index + 1}
              data-index={row.index}
              ref={virtualizer.measureElement}
              style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${row.start}px)` }}
            >
              <TransferRow item={item} narrow={narrow} />
            </div>
          );
        })}
      </div>
    </div>
  );
}

/**
 * The transfers of this tab, docked at the bottom of the shell: a summary bar (counts, stop
 * all, clear finished, expand/collapse) over one row per file; the name-conflict question.
 * Appears with the first transfer and stays across pages (the queue lives outside React).
 */
export function TransferPanel({ compact }: { compact?: boolean }) {
  const styles = useStyles();
  const queryClient = useQueryClient();
  const narrowQuery = useMediaQuery('(max-width: 760px)');
  const narrow = compact ?? narrowQuery;
  const transfers = useTransfers();
  const [expanded, setExpanded] = useState(true);
  const [confirmStop, setConfirmStop] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const listId = useId();
  const message = useAnnouncements(transfers.items);
  const ordered = useMemo(() => newestBatchFirst(transfers.items), [transfers.items]);

  useEffect(() => registerQueryClient(queryClient), [queryClient]);
  // Each time the panel appears: open on a wide screen; on a phone only the summary bar, so
  // that the folder the user is in stays in view.
  const shown = transfers.items.length > 0;
  useEffect(() => {
    if (shown) setExpanded(!narrow);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the panel appears
  }, [shown]);
  useEffect(() => {
    if (transfers.active === 0) setConfirmStop(false);
  }, [transfers.active]);

  const total = transfers.items.length;
  const finished = total - transfers.active;
  const overall = transfers.activeBytes > 0 ? transfers.activeBytesSent / transfers.activeBytes : null;

  return (
    <>
      <div className={styles.visuallyHidden} role="status" aria-live="polite">
        {message}
      </div>
      <ConflictDialog question={transfers.conflict} onDecide={resolveConflict} />
      {total > 0 ? (
        <section className={styles.panel} aria-label="Transfers">
          <div className={styles.bar}>
            <Button
              ref={toggle}
              appearance="subtle"
              className={styles.toggle}
              icon={expanded ? <ChevronDownRegular /> : <ChevronUpRegular />}
              aria-expanded={expanded}
              aria-controls={expanded ? listId : undefined}
              onClick={() => setExpanded((e) => !e)}
            >
              <span className={mergeClasses(styles.toggleText, narrow && styles.toggleTextNarrow)}>
                <Text weight="semibold">Transfers ({total.toLocaleString()})</Text>
                <Text className={styles.summary}>
                  {narrow ? '' : '· '}
                  {transfersSummary(transfers)}
                </Text>
              </span>
            </Button>
            {!expanded && !narrow && overall !== null ? (
              <ProgressBar className={styles.overall} value={overall} max={1} aria-label="All uploads" />
            ) : null}
            <div className={styles.barActions}>
              {transfers.active > 0 ? (
                <Button appearance="subtle" size="small" onClick={() => setConfirmStop(true)}>
                  Stop all
                </Button>
              ) : null}
              {finished > 0 ? (
                <Button
                  appearance="subtle"
                  size="small"
                  onClick={() => {
                    clearFinishedTransfers();
                    // The button goes away with what it cleared; the bar's toggle keeps the focus.
                    toggle.current?.focus();
                  }}
                >
                  Clear finished
                </Button>
              ) : null}
            </div>
          </div>
          {!expanded && narrow && overall !== null ? (
            <ProgressBar
              className={styles.overallNarrow}
              value={overall}
              max={1}
              shape="square"
              aria-label="All uploads"
            />
          ) : null}
          {expanded ? (
            ordered.length >= virtualizeFrom ? (
              <VirtualList id={listId} items={ordered} narrow={narrow} />
            ) : (
              <PlainList id={listId} items={ordered} narrow={narrow} />
            )
          ) : null}
        </section>
      ) : null}
      <ConfirmDialog
        open={confirmStop}
        title={`Stop ${transfers.active.toLocaleString()} ${transfers.active === 1 ? 'transfer' : 'transfers'}?`}
        confirmLabel="Stop transfers"
        onConfirm={() => {
          cancelAllTransfers();
          setConfirmStop(false);
        }}
        onCancel={() => setConfirmStop(false)}
      >
        Files not uploaded yet stop where they are and leave nothing behind; files already uploaded stay. You can retry
        each one later.
      </ConfirmDialog>
    </>
  );
}

import {
  makeStyles,
  Skeleton,
  SkeletonItem,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useInfiniteQuery } from '@tanstack/react-query';

import { ErrorState } from '@/components/error-state';
import { LoadMore } from '@/components/load-more';
import { syncRunsQuery, type SyncDirection, type SyncRun } from '@/features/sync/api/sync-jobs';
import { SyncStatusBadge } from '@/features/sync/components/sync-status-badge';
import { bytesText, countsText, triggerLabels } from '@/features/sync/job-text';
import { asSentence } from '@/lib/api/problem';
import { formatAbsolute, formatDuration, formatRelative } from '@/lib/format';
import { useMediaQuery } from '@/lib/hooks/use-media-query';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, minWidth: 0 },
  heading: { margin: 0 },
  secondary: { color: tokens.colorNeutralForeground3 },
  when: { display: 'flex', flexDirection: 'column', padding: `${tokens.spacingVerticalXS} 0` },
  error: {
    display: 'flex',
    flexDirection: 'column',
    overflowWrap: 'anywhere',
    padding: `${tokens.spacingVerticalXS} 0`,
  },
  errorText: { color: tokens.colorPaletteRedForeground1 },
  code: {
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    color: tokens.colorNeutralForeground2,
  },
  colWhen: { width: '18%' },
  colTrigger: { width: '15%' },
  colStatus: { width: '13%' },
  colResult: { width: '26%' },
  // Without an error to show, the result takes the error's room.
  colResultWide: { width: '54%' },
  colError: { width: '28%' },
  items: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column' },
  item: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXXS,
    padding: `${tokens.spacingVerticalS} 0`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    minWidth: 0,
  },
  itemTop: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
});

function runTime(run: SyncRun): string {
  return run.started_at ?? run.created_at;
}

function duration(run: SyncRun): string {
  if (!run.started_at) return '';
  const end = run.finished_at ? Date.parse(run.finished_at) : Date.now();
  const seconds = (end - Date.parse(run.started_at)) / 1000;
  return seconds < 1 ? 'under a second' : formatDuration(seconds);
}

function triggerText(run: SyncRun): string {
  return run.attempt > 1 ? `${triggerLabels[run.trigger]}, attempt ${run.attempt}` : triggerLabels[run.trigger];
}

function RunError({ run }: { run: SyncRun }) {
  const styles = useStyles();
  if (!run.error && !run.error_code) return null;
  return (
    <span className={styles.error}>
      {run.error ? (
        <Text size={200} className={styles.errorText}>
          {asSentence(run.error)}
        </Text>
      ) : null}
      {run.error_code ? <span className={styles.code}>{run.error_code}</span> : null}
    </span>
  );
}

function RunResult({ run, direction }: { run: SyncRun; direction: SyncDirection }) {
  const bytes = bytesText(run.progress, run.finished_at !== null, run.status);
  if (run.status === 'queued') return <Text size={200}>Waiting for a worker</Text>;
  return (
    <Text size={200}>
      {countsText(run.progress, direction)}
      {bytes ? ` · ${bytes}` : ''}
    </Text>
  );
}

/** A job's runs, newest first: when, why, how it ended, what it did, and each error (message and code). */
export function RunHistory({
  connectionId,
  jobId,
  direction,
}: {
  connectionId: number;
  jobId: number;
  direction: SyncDirection;
}) {
  const styles = useStyles();
  const narrow = useMediaQuery('(max-width: 760px)');
  const runs = useInfiniteQuery(syncRunsQuery(connectionId, jobId));
  const items = runs.data?.pages.flatMap((page) => page.items) ?? [];
  const total = runs.data?.pages.at(-1)?.total ?? 0;
  const anyError = items.some((run) => run.error || run.error_code);

  let body;
  if (runs.isPending) {
    body = (
      <Skeleton aria-label="Loading the run history">
        {[0, 1, 2].map((i) => (
          <SkeletonItem key={i} size={24} style={{ margin: '8px 0' }} />
        ))}
      </Skeleton>
    );
  } else if (runs.isError && items.length === 0) {
    body = (
      <ErrorState title="The history could not be loaded" error={runs.error} onRetry={() => void runs.refetch()} />
    );
  } else if (items.length === 0) {
    body = <Text className={styles.secondary}>No runs yet.</Text>;
  } else if (narrow) {
    body = (
      <ul className={styles.items} aria-label="Runs">
        {items.map((run) => (
          <li key={run.id} className={styles.item}>
            <span className={styles.itemTop}>
              <SyncStatusBadge status={run.status} size="small" />
              <Text size={200} title={formatAbsolute(runTime(run))}>
                {formatRelative(runTime(run))}
              </Text>
              <Text size={200} className={styles.secondary}>
                {triggerText(run)}
                {duration(run) ? ` · ${duration(run)}` : ''}
              </Text>
            </span>
            <RunResult run={run} direction={direction} />
            <RunError run={run} />
          </li>
        ))}
      </ul>
    );
  } else {
    body = (
      <Table aria-label="Runs" size="small">
        <TableHeader>
          <TableRow>
            <TableHeaderCell className={styles.colWhen}>Started</TableHeaderCell>
            <TableHeaderCell className={styles.colTrigger}>Started by</TableHeaderCell>
            <TableHeaderCell className={styles.colStatus}>Status</TableHeaderCell>
            <TableHeaderCell className={anyError ? styles.colResult : styles.colResultWide}>Result</TableHeaderCell>
            {anyError ? <TableHeaderCell className={styles.colError}>Error</TableHeaderCell> : null}
          </TableRow>
        </TableHeader>
        <TableBody>
          {items.map((run) => (
            <TableRow key={run.id}>
              <TableCell>
                <span className={styles.when}>
                  <Text size={200} title={formatAbsolute(runTime(run))}>
                    {run.started_at ? formatRelative(run.started_at) : `Queued ${formatRelative(run.created_at)}`}
                  </Text>
                  {duration(run) ? (
                    <Text size={200} className={styles.secondary}>
                      {run.finished_at ? 'took' : 'running for'} {duration(run)}
                    </Text>
                  ) : null}
                </span>
              </TableCell>
              <TableCell>
                <Text size={200}>{triggerText(run)}</Text>
              </TableCell>
              <TableCell>
                <SyncStatusBadge status={run.status} size="small" />
              </TableCell>
              <TableCell>
                <RunResult run={run} direction={direction} />
              </TableCell>
              {anyError ? (
                <TableCell>
                  <RunError run={run} />
                </TableCell>
              ) : null}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    );
  }

  return (
    <section className={styles.root} aria-labelledby="run-history-heading">
      <Text as="h2" size={500} weight="semibold" className={styles.heading} id="run-history-heading">
        Run history
        {total > 0 ? (
          <Text size={300} weight="regular" className={styles.secondary}>
            {' '}
            ({total.toLocaleString()})
          </Text>
        ) : null}
      </Text>
      {body}
      <LoadMore
        label="Load older runs"
        hasMore={runs.hasNextPage}
        loading={runs.isFetchingNextPage}
        error={runs.isFetchNextPageError ? runs.error : undefined}
        onLoad={() => void runs.fetchNextPage()}
      />
    </section>
  );
}

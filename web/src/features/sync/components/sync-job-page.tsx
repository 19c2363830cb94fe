import {
  Button,
  Card,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  SkeletonItem,
  Spinner,
  Text,
  tokens,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import {
  ArrowLeftRegular,
  ArrowRightRegular,
  DeleteRegular,
  DismissRegular,
  ErrorCircleRegular,
  PlayRegular,
} from '@fluentui/react-icons';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, type ReactNode } from 'react';
import { useNavigate, useParams } from 'react-router';

import { AppLink } from '@/components/app-link';
import { EmptyState } from '@/components/empty-state';
import { ErrorState } from '@/components/error-state';
import { PageSkeleton } from '@/components/page-skeleton';
import { isActive, syncJobQuery, type SyncJob } from '@/features/sync/api/sync-jobs';
import { useSyncJobEvents } from '@/features/sync/api/sync-events';
import { RunHistory } from '@/features/sync/components/run-history';
import { isConnectionMissing, SyncConnectionMissing } from '@/features/sync/components/sync-connection-problem';
import { directionIcons } from '@/features/sync/components/sync-job-list';
import { SyncProgress } from '@/features/sync/components/sync-progress';
import { SyncStatusBadge } from '@/features/sync/components/sync-status-badge';
import { useSyncJobActions } from '@/features/sync/components/use-sync-job-actions';
import { directionHints, directionLabels, jobEnds, scheduleText, statusLabels } from '@/features/sync/job-text';
import { connectionsQuery } from '@/lib/api/connections';
import { asSentence, ProblemError } from '@/lib/api/problem';
import { formatAbsolute, formatRelative } from '@/lib/format';

const useStyles = makeStyles({
  page: {
    boxSizing: 'border-box',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalL,
    padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalXL}`,
    maxWidth: '1100px',
    '@media (max-width: 760px)': { padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalM}` },
  },
  back: { alignSelf: 'flex-start', display: 'inline-flex', alignItems: 'center', gap: tokens.spacingHorizontalXS },
  header: { display: 'flex', alignItems: 'flex-start', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  titles: { flex: '1 1 320px', minWidth: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  eyebrow: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    color: tokens.colorNeutralForeground2,
    flexWrap: 'wrap',
  },
  eyebrowIcon: { display: 'inline-flex', fontSize: '18px', color: tokens.colorBrandForeground1 },
  title: {
    margin: 0,
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    columnGap: tokens.spacingHorizontalS,
    fontFamily: tokens.fontFamilyMonospace,
    overflowWrap: 'anywhere',
    minWidth: 0,
  },
  arrow: { color: tokens.colorNeutralForeground3, flexShrink: 0 },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  card: { gap: tokens.spacingVerticalS },
  cardTitle: { margin: 0 },
  secondary: { color: tokens.colorNeutralForeground3 },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content minmax(0, 1fr)',
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalXS,
    margin: 0,
  },
  factName: { color: tokens.colorNeutralForeground2 },
  factValue: { margin: 0, overflowWrap: 'anywhere' },
  mono: { fontFamily: tokens.fontFamilyMonospace },
  code: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
});

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function Facts({ job, to, from }: { job: SyncJob; from: string; to: string }) {
  const styles = useStyles();
  const facts: [string, ReactNode][] = [
    ['Direction', `${directionLabels[job.direction]}: ${lowerFirst(directionHints[job.direction])}`],
    ['From', <span className={styles.mono}>{from}</span>],
    ['To', <span className={styles.mono}>{to}</span>],
    ['Compare', job.compare === 'md5' ? 'Content (MD5)' : 'Size and modification time'],
    [
      'Deletes',
      job.delete_extraneous
        ? job.max_delete === null
          ? 'Deletes what the source does not have, without a limit'
          : `Deletes what the source does not have, at most ${job.max_delete.toLocaleString()} per run`
        : 'Never deletes',
    ],
    ['Schedule', scheduleText(job.interval_seconds)],
  ];
  if (job.next_run_at) {
    facts.push(['Next run', <span title={formatAbsolute(job.next_run_at)}>{formatRelative(job.next_run_at)}</span>]);
  }
  facts.push(['Created', <span title={formatAbsolute(job.created_at)}>{formatRelative(job.created_at)}</span>]);
  return (
    <dl className={styles.facts}>
      {facts.map(([name, value]) => (
        <div key={name} style={{ display: 'contents' }}>
          <dt className={styles.factName}>{name}</dt>
          <dd className={styles.factValue}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** One sync job: its latest run live, what it is, run now/cancel/delete, and its run history. */
export default function SyncJobPage() {
  const styles = useStyles();
  const navigate = useNavigate();
  const restoreFocusTarget = useRestoreFocusTarget();
  const params = useParams();
  const connectionId = Number(params.connectionId);
  const jobId = Number(params.jobId);
  const valid = Number.isInteger(connectionId) && connectionId > 0 && Number.isInteger(jobId) && jobId > 0;
  const listPath = `/sync/${connectionId}`;

  const job = useQuery({ ...syncJobQuery(connectionId, jobId), enabled: valid });
  const connections = useQuery(connectionsQuery());
  const names = useMemo(
    () => new Map((connections.data?.items ?? []).map((c) => [c.id, c.name] as const)),
    [connections.data],
  );
  const connectionName = (id: number) => names.get(id);
  const actions = useSyncJobActions(connectionId, {
    connectionName,
    onDeleted: () => navigate(listPath, { replace: true }),
  });
  const active = job.data ? isActive(job.data.status) : false;
  const stream = useSyncJobEvents(connectionId, jobId, valid && active);
  const ends = job.data ? jobEnds(job.data, connectionName) : null;

  const pageTitle = ends ? `${ends.from} → ${ends.to} · Sync · Cerulean` : 'Sync job · Cerulean';
  useEffect(() => {
    document.title = pageTitle;
  }, [pageTitle]);

  if (isConnectionMissing(job.error)) return <SyncConnectionMissing />;
  if (!valid || (job.error instanceof ProblemError && job.error.code === 'sync_job_not_found')) {
    return (
      <EmptyState
        icon={<ErrorCircleRegular />}
        title="This sync job does not exist (or was deleted)"
        actions={
          <Button appearance="primary" onClick={() => navigate(listPath)}>
            Go to the sync jobs
          </Button>
        }
      >
        It may have been deleted, here or in another tab.
      </EmptyState>
    );
  }
  if (job.isPending) return <PageSkeleton rows={6} label="Loading the sync job" />;
  if (job.isError) {
    return (
      <div className={styles.page}>
        <ErrorState title="The sync job could not be loaded" error={job.error} onRetry={() => void job.refetch()} />
      </div>
    );
  }

  const data = job.data;
  const name = ends ? `${ends.from} to ${ends.to}` : '';
  const notice = actions.notice;
  const connection = connections.data?.items.find((c) => c.id === connectionId);

  return (
    <div className={styles.page}>
      <AppLink to={listPath} className={styles.back}>
        <ArrowLeftRegular aria-hidden /> Sync jobs{connection ? ` of ${connection.name}` : ''}
      </AppLink>

      <div className={styles.header}>
        <div className={styles.titles}>
          <span className={styles.eyebrow}>
            <span aria-hidden className={styles.eyebrowIcon}>
              {directionIcons[data.direction]}
            </span>
            <Text weight="semibold">{directionLabels[data.direction]}</Text>
            <SyncStatusBadge status={data.status} />
            {stream === 'live' ? (
              <Text size={200} className={styles.secondary}>
                Live
              </Text>
            ) : stream === 'reconnecting' ? (
              <Text size={200} className={styles.secondary}>
                Reconnecting…
              </Text>
            ) : null}
          </span>
          <Text as="h1" size={500} weight="semibold" className={styles.title}>
            <span>{ends?.from}</span>
            <ArrowRightRegular aria-label="to" className={styles.arrow} />
            <span>{ends?.to}</span>
          </Text>
        </div>
        <div className={styles.actions}>
          {active ? (
            <Button
              icon={actions.cancellingId === data.id ? <Spinner size="tiny" /> : <DismissRegular />}
              disabled={actions.cancellingId === data.id}
              onClick={() => actions.cancelRun(data)}
            >
              Cancel run
            </Button>
          ) : (
            <Button
              {...restoreFocusTarget}
              appearance="primary"
              icon={actions.startingId === data.id ? <Spinner size="tiny" /> : <PlayRegular />}
              disabled={actions.startingId === data.id || connection?.is_active === false}
              onClick={() => actions.runNow(data)}
            >
              Run now
            </Button>
          )}
          <Button {...restoreFocusTarget} icon={<DeleteRegular />} onClick={() => actions.askDelete(data)}>
            Delete
          </Button>
        </div>
      </div>

      {notice ? (
        <MessageBar intent={notice.intent} role="status" layout="multiline">
          <MessageBarBody style={{ overflowWrap: 'anywhere' }}>{notice.text}</MessageBarBody>
          <MessageBarActions
            containerAction={
              <Button
                appearance="transparent"
                size="small"
                aria-label="Dismiss"
                icon={<DismissRegular />}
                onClick={actions.clearNotice}
              />
            }
          />
        </MessageBar>
      ) : null}

      <Card className={styles.card}>
        <Text as="h2" size={400} weight="semibold" className={styles.cardTitle}>
          {active ? 'Current run' : 'Latest run'}
        </Text>
        {data.started_at || active || data.finished_at ? (
          <>
            <Text size={200} className={styles.secondary}>
              {statusLabels[data.status]}
              {data.started_at ? (
                <>
                  {' · started '}
                  <span title={formatAbsolute(data.started_at)}>{formatRelative(data.started_at)}</span>
                </>
              ) : null}
              {data.finished_at ? (
                <>
                  {' · finished '}
                  <span title={formatAbsolute(data.finished_at)}>{formatRelative(data.finished_at)}</span>
                </>
              ) : null}
            </Text>
            <SyncProgress
              progress={data.progress}
              status={data.status}
              direction={data.direction}
              label={`Progress of ${name}`}
            />
          </>
        ) : (
          <Text size={200} className={styles.secondary}>
            Not run yet.
          </Text>
        )}
        {data.status === 'failed' && (data.last_error || data.last_error_code) ? (
          <MessageBar intent="error" layout="multiline">
            <MessageBarBody>
              <MessageBarTitle>The run failed</MessageBarTitle>
              {data.last_error ? asSentence(data.last_error) : null}{' '}
              {data.last_error_code ? <span className={styles.code}>({data.last_error_code})</span> : null}
            </MessageBarBody>
          </MessageBar>
        ) : null}
      </Card>

      <Card className={styles.card}>
        <Text as="h2" size={400} weight="semibold" className={styles.cardTitle}>
          Settings
        </Text>
        {ends ? <Facts job={data} from={ends.from} to={ends.to} /> : <SkeletonItem />}
      </Card>

      <RunHistory connectionId={connectionId} jobId={jobId} direction={data.direction} />
      {actions.dialogs}
    </div>
  );
}

import {
  Button,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  SkeletonItem,
  Spinner,
  Text,
  tokens,
  Tooltip,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import { AddRegular, ArrowClockwiseRegular, ArrowSyncRegular, DismissRegular } from '@fluentui/react-icons';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useParams, useSearchParams } from 'react-router';

import { AppLink } from '@/components/app-link';
import { EmptyState } from '@/components/empty-state';
import { ErrorState } from '@/components/error-state';
import { PageSkeleton } from '@/components/page-skeleton';
import { isActive, syncJobsQuery, type SyncJobList as JobList } from '@/features/sync/api/sync-jobs';
import { isConnectionMissing, SyncConnectionMissing } from '@/features/sync/components/sync-connection-problem';
import { SyncJobForm } from '@/features/sync/components/sync-job-form';
import { SyncJobList } from '@/features/sync/components/sync-job-list';
import { useSyncJobActions } from '@/features/sync/components/use-sync-job-actions';
import { jobEnds } from '@/features/sync/job-text';
import { connectionQuery, connectionsQuery } from '@/lib/api/connections';
import { formatCount } from '@/lib/format';
import { rememberConnection } from '@/lib/selected-connection';

const useStyles = makeStyles({
  page: {
    boxSizing: 'border-box',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalXL}`,
    maxWidth: '1100px',
    '@media (max-width: 760px)': { padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalM}` },
  },
  header: { display: 'flex', alignItems: 'flex-start', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  titles: { flexGrow: 1, minWidth: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  title: { margin: 0 },
  subtitle: {
    color: tokens.colorNeutralForeground3,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS },
  count: { color: tokens.colorNeutralForeground3 },
});

/** How many jobs follow their progress over an events stream at once: each holds a connection. */
const maxStreams = 2;

function refetchEvery(list: JobList | undefined): number | false {
  if (!list) return false;
  const active = list.items.filter((j) => isActive(j.status)).length;
  // Active jobs beyond the streamed ones are polled; scheduled ones are looked at now and then.
  if (active > maxStreams) return 3000;
  if (list.items.some((j) => j.interval_seconds !== null)) return 30_000;
  return false;
}

/** A connection's sync jobs: create, run now, cancel, delete, and their live progress. */
export default function SyncJobsPage() {
  const styles = useStyles();
  const connectionId = Number(useParams().connectionId);
  const valid = Number.isInteger(connectionId) && connectionId > 0;
  const [params, setParams] = useSearchParams();
  const [created, setCreated] = useState<string | null>(null);
  const restoreFocusTarget = useRestoreFocusTarget();

  const connection = useQuery({ ...connectionQuery(connectionId), enabled: valid });
  const connections = useQuery(connectionsQuery());
  const jobs = useQuery({
    ...syncJobsQuery(connectionId),
    enabled: valid,
    refetchInterval: (query) => refetchEvery(query.state.data),
  });
  const names = useMemo(
    () => new Map((connections.data?.items ?? []).map((c) => [c.id, c.name] as const)),
    [connections.data],
  );
  const connectionName = (id: number) => names.get(id);
  const actions = useSyncJobActions(connectionId, { connectionName });

  useEffect(() => {
    document.title = connection.data ? `Sync jobs · ${connection.data.name} · Cerulean` : 'Sync jobs · Cerulean';
  }, [connection.data]);
  useEffect(() => {
    if (connection.isSuccess) rememberConnection(connectionId);
  }, [connection.isSuccess, connectionId]);

  const items = jobs.data?.items ?? [];
  const streamed = useMemo(
    () =>
      new Set(
        (jobs.data?.items ?? [])
          .filter((j) => isActive(j.status))
          .slice(0, maxStreams)
          .map((j) => j.id),
      ),
    [jobs.data],
  );

  if (!valid || isConnectionMissing(connection.error) || isConnectionMissing(jobs.error)) {
    return <SyncConnectionMissing />;
  }

  const formOpen = params.get('new') !== null && connection.data !== undefined;
  const openForm = (open: boolean) => {
    setCreated(null);
    actions.clearNotice();
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (open) next.set('new', '1');
        else next.delete('new');
        return next;
      },
      { replace: true },
    );
  };
  const disabled = connection.data?.is_active === false;
  const activeCount = items.filter((j) => isActive(j.status)).length;
  const newButton = (
    <Button
      {...restoreFocusTarget}
      appearance="primary"
      icon={<AddRegular />}
      onClick={() => openForm(true)}
      disabled={!connection.data || disabled}
    >
      New sync job
    </Button>
  );
  const notice = created ? { intent: 'success' as const, text: created } : actions.notice;

  return (
    <div className={styles.page}>
      <div className={styles.header}>
        <div className={styles.titles}>
          <Text as="h1" size={600} weight="semibold" className={styles.title}>
            Sync jobs
          </Text>
          {connection.data ? (
            <Text className={styles.subtitle} title={connection.data.endpoint}>
              {connection.data.name} · {connection.data.account_name}
            </Text>
          ) : connection.isError ? null : (
            <SkeletonItem size={16} style={{ width: 200 }} />
          )}
        </div>
        <div className={styles.actions}>
          <Tooltip content="Refresh" relationship="label">
            <Button
              icon={jobs.isFetching && !jobs.isPending ? <Spinner size="tiny" /> : <ArrowClockwiseRegular />}
              onClick={() => void jobs.refetch()}
            />
          </Tooltip>
          {items.length > 0 ? newButton : null}
        </div>
      </div>

      {disabled && connection.data ? (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            “{connection.data.name}” is disabled: its jobs do not run until you enable it on the{' '}
            <AppLink to="/connections" inline>
              Connections
            </AppLink>{' '}
            page.
          </MessageBarBody>
        </MessageBar>
      ) : null}

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
                onClick={() => {
                  setCreated(null);
                  actions.clearNotice();
                }}
              />
            }
          />
        </MessageBar>
      ) : null}

      {connection.isError && !isConnectionMissing(connection.error) ? (
        <ErrorState
          title="This connection could not be read"
          error={connection.error}
          onRetry={() => void connection.refetch()}
        />
      ) : null}

      {jobs.isPending ? (
        <PageSkeleton rows={4} label="Loading sync jobs" />
      ) : jobs.isError ? (
        <ErrorState title="The sync jobs could not be loaded" error={jobs.error} onRetry={() => void jobs.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState icon={<ArrowSyncRegular />} title="No sync jobs yet" actions={newButton}>
          A sync job keeps a container and a folder on the Cerulean server, or two containers, in step: once, or on a
          schedule. Only what changed is transferred.
        </EmptyState>
      ) : (
        <>
          <Text size={200} className={styles.count}>
            {formatCount(jobs.data.total, 'job')}
            {activeCount ? `, ${activeCount} queued or running` : ''}
            {jobs.data.total > items.length ? ` (showing the newest ${items.length.toLocaleString()})` : ''}
          </Text>
          <SyncJobList
            jobs={items}
            streamed={streamed}
            connectionId={connectionId}
            connectionName={connectionName}
            startingId={actions.startingId}
            cancellingId={actions.cancellingId}
            onRun={actions.runNow}
            onCancel={actions.cancelRun}
            onDelete={actions.askDelete}
          />
        </>
      )}

      {formOpen && connection.data ? (
        <SyncJobForm
          open
          connection={connection.data}
          onClose={() => openForm(false)}
          onCreated={(job) => {
            openForm(false);
            const ends = jobEnds(job, connectionName);
            setCreated(`Created the job ${ends.from} → ${ends.to}; its first run is queued.`);
          }}
        />
      ) : null}
      {actions.dialogs}
    </div>
  );
}

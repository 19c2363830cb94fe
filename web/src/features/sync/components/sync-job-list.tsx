import {
  Button,
  Card,
  makeStyles,
  mergeClasses,
  Spinner,
  Text,
  tokens,
  Tooltip,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import {
  ArrowDownloadRegular,
  ArrowRightRegular,
  ArrowUploadRegular,
  CopyRegular,
  DeleteRegular,
  DismissRegular,
  HistoryRegular,
  PlayRegular,
} from '@fluentui/react-icons';
import type { ReactElement } from 'react';

import { AppLink } from '@/components/app-link';
import { isActive, type SyncDirection, type SyncJob } from '@/features/sync/api/sync-jobs';
import { useSyncJobEvents } from '@/features/sync/api/sync-events';
import { SyncProgress } from '@/features/sync/components/sync-progress';
import { SyncStatusBadge } from '@/features/sync/components/sync-status-badge';
import { directionLabels, jobEnds, scheduleText } from '@/features/sync/job-text';
import { asSentence } from '@/lib/api/problem';
import { formatAbsolute, formatRelative } from '@/lib/format';

const useStyles = makeStyles({
  list: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    listStyle: 'none',
    margin: 0,
    padding: 0,
  },
  card: { gap: tokens.spacingVerticalS, minWidth: 0 },
  top: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap', minWidth: 0 },
  direction: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalXS,
    color: tokens.colorNeutralForeground2,
    fontWeight: tokens.fontWeightSemibold,
  },
  directionIcon: { fontSize: '18px', color: tokens.colorBrandForeground1 },
  spacer: { flexGrow: 1 },
  when: { color: tokens.colorNeutralForeground3, whiteSpace: 'nowrap' },
  ends: {
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    columnGap: tokens.spacingHorizontalS,
    rowGap: 0,
    minWidth: 0,
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase300,
  },
  endsLink: { fontFamily: 'inherit', fontWeight: tokens.fontWeightSemibold, overflowWrap: 'anywhere', minWidth: 0 },
  arrow: { flexShrink: 0, color: tokens.colorNeutralForeground3 },
  facts: { color: tokens.colorNeutralForeground3 },
  error: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXXS,
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorPaletteRedBackground1,
    color: tokens.colorNeutralForeground1,
    overflowWrap: 'anywhere',
  },
  code: {
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    color: tokens.colorNeutralForeground2,
  },
  actions: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalS },
  live: { color: tokens.colorNeutralForeground3 },
});

export const directionIcons: Record<SyncDirection, ReactElement> = {
  download: <ArrowDownloadRegular />,
  upload: <ArrowUploadRegular />,
  copy: <CopyRegular />,
};

/** The last thing that happened to a job, or what happens next, with the absolute time on hover. */
function JobWhen({ job }: { job: SyncJob }) {
  const styles = useStyles();
  const [label, iso] =
    job.status === 'running' && job.started_at
      ? ['Started', job.started_at]
      : job.status === 'queued' && job.next_run_at
        ? ['Due', job.next_run_at]
        : job.finished_at
          ? ['Finished', job.finished_at]
          : ['Created', job.created_at];
  return (
    <Text size={200} className={styles.when} title={formatAbsolute(iso)}>
      {label} {formatRelative(iso)}
    </Text>
  );
}

export interface SyncJobCardProps {
  job: SyncJob;
  connectionId: number;
  connectionName?: (id: number) => string | undefined;
  /** Follow its progress live (the events stream); the list limits how many do at once. */
  live: boolean;
  starting: boolean;
  cancelling: boolean;
  onRun: (job: SyncJob) => void;
  onCancel: (job: SyncJob) => void;
  onDelete: (job: SyncJob) => void;
}

function SyncJobCard({
  job,
  connectionId,
  connectionName,
  live,
  starting,
  cancelling,
  onRun,
  onCancel,
  onDelete,
}: SyncJobCardProps) {
  const styles = useStyles();
  const restoreFocusTarget = useRestoreFocusTarget();
  const active = isActive(job.status);
  const stream = useSyncJobEvents(connectionId, job.id, live && active);
  const ends = jobEnds(job, connectionName);
  const name = `${ends.from} to ${ends.to}`;
  const href = `/sync/${connectionId}/${job.id}`;
  const facts = [
    scheduleText(job.interval_seconds),
    job.next_run_at && !active ? `next run ${formatRelative(job.next_run_at)}` : null,
    job.compare === 'md5' ? 'compares content' : null,
    job.delete_extraneous
      ? job.max_delete === null
        ? 'deletes extra items'
        : `deletes extra items (at most ${job.max_delete.toLocaleString()})`
      : null,
  ].filter(Boolean);

  return (
    <li>
      <Card className={styles.card} aria-label={`${directionLabels[job.direction]} ${name}`}>
        <div className={styles.top}>
          <span className={styles.direction}>
            <span aria-hidden className={styles.directionIcon}>
              {directionIcons[job.direction]}
            </span>
            {directionLabels[job.direction]}
          </span>
          <SyncStatusBadge status={job.status} />
          {stream === 'reconnecting' ? (
            <Text size={200} className={styles.live}>
              Reconnecting…
            </Text>
          ) : null}
          <span className={styles.spacer} />
          <JobWhen job={job} />
        </div>
        <div className={styles.ends}>
          <AppLink to={href} className={styles.endsLink} aria-label={`${name}: details and history`}>
            {ends.from}
          </AppLink>
          <ArrowRightRegular aria-hidden className={styles.arrow} />
          <span className={styles.endsLink}>{ends.to}</span>
        </div>
        {job.status === 'failed' && job.last_error ? (
          <div className={styles.error}>
            <Text size={200}>{asSentence(job.last_error)}</Text>
            {job.last_error_code ? <span className={styles.code}>{job.last_error_code}</span> : null}
          </div>
        ) : null}
        {active || job.finished_at ? (
          <SyncProgress
            progress={job.progress}
            status={job.status}
            direction={job.direction}
            label={`Progress of ${name}`}
          />
        ) : null}
        <Text size={200} className={styles.facts}>
          {facts.join(' · ')}
        </Text>
        <div className={styles.actions}>
          {active ? (
            <Button
              size="small"
              icon={cancelling ? <Spinner size="extra-tiny" /> : <DismissRegular />}
              disabled={cancelling}
              onClick={() => onCancel(job)}
              aria-label={`Cancel run: ${name}`}
            >
              Cancel run
            </Button>
          ) : (
            <Button
              size="small"
              icon={starting ? <Spinner size="extra-tiny" /> : <PlayRegular />}
              disabled={starting}
              onClick={() => onRun(job)}
              {...restoreFocusTarget}
              aria-label={`Run now: ${name}`}
            >
              Run now
            </Button>
          )}
          <AppLink to={href} aria-label={`History of ${name}`}>
            <span style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}>
              <HistoryRegular aria-hidden /> History
            </span>
          </AppLink>
          <span className={styles.spacer} />
          <Tooltip content={`Delete the job ${name}`} relationship="label">
            <Button
              {...restoreFocusTarget}
              size="small"
              appearance="subtle"
              icon={<DeleteRegular />}
              onClick={() => onDelete(job)}
            />
          </Tooltip>
        </div>
      </Card>
    </li>
  );
}

/** The connection's sync jobs, newest first: one card each, with its status and progress. */
export function SyncJobList({
  jobs,
  streamed,
  ...rest
}: Omit<SyncJobCardProps, 'job' | 'live' | 'starting' | 'cancelling'> & {
  jobs: SyncJob[];
  /** Ids of the jobs whose progress is followed live. */
  streamed: ReadonlySet<number>;
  startingId: number | null;
  cancellingId: number | null;
}) {
  const styles = useStyles();
  const { startingId, cancellingId, ...cardProps } = rest;
  return (
    <ul className={mergeClasses(styles.list)} aria-label="Sync jobs">
      {jobs.map((job) => (
        <SyncJobCard
          key={job.id}
          job={job}
          live={streamed.has(job.id)}
          starting={startingId === job.id}
          cancelling={cancellingId === job.id}
          {...cardProps}
        />
      ))}
    </ul>
  );
}

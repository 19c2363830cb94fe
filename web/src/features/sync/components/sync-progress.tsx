import { makeStyles, ProgressBar, Text, tokens } from '@fluentui/react-components';

import {
  isActive,
  type SyncDirection,
  type SyncProgress as Progress,
  type SyncStatus,
} from '@/features/sync/api/sync-jobs';
import { bytesText, checkedText, countsText, progressFraction } from '@/features/sync/job-text';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, minWidth: 0 },
  line: { color: tokens.colorNeutralForeground2, overflowWrap: 'anywhere' },
});

/**
 * A run's progress: a bar and the counters while it is queued or running, the counters once it
 * ended. `label` names the bar for assistive technology ("Progress of docs/ → backup/").
 */
export function SyncProgress({
  progress,
  status,
  direction,
  label,
}: {
  progress: Progress;
  status: SyncStatus;
  direction: SyncDirection;
  label: string;
}) {
  const styles = useStyles();
  const active = isActive(status);
  const fraction = progressFraction(progress);
  const bytes = bytesText(progress, !active, status);
  if (!active) {
    return (
      <Text size={200} className={styles.line}>
        {countsText(progress, direction)}
        {bytes ? ` · ${bytes}` : ''}
      </Text>
    );
  }
  return (
    <div className={styles.root}>
      <ProgressBar
        aria-label={label}
        value={status === 'queued' ? 0 : fraction}
        max={1}
        thickness="large"
        shape="rounded"
      />
      <Text size={200} className={styles.line} aria-live="off">
        {status === 'queued'
          ? 'Waiting for a worker…'
          : `${checkedText(progress)} · ${countsText(progress, direction)}${bytes ? ` · ${bytes}` : ''}`}
      </Text>
    </div>
  );
}

// How the console words sync jobs and runs: where from and where to, the schedule, the status,
// what started a run, and its counters.
import type { SyncDirection, SyncJob, SyncProgress, SyncRun, SyncStatus } from '@/features/sync/api/sync-jobs';
import { formatBytes, formatCount } from '@/lib/format';

export const directionLabels: Record<SyncDirection, string> = {
  download: 'Download',
  upload: 'Upload',
  copy: 'Copy',
};

export const directionHints: Record<SyncDirection, string> = {
  download: 'From a container to a folder on the Cerulean server',
  upload: 'From a folder on the Cerulean server to a container',
  copy: 'From a container to another container, of this or another connection',
};

/** The past participle of each direction: "312 downloaded". */
export const directionDone: Record<SyncDirection, string> = {
  download: 'downloaded',
  upload: 'uploaded',
  copy: 'copied',
};

export const statusLabels: Record<SyncStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const triggerLabels: Record<SyncRun['trigger'], string> = {
  create: 'Job creation',
  manual: 'Run now',
  schedule: 'Schedule',
  retry: 'Automatic retry',
};

/** `container/folder/` as the console shows a place in storage. */
export function blobPlace(container: string, prefix: string): string {
  return prefix ? `${container}/${prefix}` : `${container}/`;
}

/** A folder under the sync root, or the root itself. */
export function localPlace(path: string | null): string {
  return path ? path : 'the sync folder';
}

export interface JobEnds {
  from: string;
  to: string;
}

/**
 * The two ends of a job in words. `connectionName` names other connections (a copy to another
 * account); the job's own connection goes unnamed.
 */
export function jobEnds(job: SyncJob, connectionName?: (id: number) => string | undefined): JobEnds {
  const remote = blobPlace(job.container, job.prefix);
  if (job.direction === 'download') return { from: remote, to: localPlace(job.local_path) };
  if (job.direction === 'upload') return { from: localPlace(job.local_path), to: remote };
  const target = job.target;
  if (!target) return { from: remote, to: '?' };
  const place = blobPlace(target.container, target.prefix ?? '');
  const other = target.connection_id !== job.connection_id ? connectionName?.(target.connection_id) : undefined;
  return { from: remote, to: other ? `${other}: ${place}` : place };
}

/** "Every 15 minutes", "Every hour", "Every 2 days"; "Runs once" for a one-off job. */
export function scheduleText(intervalSeconds: number | null): string {
  if (!intervalSeconds) return 'Runs once';
  const units: [number, string][] = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (intervalSeconds % size === 0) {
      const n = intervalSeconds / size;
      return n === 1 ? `Every ${unit}` : `Every ${n.toLocaleString()} ${unit}s`;
    }
  }
  return `Every ${intervalSeconds.toLocaleString()} seconds`;
}

/**
 * How far a run got, from 0 to 1, or undefined while there is nothing to measure against yet.
 * Both sides are enumerated as the run goes, so the totals grow: the lower of the bytes' and
 * the files' share is shown, never a full bar before the run ends.
 */
export function progressFraction(progress: SyncProgress): number | undefined {
  const shares: number[] = [];
  if (progress.bytes_total > 0) shares.push(progress.bytes_done / progress.bytes_total);
  if (progress.files_total > 0) {
    const handled = progress.files_done + progress.files_skipped + progress.files_failed;
    shares.push(handled / progress.files_total);
  }
  if (shares.length === 0) return undefined;
  return Math.min(0.99, ...shares);
}

/** The counters in words: "354 downloaded, 850 up to date, 3 deleted, 1 failed". */
export function countsText(progress: SyncProgress, direction: SyncDirection): string {
  const parts = [`${progress.files_done.toLocaleString()} ${directionDone[direction]}`];
  if (progress.files_skipped) parts.push(`${progress.files_skipped.toLocaleString()} up to date`);
  if (progress.files_deleted) parts.push(`${progress.files_deleted.toLocaleString()} deleted`);
  if (progress.files_failed) parts.push(`${progress.files_failed.toLocaleString()} failed`);
  return parts.join(', ');
}

/**
 * The bytes in words: "182.0 MiB of 700.0 MiB" while running (or "182.0 MiB so far"), "700.0 MiB"
 * once done. A run that ended without moving a byte says "no data to transfer" only when it
 * succeeded: a cancelled or failed one may just have stopped first.
 */
export function bytesText(progress: SyncProgress, finished: boolean, status?: SyncStatus): string {
  if (progress.bytes_total === 0 && progress.bytes_done === 0) {
    return finished && (status === undefined || status === 'succeeded') ? 'no data to transfer' : '';
  }
  if (finished) return formatBytes(progress.bytes_done);
  if (progress.bytes_done >= progress.bytes_total) return `${formatBytes(progress.bytes_done)} so far`;
  return `${formatBytes(progress.bytes_done)} of ${formatBytes(progress.bytes_total)}`;
}

/** "1,204 files checked" while running: how many of the source's items were looked at. */
export function checkedText(progress: SyncProgress): string {
  const handled = progress.files_done + progress.files_skipped + progress.files_failed;
  return progress.files_total > 0
    ? `${handled.toLocaleString()} of ${formatCount(progress.files_total, 'file')}`
    : 'Comparing both sides…';
}

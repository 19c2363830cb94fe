// What the transfer panel says about a transfer and about the whole list.

import { formatBytes, formatDuration, formatRate } from '@/lib/format';
import { baseName, folderOf } from '@/lib/transfers/blob-names';
import type { TransferItem, TransfersSnapshot } from '@/lib/transfers/transfer-queue';

/** "docs/reports/": the container and folder a transfer goes to (or comes from). */
export function transferFolder(item: TransferItem): string {
  return `${item.container}/${folderOf(item.name)}`;
}

export function transferFileName(item: TransferItem): string {
  return baseName(item.name) || item.name;
}

/** 0..100, or null when there is nothing to measure (downloads, unknown sizes). */
export function transferPercent(item: TransferItem): number | null {
  if (item.kind !== 'upload' || item.size === null) return null;
  if (item.state === 'done') return 100;
  if (item.size === 0) return 0;
  return Math.min(100, Math.floor((item.bytesSent / item.size) * 100));
}

export function transferStateText(item: TransferItem): string {
  if (item.kind === 'download') {
    switch (item.state) {
      case 'queued':
      case 'checking':
        return 'Preparing the download…';
      case 'done':
        return 'Started in your browser’s downloads';
      case 'failed':
        return 'Download failed';
      default:
        return 'Cancelled';
    }
  }
  switch (item.state) {
    case 'queued':
      return 'Queued';
    case 'checking':
      return 'Checking the name…';
    case 'waiting-for-decision':
      return 'Name exists: waiting for your answer';
    case 'uploading':
      return item.size !== null && item.bytesSent >= item.size ? 'Finishing…' : 'Uploading';
    case 'done':
      if (item.name !== item.requestedName) return `Uploaded as “${baseName(item.name)}”`;
      return item.decision === 'overwrite' ? 'Uploaded, replaced the existing file' : 'Uploaded';
    case 'failed':
      return 'Failed';
    case 'cancelled':
      return 'Cancelled';
    case 'skipped':
      return 'Skipped: the name exists';
  }
}

/** "12.0 MiB of 40.0 MiB" (uploads), "40.0 MiB" (downloads of a known size), or "". */
export function transferBytesText(item: TransferItem): string {
  if (item.size === null) return '';
  if (item.kind === 'download' || item.state === 'done') return formatBytes(item.size);
  // Nothing sent (queued, skipped, failed at the name check): the size alone says enough.
  if (item.bytesSent === 0 && item.state !== 'uploading') return formatBytes(item.size);
  return `${formatBytes(item.bytesSent)} of ${formatBytes(item.size)}`;
}

/** "3.2 MiB/s · 12 s left" while sending. */
export function transferSpeedText(item: TransferItem): string {
  if (item.state !== 'uploading') return '';
  const parts: string[] = [];
  if (item.rate !== null) parts.push(formatRate(item.rate));
  if (item.remainingSeconds !== null && item.size !== null && item.bytesSent < item.size) {
    parts.push(`${formatDuration(item.remainingSeconds)} left`);
  }
  return parts.join(' · ');
}

/** "2 running, 1 failed": the non-zero counters, in the order a user cares about. */
export function transfersSummary(s: TransfersSnapshot): string {
  const parts: string[] = [];
  if (s.running) parts.push(`${s.running.toLocaleString()} running`);
  if (s.waiting) parts.push(`${s.waiting.toLocaleString()} waiting for you`);
  if (s.queued) parts.push(`${s.queued.toLocaleString()} queued`);
  if (s.failed) parts.push(`${s.failed.toLocaleString()} failed`);
  if (s.done) parts.push(`${s.done.toLocaleString()} done`);
  if (s.skipped) parts.push(`${s.skipped.toLocaleString()} skipped`);
  if (s.cancelled) parts.push(`${s.cancelled.toLocaleString()} cancelled`);
  return parts.join(', ');
}

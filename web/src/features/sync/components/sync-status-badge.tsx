import { Badge, type BadgeProps } from '@fluentui/react-components';
import {
  ArrowSyncRegular,
  CheckmarkCircleRegular,
  ClockRegular,
  DismissCircleRegular,
  ErrorCircleRegular,
} from '@fluentui/react-icons';

import type { SyncStatus } from '@/features/sync/api/sync-jobs';
import { statusLabels } from '@/features/sync/job-text';

const looks: Record<SyncStatus, { color: BadgeProps['color']; icon: BadgeProps['icon'] }> = {
  queued: { color: 'informative', icon: <ClockRegular /> },
  running: { color: 'brand', icon: <ArrowSyncRegular /> },
  succeeded: { color: 'success', icon: <CheckmarkCircleRegular /> },
  failed: { color: 'danger', icon: <ErrorCircleRegular /> },
  cancelled: { color: 'warning', icon: <DismissCircleRegular /> },
};

/** A run's (or a job's latest run's) status: a word, a colour and an icon, never the colour alone. */
export function SyncStatusBadge({ status, size = 'medium' }: { status: SyncStatus; size?: BadgeProps['size'] }) {
  const look = looks[status];
  return (
    <Badge appearance="tint" color={look.color} icon={look.icon} size={size} style={{ whiteSpace: 'nowrap' }}>
      {statusLabels[status]}
    </Badge>
  );
}

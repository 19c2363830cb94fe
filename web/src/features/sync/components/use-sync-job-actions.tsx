import { Text } from '@fluentui/react-components';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';

import { ConfirmDialog } from '@/components/confirm-dialog';
import {
  hasSucceededRun,
  planSyncJob,
  useCancelSyncJob,
  useDeleteSyncJob,
  useRunSyncJob,
  type SyncJob,
} from '@/features/sync/api/sync-jobs';
import { PlanDialog } from '@/features/sync/components/plan-dialog';
import { directionDone, jobEnds, type JobEnds } from '@/features/sync/job-text';
import { errorMessage } from '@/lib/api/problem';
import { formatCount } from '@/lib/format';

export interface Notice {
  intent: 'success' | 'error' | 'info';
  text: string;
}

/**
 * Run now, cancel and delete for the jobs of one connection, with their dialogs: a job that may
 * delete and has never finished a run shows its plan and runs only once confirmed; delete asks
 * first. `notice` says how the last action went.
 */
export function useSyncJobActions(
  connectionId: number,
  {
    connectionName,
    onDeleted,
  }: { connectionName?: (id: number) => string | undefined; onDeleted?: (job: SyncJob) => void } = {},
) {
  const queryClient = useQueryClient();
  const run = useRunSyncJob(connectionId);
  const cancel = useCancelSyncJob(connectionId);
  const remove = useDeleteSyncJob(connectionId);
  const [planning, setPlanning] = useState<{ job: SyncJob; ends: JobEnds; attempt: number } | null>(null);
  const [deleting, setDeleting] = useState<SyncJob | null>(null);
  const [checking, setChecking] = useState<number | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);

  const describe = (job: SyncJob) => {
    const ends = jobEnds(job, connectionName);
    return `${ends.from} → ${ends.to}`;
  };

  const startRun = (job: SyncJob, after?: () => void) => {
    run.mutate(job.id, {
      onSuccess: () => {
        after?.();
        setNotice({ intent: 'success', text: `Started a run of ${describe(job)}.` });
      },
      onError: (error) => {
        if (!after) setNotice({ intent: 'error', text: errorMessage(error) });
      },
    });
  };

  const runNow = async (job: SyncJob) => {
    setNotice(null);
    run.reset();
    if (!job.delete_extraneous) return startRun(job);
    // A job that may delete and has never completed a run: show what it would do first.
    setChecking(job.id);
    try {
      if (await hasSucceededRun(queryClient, connectionId, job)) return startRun(job);
      setPlanning({ job, ends: jobEnds(job, connectionName), attempt: Date.now() });
    } catch (error) {
      setNotice({ intent: 'error', text: errorMessage(error) });
    } finally {
      setChecking(null);
    }
  };

  const cancelRun = (job: SyncJob) => {
    setNotice(null);
    cancel.mutate(job.id, {
      onSuccess: (r) =>
        setNotice({
          intent: 'info',
          text:
            r.status === 'cancelled'
              ? `Cancelled the run of ${describe(job)}.`
              : `Stopping the run of ${describe(job)}: it ends within seconds.`,
        }),
      onError: (error) => setNotice({ intent: 'error', text: errorMessage(error) }),
    });
  };

  const askDelete = (job: SyncJob) => {
    setNotice(null);
    remove.reset();
    setDeleting(job);
  };

  const dialogs: ReactNode = (
    <>
      {planning ? (
        <PlanDialog
          open
          title="Review before running"
          intro="This job deletes, and has not completed a run yet. This is what a run would do now:"
          ends={planning.ends}
          direction={planning.job.direction}
          // Not under ['sync-jobs', …]: refreshing the jobs must not plan again under the user's eyes.
          planKey={['sync-plan', connectionId, planning.job.id, planning.attempt]}
          loadPlan={(signal) => planSyncJob(connectionId, planning.job.id, signal)}
          confirmLabel={(plan) =>
            plan.deletes_refused
              ? 'Run anyway'
              : plan.delete > 0
                ? `Run and delete ${formatCount(plan.delete, 'item')}`
                : 'Run now'
          }
          busy={run.isPending}
          error={run.error}
          onCancel={() => setPlanning(null)}
          onConfirm={() => startRun(planning.job, () => setPlanning(null))}
        />
      ) : null}
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this sync job?"
        confirmLabel="Delete job"
        busy={remove.isPending}
        error={remove.error}
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          if (!deleting) return;
          const job = deleting;
          remove.mutate(job.id, {
            onSuccess: () => {
              setDeleting(null);
              setNotice({ intent: 'success', text: `Deleted the job ${describe(job)}.` });
              onDeleted?.(job);
            },
          });
        }}
      >
        {deleting ? (
          <>
            <Text as="p" block style={{ overflowWrap: 'anywhere' }}>
              {describe(deleting)}
            </Text>
            <Text as="p" block>
              The job and its run history are removed
              {deleting.status === 'queued' || deleting.status === 'running' ? ', and its active run is cancelled' : ''}
              . What was already {directionDone[deleting.direction]} stays where it is.
            </Text>
          </>
        ) : null}
      </ConfirmDialog>
    </>
  );

  return {
    runNow: (job: SyncJob) => void runNow(job),
    cancelRun,
    askDelete,
    /** The job whose Run now is starting (checking its history, or queueing). */
    startingId: checking ?? (run.isPending && !planning ? (run.variables ?? null) : null),
    cancellingId: cancel.isPending ? (cancel.variables ?? null) : null,
    notice,
    clearNotice: () => setNotice(null),
    dialogs,
  };
}

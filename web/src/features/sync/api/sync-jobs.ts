// Sync jobs of a connection: the queries (list, one job, its runs) and the mutations (create,
// run, plan, cancel, delete). One key per resource, all under ['sync-jobs', connectionId], so
// that a change to any job can refresh everything of its connection at once.
import {
  infiniteQueryOptions,
  queryOptions,
  useMutation,
  useQueryClient,
  type QueryClient,
} from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema.gen';

export type SyncJob = components['schemas']['SyncJob'];
export type SyncJobCreate = components['schemas']['SyncJobCreate'];
export type SyncJobList = components['schemas']['SyncJobList'];
export type SyncRun = components['schemas']['SyncRun'];
export type SyncRunList = components['schemas']['SyncRunList'];
export type SyncPlan = components['schemas']['SyncPlan'];
export type SyncProgress = components['schemas']['SyncProgress'];
export type SyncStatus = SyncJob['status'];
export type SyncDirection = SyncJob['direction'];

export const syncJobKeys = {
  all: (connectionId: number) => ['sync-jobs', connectionId] as const,
  list: (connectionId: number) => ['sync-jobs', connectionId, 'list'] as const,
  one: (connectionId: number, jobId: number) => ['sync-jobs', connectionId, 'one', jobId] as const,
  runs: (connectionId: number, jobId: number) => ['sync-jobs', connectionId, 'runs', jobId] as const,
};

/** The API's largest page: the list shows up to this many jobs of a connection. */
export const jobPageLimit = 1000;
export const runPageSize = 20;

/** Whether a run (or a job's latest run) is queued or running. */
export function isActive(status: SyncStatus): boolean {
  return status === 'queued' || status === 'running';
}

export function syncJobsQuery(connectionId: number) {
  return queryOptions({
    queryKey: syncJobKeys.list(connectionId),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/v1/azure_blob/connections/{id}/sync_jobs', {
          params: { path: { id: connectionId }, query: { limit: jobPageLimit } },
          signal,
        }),
      ),
  });
}

export function syncJobQuery(connectionId: number, jobId: number) {
  return queryOptions({
    queryKey: syncJobKeys.one(connectionId, jobId),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/v1/azure_blob/connections/{id}/sync_jobs/{job_id}', {
          params: { path: { id: connectionId, job_id: jobId } },
          signal,
        }),
      ),
  });
}

/** A job's runs, newest first, a page at a time. */
export function syncRunsQuery(connectionId: number, jobId: number) {
  return infiniteQueryOptions({
    queryKey: syncJobKeys.runs(connectionId, jobId),
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET('/api/v1/azure_blob/connections/{id}/sync_jobs/{job_id}/runs', {
          params: { path: { id: connectionId, job_id: jobId }, query: { skip: pageParam, limit: runPageSize } },
          signal,
        }),
      ),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, page) => n + page.items.length, 0);
      return loaded < last.total && last.items.length > 0 ? loaded : undefined;
    },
  });
}

/** What a run of the job would do now (a dry run; changes nothing). */
export function planSyncJob(connectionId: number, jobId: number, signal?: AbortSignal) {
  return unwrap(
    api.POST('/api/v1/azure_blob/connections/{id}/sync_jobs/{job_id}/plan', {
      params: { path: { id: connectionId, job_id: jobId } },
      signal,
    }),
  );
}

/**
 * What the first run of a job not created yet would do: the body is checked as a create is (the
 * same 422s), and nothing is stored.
 */
export function planNewSyncJob(connectionId: number, body: SyncJobCreate, signal?: AbortSignal) {
  return unwrap(
    api.POST('/api/v1/azure_blob/connections/{id}/sync_jobs/plan', {
      params: { path: { id: connectionId } },
      body,
      signal,
    }),
  );
}

/** Whether the job ever finished a run successfully (its latest run, else its history). */
export async function hasSucceededRun(queryClient: QueryClient, connectionId: number, job: SyncJob): Promise<boolean> {
  if (job.status === 'succeeded') return true;
  const runs = await queryClient.fetchInfiniteQuery(syncRunsQuery(connectionId, job.id));
  return runs.pages.some((page) => page.items.some((run) => run.status === 'succeeded'));
}

/** Puts a job's new state in the caches that show it (the list and the job), without a round trip. */
export function storeJob(queryClient: QueryClient, job: SyncJob) {
  queryClient.setQueryData(syncJobKeys.one(job.connection_id, job.id), job);
  queryClient.setQueryData<SyncJobList>(syncJobKeys.list(job.connection_id), (list) =>
    list ? { ...list, items: list.items.map((j) => (j.id === job.id ? job : j)) } : list,
  );
}

/** A job as its latest run `run` leaves it. */
export function jobWithRun(job: SyncJob, run: SyncRun): SyncJob {
  return {
    ...job,
    status: run.status,
    progress: run.progress,
    last_error: run.error,
    last_error_code: run.error_code,
    started_at: run.started_at,
    finished_at: run.finished_at,
  };
}

/** Applies a run (from the events stream, or a run/cancel answer) to the cached job and history. */
export function applyRun(queryClient: QueryClient, connectionId: number, run: SyncRun) {
  const update = (job: SyncJob | undefined) => (job && job.id === run.job_id ? jobWithRun(job, run) : job);
  queryClient.setQueryData<SyncJob>(syncJobKeys.one(connectionId, run.job_id), update);
  queryClient.setQueryData<SyncJobList>(syncJobKeys.list(connectionId), (list) =>
    list ? { ...list, items: list.items.map((job) => update(job) ?? job) } : list,
  );
  let known = false;
  queryClient.setQueryData<{ pages: SyncRunList[]; pageParams: number[] }>(
    syncJobKeys.runs(connectionId, run.job_id),
    (runs) => {
      if (!runs) return runs;
      const pages = runs.pages.map((page) => ({
        ...page,
        items: page.items.map((r) => {
          if (r.id !== run.id) return r;
          known = true;
          return run;
        }),
      }));
      return { ...runs, pages };
    },
  );
  // A run the history has not seen yet (a retry, a scheduled run): read the history again.
  if (!known) void queryClient.invalidateQueries({ queryKey: syncJobKeys.runs(connectionId, run.job_id) });
}

export function useCreateSyncJob(connectionId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SyncJobCreate) =>
      unwrap(
        api.POST('/api/v1/azure_blob/connections/{id}/sync_jobs', { params: { path: { id: connectionId } }, body }),
      ),
    onSuccess: (job) => {
      queryClient.setQueryData(syncJobKeys.one(connectionId, job.id), job);
      return queryClient.invalidateQueries({ queryKey: syncJobKeys.list(connectionId) });
    },
  });
}

export function useRunSyncJob(connectionId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (jobId: number) =>
      unwrap(
        api.POST('/api/v1/azure_blob/connections/{id}/sync_jobs/{job_id}/run', {
          params: { path: { id: connectionId, job_id: jobId } },
        }),
      ),
    onSuccess: (run) => {
      applyRun(queryClient, connectionId, run);
      return queryClient.invalidateQueries({ queryKey: syncJobKeys.runs(connectionId, run.job_id) });
    },
    // 409 sync_run_active: someone else started it; show what is going on.
    onError: () => queryClient.invalidateQueries({ queryKey: syncJobKeys.all(connectionId) }),
  });
}

export function useCancelSyncJob(connectionId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (jobId: number) =>
      unwrap(
        api.POST('/api/v1/azure_blob/connections/{id}/sync_jobs/{job_id}/cancel', {
          params: { path: { id: connectionId, job_id: jobId } },
        }),
      ),
    onSuccess: (run) => applyRun(queryClient, connectionId, run),
    // 409 sync_run_not_active: it ended meanwhile.
    onError: () => queryClient.invalidateQueries({ queryKey: syncJobKeys.all(connectionId) }),
  });
}

export function useDeleteSyncJob(connectionId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (jobId: number) =>
      unwrap(
        api.DELETE('/api/v1/azure_blob/connections/{id}/sync_jobs/{job_id}', {
          params: { path: { id: connectionId, job_id: jobId } },
        }),
      ),
    onSuccess: (_, jobId) => {
      queryClient.removeQueries({ queryKey: syncJobKeys.one(connectionId, jobId) });
      queryClient.removeQueries({ queryKey: syncJobKeys.runs(connectionId, jobId) });
      queryClient.setQueryData<SyncJobList>(syncJobKeys.list(connectionId), (list) =>
        list ? { items: list.items.filter((j) => j.id !== jobId), total: Math.max(0, list.total - 1) } : list,
      );
      return queryClient.invalidateQueries({ queryKey: syncJobKeys.list(connectionId) });
    },
  });
}

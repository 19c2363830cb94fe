// Live progress of a job's latest run, from GET …/sync_jobs/{job_id}/events (server-sent
// events read through the typed client with fetch and a ReadableStream: the bearer token goes
// in the Authorization header, never in a URL). Each run it reports goes into the query cache
// (the list, the job, its history); `end` refreshes the job's queries. A stream that drops or
// falls silent is opened again with a growing delay.
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

import {
  applyRun,
  isActive,
  syncJobKeys,
  type SyncJob,
  type SyncJobList,
  type SyncRun,
} from '@/features/sync/api/sync-jobs';
import { api, unwrap } from '@/lib/api/client';
import { readEventStream } from '@/lib/api/event-stream';
import { ProblemError } from '@/lib/api/problem';

/** The server sends a keep-alive every 15 s: three missed means the connection is gone. */
export const silenceTimeoutMs = 45_000;
/** Delays between attempts to reconnect: 1 s, 2 s, 4 s … up to 30 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
}

/** The job as the most recently fetched of the job's own query and the connection's list has it. */
function cachedJob(queryClient: QueryClient, connectionId: number, jobId: number): SyncJob | undefined {
  const one = queryClient.getQueryState<SyncJob>(syncJobKeys.one(connectionId, jobId));
  const list = queryClient.getQueryState<SyncJobList>(syncJobKeys.list(connectionId));
  const fromList = list?.data?.items.find((j) => j.id === jobId);
  if (one?.data && (!fromList || one.dataUpdatedAt >= (list?.dataUpdatedAt ?? 0))) return one.data;
  return fromList;
}

function parseRun(data: string, jobId: number): SyncRun | null {
  try {
    const run = JSON.parse(data) as SyncRun;
    return run && typeof run === 'object' && run.job_id === jobId && run.progress ? run : null;
  } catch {
    return null;
  }
}

export type EventsState = 'off' | 'connecting' | 'live' | 'reconnecting';

/**
 * Follows the job's latest run while `enabled` (the job is queued or running). Returns how the
 * stream is doing, for a quiet "live" or "reconnecting" hint.
 */
export function useSyncJobEvents(connectionId: number, jobId: number, enabled: boolean): EventsState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<EventsState>('off');

  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let current: AbortController | null = null;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    let wake: (() => void) | null = null;
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    const refresh = () => queryClient.invalidateQueries({ queryKey: syncJobKeys.all(connectionId) });

    const loop = async () => {
      let attempt = 0;
      while (!stopped) {
        const controller = new AbortController();
        current = controller;
        const arm = () => {
          clearTimeout(watchdog);
          watchdog = setTimeout(() => controller.abort(), silenceTimeoutMs);
        };
        let ended = false;
        try {
          setState(attempt === 0 ? 'connecting' : 'reconnecting');
          arm();
          const body = await unwrap(
            api.GET('/api/v1/azure_blob/connections/{id}/sync_jobs/{job_id}/events', {
              params: { path: { id: connectionId, job_id: jobId } },
              headers: { Accept: 'text/event-stream' },
              parseAs: 'stream',
              signal: controller.signal,
            }),
          );
          if (!body) throw new Error('The event stream had no body');
          if (!stopped) setState('live');
          attempt = 0;
          await readEventStream(
            body as ReadableStream<Uint8Array>,
            ({ event, data }) => {
              if (event !== 'progress' && event !== 'end') return;
              const run = parseRun(data, jobId);
              if (run) applyRun(queryClient, connectionId, run);
              if (event === 'end') ended = true;
            },
            controller.signal,
            arm,
          );
        } catch (error) {
          if (stopped) return;
          // The job is gone (404), has no run (409), or the session ended (401): nothing to follow.
          if (error instanceof ProblemError && error.status >= 400 && error.status < 500 && error.status !== 408) {
            clearTimeout(watchdog);
            setState('off');
            void refresh();
            return;
          }
          // A network failure, a 5xx, or the watchdog: try again below.
        } finally {
          clearTimeout(watchdog);
        }
        if (stopped) return;
        if (ended) {
          // The run is over: read the job and its history again; a scheduled job may already
          // have queued the next run, which is followed in turn.
          await refresh();
          const job = cachedJob(queryClient, connectionId, jobId);
          if (!job || !isActive(job.status)) {
            setState('off');
            return;
          }
          await sleep(1000);
          continue;
        }
        // Dropped without `end`: show the job as the server has it meanwhile, then reconnect.
        setState('reconnecting');
        void queryClient.invalidateQueries({ queryKey: syncJobKeys.one(connectionId, jobId) });
        await sleep(reconnectDelay(attempt));
        attempt += 1;
      }
    };
    void loop();

    return () => {
      stopped = true;
      clearTimeout(watchdog);
      current?.abort();
      (wake as (() => void) | null)?.();
    };
  }, [connectionId, jobId, enabled, queryClient]);

  return enabled ? state : 'off';
}

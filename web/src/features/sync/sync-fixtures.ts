// Sync jobs, runs and plans as the API sends them, for the sync feature's tests.
import type { SyncJob, SyncPlan, SyncProgress, SyncRun } from '@/features/sync/api/sync-jobs';
import type { Connection } from '@/lib/api/connections';

export const connection: Connection = {
  id: 7,
  user_id: 1,
  name: 'Work storage',
  auth_type: 'account_key',
  account_name: 'contosodata',
  endpoint: 'https://contosodata.blob.core.windows.net',
  container_name: 'docs',
  is_active: true,
  sync_preferences: null,
  created_at: '2026-11-26T03:27:38Z',
  updated_at: '2026-11-26T03:27:38Z',
};

export const backupConnection: Connection = { ...connection, id: 9, name: 'Backups', account_name: 'contosobackup' };

export function progress(overrides: Partial<SyncProgress> = {}): SyncProgress {
  return {
    files_total: 0,
    files_done: 0,
    files_skipped: 0,
    files_failed: 0,
    files_deleted: 0,
    bytes_total: 0,
    bytes_done: 0,
    ...overrides,
  };
}

export function syncJob(overrides: Partial<SyncJob> = {}): SyncJob {
  return {
    id: 12,
    connection_id: 7,
    direction: 'download',
    container: 'docs',
    prefix: 'reports/',
    local_path: 'team-a/reports',
    target: null,
    delete_extraneous: false,
    max_delete: null,
    compare: 'size_mtime',
    interval_seconds: null,
    status: 'succeeded',
    progress: progress({ files_total: 5, files_done: 3, files_skipped: 2, bytes_total: 3072, bytes_done: 3072 }),
    last_error: null,
    last_error_code: null,
    created_at: '2026-12-06T07:00:00Z',
    started_at: '2026-12-06T07:00:01Z',
    finished_at: '2026-12-06T07:00:04Z',
    next_run_at: null,
    ...overrides,
  };
}

export function syncRun(overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    id: 41,
    job_id: 12,
    status: 'succeeded',
    progress: progress({ files_total: 5, files_done: 3, files_skipped: 2, bytes_total: 3072, bytes_done: 3072 }),
    error: null,
    error_code: null,
    trigger: 'create',
    attempt: 1,
    created_at: '2026-12-06T07:00:00Z',
    started_at: '2026-12-06T07:00:01Z',
    finished_at: '2026-12-06T07:00:04Z',
    ...overrides,
  };
}

export function syncPlan(overrides: Partial<SyncPlan> = {}): SyncPlan {
  return {
    copy: 2,
    skip: 850,
    delete: 3,
    bytes: 3_145_728,
    hash_by_download: 0,
    failed: 0,
    actions: [
      { op: 'copy', path: 'q1/summary.pdf', size: 2_097_152 },
      { op: 'delete', path: 'q2/draft.docx', size: 18_432 },
      { op: 'copy', path: 'q2/summary.pdf', size: 1_048_576 },
      { op: 'delete', path: 'q3/old.csv', size: 1024 },
      { op: 'delete', path: 'zzz.tmp', size: 0 },
    ],
    deletes_refused: null,
    ...overrides,
  };
}

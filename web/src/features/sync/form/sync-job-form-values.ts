// The sync job form's values, its checks (the API's rules, checked before sending), the body
// built from it, and the server's field errors placed back on its fields.
import type { SyncDirection, SyncJobCreate } from '@/features/sync/api/sync-jobs';
import { asSentence, type ProblemError } from '@/lib/api/problem';

export type ScheduleUnit = 'none' | 'minutes' | 'hours';

export interface SyncJobFormValues {
  direction: SyncDirection;
  container: string;
  /** The folder in the container ("" for all of it). */
  folder: string;
  /** Download/upload: the folder under the server's sync root ("" for the root itself). */
  localPath: string;
  /** Copy: the destination connection's id, as the select holds it. */
  targetConnectionId: string;
  targetContainer: string;
  targetFolder: string;
  deleteExtraneous: boolean;
  /** The most a run may delete, as typed; "" for no limit. */
  maxDelete: string;
  compare: 'size_mtime' | 'md5';
  schedule: ScheduleUnit;
  /** Minutes or hours between runs, as typed. */
  every: string;
}

/** Field names as the API names them in 422 `errors[].field`. */
export type FieldKey =
  | 'direction'
  | 'container'
  | 'prefix'
  | 'local_path'
  | 'target'
  | 'target.connection_id'
  | 'target.container'
  | 'target.prefix'
  | 'delete_extraneous'
  | 'max_delete'
  | 'compare'
  | 'interval_seconds';

export type FieldErrors = Partial<Record<FieldKey, string>>;

/** The order the form shows its fields in (to focus the first one in error). */
export const fieldOrder: FieldKey[] = [
  'direction',
  'container',
  'prefix',
  'local_path',
  'target.connection_id',
  'target.container',
  'target.prefix',
  'delete_extraneous',
  'max_delete',
  'compare',
  'interval_seconds',
];

export const defaultMaxDelete = '100';
export const minIntervalSeconds = 60;
/** 365 days: the contract's longest interval. */
export const maxIntervalSeconds = 31_536_000;
const maxFolderLength = 1024;

export function newSyncJobValues(connectionId: number, container = ''): SyncJobFormValues {
  return {
    direction: 'download',
    container,
    folder: '',
    localPath: '',
    targetConnectionId: String(connectionId),
    targetContainer: '',
    targetFolder: '',
    deleteExtraneous: false,
    maxDelete: defaultMaxDelete,
    compare: 'size_mtime',
    schedule: 'none',
    every: '1',
  };
}

/** Azure's container naming rule; null when the name is fine. */
export function containerNameProblem(name: string): string | null {
  if (!name) return 'Choose or type a container.';
  if (name === '$root' || name === '$web') return null;
  if (name.length < 3 || name.length > 63 || !/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$/.test(name)) {
    return 'Container names are 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.';
  }
  return null;
}

/** A folder as the API takes it: no surrounding spaces, no leading slash, one trailing slash ("" for all). */
export function normalizeFolder(folder: string): string {
  const trimmed = folder.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed ? `${trimmed}/` : '';
}

function folderProblem(folder: string): string | null {
  // The API counts bytes (UTF-8), as blob names do.
  if (new TextEncoder().encode(folder).length > maxFolderLength) return `Use at most ${maxFolderLength} bytes.`;
  return null;
}

/** A local folder relative to the sync root: no absolute path, no "..", no drive letter. */
export function localPathProblem(path: string): string | null {
  const value = path.trim();
  if (/^([/\\]|[A-Za-z]:)/.test(value)) {
    return 'Give a folder inside the server’s sync folder, without a leading “/” (for example team-a/reports).';
  }
  if (value.split(/[/\\]/).some((part) => part === '..')) return 'The folder cannot go up with “..”.';
  if (value.includes('\0')) return 'The folder name holds a character that is not allowed.';
  return null;
}

/** Whether one folder lies inside the other (or they are the same), as the API judges an overlap. */
function overlaps(a: string, b: string): boolean {
  const x = a ? (a.endsWith('/') ? a : `${a}/`) : '';
  const y = b ? (b.endsWith('/') ? b : `${b}/`) : '';
  return x.startsWith(y) || y.startsWith(x);
}

/** The interval in seconds the schedule fields mean, or null for a one-off job. */
export function intervalSeconds(values: SyncJobFormValues): number | null {
  if (values.schedule === 'none') return null;
  const n = Number(values.every.trim());
  return values.schedule === 'minutes' ? n * 60 : n * 3600;
}

/** What is wrong with the values, by field, as the API would say it. */
export function validateSyncJob(values: SyncJobFormValues, connectionId: number): FieldErrors {
  const errors: FieldErrors = {};
  const containerProblem = containerNameProblem(values.container.trim());
  if (containerProblem) errors.container = containerProblem;
  const folder = normalizeFolder(values.folder);
  const folderIssue = folderProblem(folder);
  if (folderIssue) errors.prefix = folderIssue;

  if (values.direction === 'copy') {
    const target = Number(values.targetConnectionId);
    if (!Number.isInteger(target) || target <= 0) errors['target.connection_id'] = 'Choose the connection to copy to.';
    const targetContainerProblem = containerNameProblem(values.targetContainer.trim());
    if (targetContainerProblem) errors['target.container'] = targetContainerProblem;
    const targetFolder = normalizeFolder(values.targetFolder);
    const targetFolderIssue = folderProblem(targetFolder);
    if (targetFolderIssue) errors['target.prefix'] = targetFolderIssue;
    else if (
      !errors.container &&
      !errors['target.container'] &&
      target === connectionId &&
      values.targetContainer.trim() === values.container.trim() &&
      overlaps(folder, targetFolder)
    ) {
      errors['target.prefix'] =
        'Copy to another container, or to a folder outside the source folder: a copy must not copy its own output.';
    }
  } else {
    const localIssue = localPathProblem(values.localPath);
    if (localIssue) errors.local_path = localIssue;
  }

  if (values.deleteExtraneous && values.maxDelete.trim() !== '') {
    const max = Number(values.maxDelete.trim());
    if (!Number.isInteger(max) || max < 0) errors.max_delete = 'Enter a whole number of 0 or more, or leave it empty.';
  }

  if (values.schedule !== 'none') {
    const n = Number(values.every.trim());
    const seconds = intervalSeconds(values);
    if (values.every.trim() === '' || !Number.isInteger(n) || n < 1) {
      errors.interval_seconds = `Enter a whole number of ${values.schedule}, 1 or more.`;
    } else if (seconds !== null && (seconds < minIntervalSeconds || seconds > maxIntervalSeconds)) {
      errors.interval_seconds =
        values.schedule === 'minutes'
          ? 'Use at most 525,600 minutes (365 days).'
          : 'Use at most 8,760 hours (365 days).';
    }
  }
  return errors;
}

/** The request body the values make (validated first). */
export function toCreateBody(values: SyncJobFormValues): SyncJobCreate {
  const copy = values.direction === 'copy';
  return {
    direction: values.direction,
    container: values.container.trim(),
    prefix: normalizeFolder(values.folder),
    local_path: copy ? null : values.localPath.trim().replace(/[/\\]+$/, ''),
    target: copy
      ? {
          connection_id: Number(values.targetConnectionId),
          container: values.targetContainer.trim(),
          prefix: normalizeFolder(values.targetFolder),
        }
      : null,
    delete_extraneous: values.deleteExtraneous,
    max_delete: values.deleteExtraneous && values.maxDelete.trim() !== '' ? Number(values.maxDelete.trim()) : null,
    compare: values.compare,
    interval_seconds: intervalSeconds(values),
  };
}

/** The fields the form shows for the values' direction. */
function visibleFields(values: SyncJobFormValues): Set<FieldKey> {
  const common: FieldKey[] = [
    'direction',
    'container',
    'prefix',
    'delete_extraneous',
    'max_delete',
    'compare',
    'interval_seconds',
  ];
  const side: FieldKey[] =
    values.direction === 'copy' ? ['target.connection_id', 'target.container', 'target.prefix'] : ['local_path'];
  return new Set([...common, ...side]);
}

/** A server's field message ("is not one of your connections") as a sentence under its field. */
function fieldSentence(message: string): string {
  const text = message.trim();
  return /^[a-z]/.test(text) ? asSentence(`This ${text}`) : asSentence(text);
}

/** A 422's field errors on the form's fields; what has no field on screen stays for the form's message. */
export function placeServerErrors(
  error: ProblemError,
  values: SyncJobFormValues,
): { fields: FieldErrors; unplaced: boolean } {
  const visible = visibleFields(values);
  const fields: FieldErrors = {};
  if (error.code === 'invalid_local_path' && visible.has('local_path')) {
    fields.local_path = asSentence(error.problem.detail ?? 'This folder is outside the server’s sync folder.');
    return { fields, unplaced: false };
  }
  let unplaced = !error.problem.errors?.length;
  for (const { field, message } of error.problem.errors ?? []) {
    const key = (field === 'target' ? 'target.connection_id' : field) as FieldKey;
    if (visible.has(key))
      fields[key] = fields[key] ? `${fields[key]} ${fieldSentence(message)}` : fieldSentence(message);
    else unplaced = true;
  }
  return { fields, unplaced };
}

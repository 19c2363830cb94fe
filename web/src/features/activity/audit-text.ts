// How the Activity page words an audit event: a sentence per action, from the event's small
// `detail` object (names, ids, counts: see SECURITY.md, "Audit log"), with the connection's
// current name when the reader still has it. An action this console does not know yet shows
// as its name.
import type { AuditEvent } from '@/features/activity/api/audit';
import { formatAbsolute, formatCount } from '@/lib/format';
import { blobPath, connectionPath, locationPath } from '@/lib/paths';

export interface AuditContext {
  /** The name of one of the reader's connections, if it still exists. */
  connectionName?: (id: number) => string | undefined;
  /** Sync jobs the loaded events say were deleted (no link to them). */
  deletedJobs?: ReadonlySet<number>;
  /** An account's email, when the reader knows it (a superuser has the list of accounts). */
  userEmail?: (id: number) => string | undefined;
}

type Detail = Record<string, unknown>;

function text(detail: Detail, key: string): string | undefined {
  const value = detail[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function int(detail: Detail, key: string): number | undefined {
  const value = detail[key];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function bool(detail: Detail, key: string): boolean | undefined {
  const value = detail[key];
  return typeof value === 'boolean' ? value : undefined;
}

/** The event's target id as a number, when it is one. */
export function targetNumber(event: AuditEvent): number | undefined {
  return event.target_id !== null && /^\d+$/.test(event.target_id) ? Number(event.target_id) : undefined;
}

/** “work”, or “connection 3” when the reader does not have it (any more). */
function connectionWords(id: number | undefined, context: AuditContext, detail?: Detail): string {
  if (id === undefined) return 'a connection';
  const name = (detail && text(detail, 'name')) ?? context.connectionName?.(id);
  return name ? `connection “${name}”` : `connection ${id}`;
}

/** Connection fields as a person names them. */
const connectionFieldWords: Record<string, string> = {
  name: 'name',
  auth_type: 'authentication type',
  account_name: 'account name',
  endpoint: 'endpoint',
  container_name: 'default container',
  is_active: 'enabled',
  sync_preferences: 'sync preferences',
  credentials: 'credentials',
};

function fieldsWords(detail: Detail): string {
  const fields = detail.fields;
  if (!Array.isArray(fields) || fields.length === 0) return '';
  const words = fields.filter((f): f is string => typeof f === 'string').map((f) => connectionFieldWords[f] ?? f);
  return words.length ? ` (${words.join(', ')})` : '';
}

/** SAS permission letters in words, in the order given. */
const permissionWords: Record<string, string> = {
  r: 'read',
  a: 'add',
  c: 'create',
  w: 'write',
  d: 'delete',
  x: 'delete versions',
  l: 'list',
  t: 'tags',
  f: 'find',
  m: 'move',
  e: 'execute',
  i: 'set immutability',
  y: 'permanent delete',
};

export function permissionsText(permissions: string): string {
  return [...permissions].map((letter) => permissionWords[letter] ?? letter).join(', ');
}

function signInFailure(detail: Detail): string {
  const reason = text(detail, 'reason');
  const email = text(detail, 'email');
  if (email) return `Failed sign-in as ${email} (no such account)`;
  switch (reason) {
    case 'invalid_credentials':
      return 'Failed sign-in (wrong password)';
    case 'inactive_user':
      return 'Failed sign-in (account deactivated)';
    case undefined:
      return 'Failed sign-in';
    default:
      return `Failed sign-in (${reason.replace(/_/g, ' ')})`;
  }
}

/** An account by its email when known, else by its id. */
function userWords(id: number, context: AuditContext): string {
  return context.userEmail?.(id) ?? `user ${id}`;
}

function administered(event: AuditEvent, detail: Detail, context: AuditContext): string {
  const changes: string[] = [];
  const active = bool(detail, 'is_active');
  const superuser = bool(detail, 'is_superuser');
  if (active !== undefined) changes.push(active ? 'reactivated' : 'deactivated');
  if (superuser !== undefined) changes.push(superuser ? 'made a superuser' : 'made a regular user');
  const by = int(detail, 'by_user_id');
  const target = targetNumber(event);
  const whose = target !== undefined ? `Account of ${userWords(target, context)}` : 'An account';
  const how = changes.length ? changes.join(' and ') : 'changed';
  return `${whose} ${how} by ${by !== undefined ? userWords(by, context) : 'an administrator'}`;
}

const directionWords: Record<string, string> = { download: 'download from', upload: 'upload to', copy: 'copy from' };

function syncJobSentence(event: AuditEvent, detail: Detail, context: AuditContext): string {
  const job = event.target_id ? `sync job ${event.target_id}` : 'a sync job';
  const facts: string[] = [];
  const direction = text(detail, 'direction');
  const container = text(detail, 'container');
  if (direction && container) facts.push(`${directionWords[direction] ?? direction} ${container}`);
  const connection = int(detail, 'connection_id');
  if (connection !== undefined) facts.push(connectionWords(connection, context));
  const about = `${job}${facts.length ? ` (${facts.join(', ')})` : ''}`;
  switch (event.action) {
    case 'sync_job.created':
      return `Created ${about}`;
    case 'sync_job.deleted':
      return `Deleted ${about}`;
    case 'sync_job.run_requested':
      return `Started a run of ${about}`;
    case 'sync_job.cancel_requested':
      return `Cancelled the run of ${about}`;
    default:
      return event.action;
  }
}

function credentialsUsed(event: AuditEvent, detail: Detail, context: AuditContext): string {
  const parts: string[] = [];
  const job = int(detail, 'job_id');
  const run = int(detail, 'run_id');
  const attempt = int(detail, 'attempt');
  if (job !== undefined) parts.push(`job ${job}`);
  if (run !== undefined) parts.push(`run ${run}`);
  if (attempt !== undefined && attempt > 1) parts.push(`attempt ${attempt}`);
  const target = int(detail, 'target_connection_id');
  const also = target !== undefined ? ` and of ${connectionWords(target, context)}` : '';
  const which = connectionWords(targetNumber(event), context);
  return `Sync run used the credentials of ${which}${also}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

function shareLink(detail: Detail): string {
  const container = text(detail, 'container');
  const name = text(detail, 'name');
  const what = container ? (name ? `${container}/${name}` : `container ${container}`) : 'a blob';
  const facts: string[] = [];
  const permissions = text(detail, 'permissions');
  if (permissions) facts.push(permissionsText(permissions));
  const expires = text(detail, 'expires_at');
  if (expires) facts.push(`expires ${formatAbsolute(expires) || expires}`);
  return `Issued a share link for ${what}${facts.length ? ` (${facts.join(', ')})` : ''}`;
}

function keysRotated(event: AuditEvent, detail: Detail): string {
  const resealed = int(detail, 'resealed');
  const current = int(detail, 'current');
  const facts: string[] = [];
  if (resealed !== undefined) facts.push(`${formatCount(resealed, 'credential')} re-encrypted`);
  if (current !== undefined) facts.push(`${current.toLocaleString()} already current`);
  const key = event.target_id ? ` to key “${event.target_id}”` : '';
  return `Rotated the encryption keys${key}${facts.length ? ` (${facts.join(', ')})` : ''}`;
}

/** The event as a sentence: "Changed connection “work” (name, credentials)". */
export function describeAuditEvent(event: AuditEvent, context: AuditContext = {}): string {
  const detail: Detail = event.detail ?? {};
  const connection = event.target_type === 'connection' ? targetNumber(event) : undefined;
  switch (event.action) {
    case 'auth.signed_in':
      return 'Signed in';
    case 'auth.sign_in_failed':
      return signInFailure(detail);
    case 'auth.password_changed':
      return 'Changed the password';
    case 'user.administered':
      return administered(event, detail, context);
    case 'connection.created':
      return `Added ${connectionWords(connection, context, detail)}`;
    case 'connection.updated':
      return `Changed ${connectionWords(connection, context, detail)}${fieldsWords(detail)}`;
    case 'connection.deleted':
      return `Deleted ${connectionWords(connection, context, detail)}`;
    case 'connection.tested': {
      const ok = bool(detail, 'ok');
      const outcome = ok === undefined ? '' : ok ? ': it works' : ': it failed';
      return `Tested ${connectionWords(connection, context, detail)}${outcome}`;
    }
    case 'sync_job.created':
    case 'sync_job.deleted':
    case 'sync_job.run_requested':
    case 'sync_job.cancel_requested':
      return syncJobSentence(event, detail, context);
    case 'sync_run.credentials_used':
      return credentialsUsed(event, detail, context);
    case 'blob.share_link_issued':
      return shareLink(detail);
    case 'keys.rotated':
      return keysRotated(event, detail);
    default:
      return event.action;
  }
}

/** Where an event came from: the client's address, a sync worker, or the command line. */
export function originText(event: AuditEvent): string {
  const address = event.remote_address;
  if (!address) return '—';
  if (event.action.startsWith('sync_run.')) return `Sync worker ${address}`;
  if (address === 'cli') return 'Command line';
  return address;
}

/** What an event is about, and where that is in the console while it still exists. */
export interface AuditTarget {
  label: string;
  /** The page of the target: only for the reader's own connections, and jobs not known deleted. */
  to?: string;
}

function jobTarget(connectionId: number | undefined, jobId: number | undefined, context: AuditContext): AuditTarget {
  const label = jobId !== undefined ? `Sync job ${jobId}` : 'A sync job';
  const live =
    connectionId !== undefined &&
    jobId !== undefined &&
    context.connectionName?.(connectionId) !== undefined &&
    !context.deletedJobs?.has(jobId);
  return live ? { label, to: `/sync/${connectionId}/${jobId}` } : { label };
}

/** The target of an event, linked by id (nothing is fetched per event); null when it has none. */
export function auditTarget(event: AuditEvent, context: AuditContext = {}): AuditTarget | null {
  const detail: Detail = event.detail ?? {};
  const id = targetNumber(event);
  switch (event.target_type) {
    case 'connection': {
      const exists = id !== undefined && context.connectionName?.(id) !== undefined;
      if (event.action === 'sync_run.credentials_used') return jobTarget(id, int(detail, 'job_id'), context);
      if (event.action === 'blob.share_link_issued') {
        const container = text(detail, 'container');
        const name = text(detail, 'name');
        if (container && id !== undefined) {
          const label = name ? `${container}/${name}` : `${container}/`;
          const to = name ? blobPath(id, container, name) : locationPath({ connectionId: id, container, prefix: '' });
          return exists ? { label, to } : { label };
        }
      }
      if (id === undefined) return { label: 'A connection' };
      const name = context.connectionName?.(id);
      return exists ? { label: name ?? `Connection ${id}`, to: connectionPath(id) } : { label: `Connection ${id}` };
    }
    case 'sync_job':
      return jobTarget(int(detail, 'connection_id'), id, context);
    case 'user':
      return { label: id !== undefined ? (context.userEmail?.(id) ?? `User ${id}`) : 'An account' };
    case 'vault':
      return { label: event.target_id ? `Key “${event.target_id}”` : 'The key vault' };
    case null:
      return null;
    default:
      return event.target_id ? { label: `${event.target_type} ${event.target_id}` } : null;
  }
}

import { describe, expect, it } from 'vitest';

import { auditEvent } from '@/features/activity/audit-fixtures';
import { auditTarget, describeAuditEvent, permissionsText, type AuditContext } from '@/features/activity/audit-text';
import { formatAbsolute } from '@/lib/format';

const names = new Map([
  [3, 'work'],
  [9, 'backup'],
]);
const context: AuditContext = { connectionName: (id) => names.get(id), deletedJobs: new Set([13]) };

const connectionEvent = (action: string, detail: Record<string, unknown> = {}, id = '3') =>
  auditEvent({ action, target_type: 'connection', target_id: id, detail });

describe('describeAuditEvent', () => {
  it('words sign-ins, failed ones by their reason', () => {
    expect(describeAuditEvent(auditEvent())).toBe('Signed in');
    expect(
      describeAuditEvent(auditEvent({ action: 'auth.sign_in_failed', detail: { reason: 'invalid_credentials' } })),
    ).toBe('Failed sign-in (wrong password)');
    expect(describeAuditEvent(auditEvent({ action: 'auth.sign_in_failed', detail: { reason: 'inactive_user' } }))).toBe(
      'Failed sign-in (account deactivated)',
    );
    expect(
      describeAuditEvent(
        auditEvent({
          action: 'auth.sign_in_failed',
          user_id: null,
          actor: null,
          detail: { reason: 'invalid_credentials', email: 'who@example.com' },
        }),
      ),
    ).toBe('Failed sign-in as who@example.com (no such account)');
    expect(describeAuditEvent(auditEvent({ action: 'auth.password_changed' }))).toBe('Changed the password');
  });

  it('names a connection by its name while the reader has it, else by its id', () => {
    expect(
      describeAuditEvent(connectionEvent('connection.updated', { fields: ['name', 'credentials'] }), context),
    ).toBe('Changed connection “work” (name, credentials)');
    expect(
      describeAuditEvent(connectionEvent('connection.updated', { fields: ['container_name', 'is_active'] }), context),
    ).toBe('Changed connection “work” (default container, enabled)');
    expect(describeAuditEvent(connectionEvent('connection.created', { fields: ['name'] }), context)).toBe(
      'Added connection “work”',
    );
    expect(describeAuditEvent(connectionEvent('connection.deleted', {}, '4'), context)).toBe('Deleted connection 4');
    expect(describeAuditEvent(connectionEvent('connection.tested', { ok: true }), context)).toBe(
      'Tested connection “work”: it works',
    );
    expect(describeAuditEvent(connectionEvent('connection.tested', { ok: false }), context)).toBe(
      'Tested connection “work”: it failed',
    );
    // A name recorded in the event wins over today's (or a deleted connection's missing) one.
    expect(describeAuditEvent(connectionEvent('connection.deleted', { name: 'old' }, '4'), context)).toBe(
      'Deleted connection “old”',
    );
  });

  it('words sync jobs and the credentials their runs used', () => {
    const job = (action: string, detail: Record<string, unknown> = {}) =>
      auditEvent({ action, target_type: 'sync_job', target_id: '12', detail: { connection_id: 3, ...detail } });
    expect(describeAuditEvent(job('sync_job.created', { direction: 'download', container: 'docs' }), context)).toBe(
      'Created sync job 12 (download from docs, connection “work”)',
    );
    expect(describeAuditEvent(job('sync_job.run_requested'), context)).toBe(
      'Started a run of sync job 12 (connection “work”)',
    );
    expect(describeAuditEvent(job('sync_job.cancel_requested'))).toBe(
      'Cancelled the run of sync job 12 (connection 3)',
    );
    expect(describeAuditEvent(job('sync_job.deleted'), context)).toBe('Deleted sync job 12 (connection “work”)');
    expect(
      describeAuditEvent(connectionEvent('sync_run.credentials_used', { job_id: 12, run_id: 40, attempt: 1 }, '3'), {}),
    ).toBe('Sync run used the credentials of connection 3 (job 12, run 40)');
    expect(
      describeAuditEvent(
        connectionEvent('sync_run.credentials_used', { job_id: 12, run_id: 41, attempt: 2, target_connection_id: 9 }),
        context,
      ),
    ).toBe('Sync run used the credentials of connection “work” and of connection “backup” (job 12, run 41, attempt 2)');
  });

  it('words share links with what they allow and when they expire', () => {
    const expires = '2026-12-07T08:00:00Z';
    expect(
      describeAuditEvent(
        connectionEvent('blob.share_link_issued', {
          container: 'docs',
          name: 'report.pdf',
          permissions: 'r',
          expires_at: expires,
        }),
      ),
    ).toBe(`Issued a share link for docs/report.pdf (read, expires ${formatAbsolute(expires)})`);
    expect(
      describeAuditEvent(connectionEvent('blob.share_link_issued', { container: 'docs', permissions: 'rl' })),
    ).toBe('Issued a share link for container docs (read, list)');
    expect(permissionsText('rwdq')).toBe('read, write, delete, q');
  });

  it('words administration and key rotation, and falls back to the action’s name', () => {
    expect(
      describeAuditEvent(
        auditEvent({
          action: 'user.administered',
          target_type: 'user',
          target_id: '7',
          detail: { by_user_id: 1, is_active: false },
        }),
      ),
    ).toBe('Account of user 7 deactivated by user 1');
    expect(
      describeAuditEvent(
        auditEvent({
          action: 'user.administered',
          target_type: 'user',
          target_id: '7',
          detail: { by_user_id: 1, is_superuser: true, is_active: true },
        }),
        { userEmail: (id) => (id === 1 ? 'root@example.com' : undefined) },
      ),
    ).toBe('Account of user 7 reactivated and made a superuser by root@example.com');
    expect(
      describeAuditEvent(
        auditEvent({
          action: 'keys.rotated',
          user_id: null,
          actor: null,
          target_type: 'vault',
          target_id: 'k2',
          detail: { resealed: 4, current: 2 },
        }),
      ),
    ).toBe('Rotated the encryption keys to key “k2” (4 credentials re-encrypted, 2 already current)');
    expect(describeAuditEvent(auditEvent({ action: 'container.frobbed' }))).toBe('container.frobbed');
  });
});

describe('auditTarget', () => {
  it('links what still exists by id, and only names the rest', () => {
    expect(auditTarget(connectionEvent('connection.updated'), context)).toEqual({ label: 'work', to: '/c/3' });
    expect(auditTarget(connectionEvent('connection.deleted', {}, '4'), context)).toEqual({ label: 'Connection 4' });
    expect(
      auditTarget(
        auditEvent({
          action: 'sync_job.created',
          target_type: 'sync_job',
          target_id: '12',
          detail: { connection_id: 3 },
        }),
        context,
      ),
    ).toEqual({ label: 'Sync job 12', to: '/sync/3/12' });
    // Deleted, as a later event of the log says.
    expect(
      auditTarget(
        auditEvent({
          action: 'sync_job.created',
          target_type: 'sync_job',
          target_id: '13',
          detail: { connection_id: 3 },
        }),
        context,
      ),
    ).toEqual({ label: 'Sync job 13' });
    expect(auditTarget(connectionEvent('sync_run.credentials_used', { job_id: 12, run_id: 40 }), context)).toEqual({
      label: 'Sync job 12',
      to: '/sync/3/12',
    });
    expect(
      auditTarget(connectionEvent('blob.share_link_issued', { container: 'docs', name: 'q1/report.pdf' }), context),
    ).toEqual({ label: 'docs/q1/report.pdf', to: '/c/3/docs/q1/?item=q1%2Freport.pdf' });
    expect(auditTarget(auditEvent(), context)).toBeNull();
    expect(auditTarget(auditEvent({ action: 'keys.rotated', target_type: 'vault', target_id: 'k2' }))).toEqual({
      label: 'Key “k2”',
    });
  });
});

// Audit events as the API sends them, for the activity feature's tests.
import type { AuditEvent } from '@/features/activity/api/audit';

export function auditEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: 1,
    user_id: 7,
    actor: 'ann@example.com',
    action: 'auth.signed_in',
    target_type: null,
    target_id: null,
    detail: {},
    remote_address: '203.0.113.9',
    request_id: '5e6499f3f870aa0c',
    created_at: '2026-12-06T07:32:01Z',
    ...overrides,
  };
}

import { useMutation } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema.gen';

export type ConnectionTestResult = components['schemas']['ConnectionTestResult'];

/** One cheap call to Azure with the stored credentials: `{ok, latency_ms}` or `{ok: false, code, detail}`. */
export function testConnection(id: number) {
  return unwrap(api.POST('/api/v1/azure_blob/connections/{id}/test', { params: { path: { id } } }));
}

/** A test is an action, not cached data: each row keeps its own result. */
export function useTestConnection() {
  return useMutation({ mutationFn: testConnection });
}

import { Button, Link } from '@fluentui/react-components';
import { PlugDisconnectedRegular, ErrorCircleRegular } from '@fluentui/react-icons';
import { useNavigate } from 'react-router';

import { EmptyState } from '@/components/empty-state';
import { ProblemError } from '@/lib/api/problem';

export type ConnectionProblemKind = 'not_found' | 'inactive';

/** Whether an error (or the connection itself) says the connection cannot be used at all. */
export function connectionProblemOf(
  error: unknown,
  connection?: { is_active: boolean } | null,
): ConnectionProblemKind | null {
  if (connection && !connection.is_active) return 'inactive';
  if (error instanceof ProblemError) {
    if (error.code === 'connection_not_found') return 'not_found';
    if (error.code === 'connection_inactive') return 'inactive';
  }
  return null;
}

/** A connection that is gone or disabled: says so and offers the way to the connections. */
export function ConnectionProblem({ kind, name }: { kind: ConnectionProblemKind; name?: string }) {
  const navigate = useNavigate();
  if (kind === 'not_found') {
    return (
      <EmptyState
        icon={<ErrorCircleRegular />}
        title="This connection does not exist (or was deleted)"
        actions={
          <Button appearance="primary" onClick={() => navigate('/connections')}>
            Go to connections
          </Button>
        }
      >
        Pick another connection, or add it again.
      </EmptyState>
    );
  }
  return (
    <EmptyState
      icon={<PlugDisconnectedRegular />}
      title={name ? `The connection “${name}” is disabled` : 'This connection is disabled'}
      actions={
        <Button appearance="primary" onClick={() => navigate('/connections')}>
          Open connections
        </Button>
      }
    >
      A disabled connection keeps its settings but cannot reach its storage. Enable it on the{' '}
      <Link
        inline
        href="/connections"
        onClick={(event) => {
          event.preventDefault();
          navigate('/connections');
        }}
      >
        Connections
      </Link>{' '}
      page to browse it.
    </EmptyState>
  );
}

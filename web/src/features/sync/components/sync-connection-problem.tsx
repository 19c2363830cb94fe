import { Button } from '@fluentui/react-components';
import { ErrorCircleRegular } from '@fluentui/react-icons';
import { useNavigate } from 'react-router';

import { EmptyState } from '@/components/empty-state';
import { ProblemError } from '@/lib/api/problem';

/** Whether an error says the connection is not the user's (or not there at all). */
export function isConnectionMissing(error: unknown): boolean {
  return error instanceof ProblemError && error.code === 'connection_not_found';
}

/** A sync page of a connection that does not exist: says so and offers the way out. */
export function SyncConnectionMissing() {
  const navigate = useNavigate();
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
      Its sync jobs went with it. Pick another connection, or add it again.
    </EmptyState>
  );
}

import { Button, Link } from '@fluentui/react-components';
import { useNavigate, useRouteError } from 'react-router';

import { EmptyState } from '@/components/empty-state';
import { errorMessage } from '@/lib/api/problem';

/** A route that does not exist, or a page that failed to render: says so and offers a way back. */
export function RouteError({ notFound = false }: { notFound?: boolean }) {
  const error = useRouteError();
  const navigate = useNavigate();
  const missing = notFound || error === undefined;
  return (
    <EmptyState
      title={missing ? 'There is nothing at this address' : 'This page failed to load'}
      actions={
        <Button appearance="primary" onClick={() => navigate('/')}>
          Go to the start page
        </Button>
      }
    >
      {missing ? (
        <>
          Check the address, or <Link href="/connections">open your connections</Link>.
        </>
      ) : (
        errorMessage(error)
      )}
    </EmptyState>
  );
}

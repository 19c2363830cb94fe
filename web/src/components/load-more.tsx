import { Button, makeStyles, Spinner, tokens } from '@fluentui/react-components';

import { ErrorState } from '@/components/error-state';

const useStyles = makeStyles({
  root: { display: 'flex', justifyContent: 'center', padding: tokens.spacingVerticalS },
});

/**
 * The end of a list fetched a page at a time (a TanStack infinite query): a button for the next
 * page while there is one, and that page's failure with a retry.
 */
export function LoadMore({
  label = 'Load more',
  hasMore,
  loading,
  error,
  onLoad,
}: {
  label?: string;
  hasMore: boolean;
  loading: boolean;
  /** The next page's failure, if it failed. */
  error?: unknown;
  onLoad: () => void;
}) {
  const styles = useStyles();
  return (
    <>
      {hasMore ? (
        <div className={styles.root}>
          <Button onClick={onLoad} disabled={loading} icon={loading ? <Spinner size="tiny" /> : undefined}>
            {label}
          </Button>
        </div>
      ) : null}
      {error ? <ErrorState error={error} onRetry={onLoad} /> : null}
    </>
  );
}

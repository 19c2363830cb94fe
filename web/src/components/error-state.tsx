import {
  Button,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  tokens,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular } from '@fluentui/react-icons';
import type { ReactNode } from 'react';

import { errorMessage, ProblemError } from '@/lib/api/problem';

const useStyles = makeStyles({ root: { margin: tokens.spacingVerticalM } });

/** An error in place: the API's `detail`, and a retry when one can help. */
export function ErrorState({
  error,
  title,
  onRetry,
  action,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
  action?: ReactNode;
}) {
  const styles = useStyles();
  const retryable = !(error instanceof ProblemError) || error.retryable || error.status >= 500;
  return (
    <MessageBar intent="error" className={styles.root} layout="multiline">
      <MessageBarBody>
        {title ? <MessageBarTitle>{title}</MessageBarTitle> : null}
        {errorMessage(error)}
      </MessageBarBody>
      <MessageBarActions>
        {onRetry && retryable ? (
          <Button icon={<ArrowClockwiseRegular />} onClick={onRetry}>
            Retry
          </Button>
        ) : null}
        {action}
      </MessageBarActions>
    </MessageBar>
  );
}

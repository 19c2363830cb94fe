import {
  Button,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Text,
  tokens,
} from '@fluentui/react-components';
import { DismissRegular } from '@fluentui/react-icons';

import type { ConnectionTestResult } from '@/features/connections/api/test-connection';
import { errorMessage, ProblemError } from '@/lib/api/problem';

const useStyles = makeStyles({
  pending: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    color: tokens.colorNeutralForeground2,
    padding: `${tokens.spacingVerticalXS} 0`,
  },
  code: { fontFamily: tokens.fontFamilyMonospace, fontWeight: tokens.fontWeightRegular },
});

const failureWords: Record<string, string> = {
  azure_auth_failed: 'Azure refused the credentials',
  azure_unreachable: 'Azure could not be reached',
  azure_timeout: 'Azure did not answer in time',
  endpoint_not_allowed: 'This endpoint is not allowed',
  connection_inactive: 'The connection is disabled',
};

/** A failure's headline: what happened, in words when the code is a known one. */
export function failureTitle(code: string | undefined): string {
  return (code && failureWords[code]) ?? 'The test failed';
}

/** The outcome of "Test connection", shown in place on the connection's row. */
export function ConnectionTestResultView({
  name,
  pending,
  result,
  error,
  failureHeadline,
  onDismiss,
}: {
  name: string;
  pending: boolean;
  result?: ConnectionTestResult;
  error?: unknown;
  /** Overrides the headline of a failure (for an action other than the test). */
  failureHeadline?: string;
  onDismiss: () => void;
}) {
  const styles = useStyles();
  if (pending) {
    return (
      <div className={styles.pending} role="status">
        <Spinner size="extra-tiny" />
        <Text size={200}>Testing “{name}”…</Text>
      </div>
    );
  }
  const dismiss = (
    <MessageBarActions
      containerAction={
        <Button
          appearance="transparent"
          size="small"
          aria-label="Dismiss the test result"
          icon={<DismissRegular />}
          onClick={onDismiss}
        />
      }
    />
  );
  if (result?.ok) {
    return (
      <MessageBar intent="success" role="status">
        <MessageBarBody>
          <MessageBarTitle>Connection works</MessageBarTitle>
          Azure answered in {result.latency_ms.toLocaleString()} ms.
        </MessageBarBody>
        {dismiss}
      </MessageBar>
    );
  }
  const code = result && !result.ok ? result.code : error instanceof ProblemError ? error.code : undefined;
  const detail = result && !result.ok ? result.detail : errorMessage(error);
  if (!result && !error) return null;
  return (
    <MessageBar intent="error" layout="multiline" role="alert">
      <MessageBarBody>
        <MessageBarTitle>
          {failureHeadline ?? failureTitle(code)}
          {code ? <span className={styles.code}> ({code})</span> : null}
        </MessageBarTitle>
        {detail}
      </MessageBarBody>
      {dismiss}
    </MessageBar>
  );
}

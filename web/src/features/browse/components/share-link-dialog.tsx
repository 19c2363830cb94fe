import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Radio,
  RadioGroup,
  Spinner,
  Text,
  tokens,
} from '@fluentui/react-components';
import { CheckmarkRegular, CopyRegular, LinkRegular } from '@fluentui/react-icons';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';

import { ErrorState } from '@/components/error-state';
import { createSasLink, type BlobRef } from '@/features/browse/api/blob-properties';
import { authTypeLabels, canSignLinks, type Connection } from '@/lib/api/connections';
import { formatAbsolute, formatRelative } from '@/lib/format';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  name: { overflowWrap: 'anywhere' },
  urlRow: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'flex-start' },
  url: { flexGrow: 1, minWidth: 0, fontFamily: tokens.fontFamilyMonospace },
  custom: { marginLeft: '28px', marginTop: tokens.spacingVerticalXS },
});

const maxSeconds = 7 * 24 * 3600;
type Choice = '3600' | '86400' | '604800' | 'custom';

/** "2026-12-06T15:30" for a datetime-local input, in local time. */
function localInputValue(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Why a connection cannot sign, in words, or null when it may. */
export function cannotSignReason(connection: Connection): string | null {
  if (canSignLinks(connection) !== 'no') return null;
  const how =
    connection.auth_type === 'sas_token'
      ? 'a SAS token'
      : connection.auth_type === 'anonymous'
        ? 'anonymous access'
        : connection.auth_type === 'service_principal'
          ? 'a service principal'
          : connection.auth_type === 'user_ms_identity'
            ? 'an Entra ID access token'
            : authTypeLabels[connection.auth_type].toLowerCase();
  return `Links are signed with the account key; this connection uses ${how}, so it cannot sign one. Use a connection with the account key (or a connection string that holds it) to share this blob.`;
}

/**
 * A read-only SAS link to one blob with a chosen expiry (at most 7 days), shown with its
 * absolute expiry time and copied in one click. Connections that cannot sign say why first.
 */
export function ShareLinkDialog({
  blob,
  connection,
  onClose,
}: {
  /** The blob to share; the dialog is open while it is not null. */
  blob: BlobRef | null;
  connection: Connection | undefined;
  onClose: () => void;
}) {
  const styles = useStyles();
  const [choice, setChoice] = useState<Choice>('86400');
  const [custom, setCustom] = useState(() => localInputValue(Date.now() + 2 * 24 * 3600 * 1000));
  const [copied, setCopied] = useState(false);
  const create = useMutation({
    mutationFn: ({ target, seconds }: { target: BlobRef; seconds: number }) => createSasLink(target, seconds),
  });
  const reason = connection ? cannotSignReason(connection) : null;

  let seconds = Number(choice);
  let customProblem: string | undefined;
  if (choice === 'custom') {
    const at = new Date(custom).getTime();
    seconds = Math.round((at - Date.now()) / 1000);
    if (!custom || Number.isNaN(at)) customProblem = 'Choose a date and time.';
    else if (seconds < 60) customProblem = 'Choose a time in the future.';
    else if (seconds > maxSeconds) customProblem = 'A link can last at most 7 days.';
  }

  function close() {
    create.reset();
    setCopied(false);
    onClose();
  }

  async function copy(url: string) {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
      setTimeout(() => setCopied(false), 2500);
    } catch {
      setCopied(false);
    }
  }

  const result = create.data;
  const publicUrl =
    connection && blob
      ? `${connection.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(blob.container)}/${blob.name.split('/').map(encodeURIComponent).join('/')}`
      : null;
  return (
    <Dialog open={blob !== null} onOpenChange={(_, data) => (!data.open ? close() : undefined)}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Share link</DialogTitle>
          <DialogContent className={styles.body}>
            <Text className={styles.name}>
              A read-only link to <strong>{blob?.name}</strong> that works without signing in to Cerulean, until it
              expires.
            </Text>
            {reason ? (
              <>
                <MessageBar intent="warning" layout="multiline">
                  <MessageBarBody>
                    <MessageBarTitle>This connection cannot sign links</MessageBarTitle>
                    {reason}
                  </MessageBarBody>
                </MessageBar>
                {connection?.auth_type === 'anonymous' && publicUrl ? (
                  <Field
                    label="Public URL"
                    hint="An anonymous connection reads a public container: this URL works without a signature, for as long as the container stays public."
                  >
                    <div className={styles.urlRow}>
                      <Input
                        className={styles.url}
                        value={publicUrl}
                        readOnly
                        onFocus={(e) => e.currentTarget.select()}
                      />
                      <Button
                        icon={copied ? <CheckmarkRegular /> : <CopyRegular />}
                        onClick={() => void copy(publicUrl)}
                      >
                        {copied ? 'Copied' : 'Copy'}
                      </Button>
                    </div>
                  </Field>
                ) : null}
              </>
            ) : result ? (
              <>
                <Field label="Link">
                  <div className={styles.urlRow}>
                    <Input
                      className={styles.url}
                      value={result.url}
                      readOnly
                      onFocus={(e) => e.currentTarget.select()}
                    />
                    <Button
                      appearance="primary"
                      icon={copied ? <CheckmarkRegular /> : <CopyRegular />}
                      onClick={() => void copy(result.url)}
                    >
                      {copied ? 'Copied' : 'Copy'}
                    </Button>
                  </div>
                </Field>
                <Text role="status">
                  Expires <strong>{formatAbsolute(result.expires_at)}</strong> ({formatRelative(result.expires_at)}).
                  Anyone with the link can read the blob until then.
                </Text>
              </>
            ) : (
              <>
                <Field label="Expires after">
                  <RadioGroup value={choice} onChange={(_, data) => setChoice(data.value as Choice)}>
                    <Radio value="3600" label="1 hour" />
                    <Radio value="86400" label="1 day" />
                    <Radio value="604800" label="7 days (the longest)" />
                    <Radio value="custom" label="At a date and time" />
                  </RadioGroup>
                </Field>
                {choice === 'custom' ? (
                  <Field label="Expiry (your local time)" validationMessage={customProblem} className={styles.custom}>
                    <Input
                      type="datetime-local"
                      value={custom}
                      min={localInputValue(Date.now() + 60_000)}
                      max={localInputValue(Date.now() + maxSeconds * 1000)}
                      onChange={(_, data) => setCustom(data.value)}
                    />
                  </Field>
                ) : null}
                <Text size={200}>
                  Permissions: read. The link is signed with the account key; it cannot be revoked before it expires
                  except by rotating that key.
                </Text>
                {create.error ? <ErrorState error={create.error} title="The link could not be made" /> : null}
              </>
            )}
          </DialogContent>
          <DialogActions>
            <Button appearance="secondary" onClick={close}>
              {result || reason ? 'Close' : 'Cancel'}
            </Button>
            {!reason && !result ? (
              <Button
                appearance="primary"
                icon={create.isPending ? <Spinner size="tiny" /> : <LinkRegular />}
                disabled={create.isPending || Boolean(customProblem) || !blob}
                onClick={() => blob && create.mutate({ target: blob, seconds })}
              >
                Create link
              </Button>
            ) : null}
            {result ? (
              <Button
                appearance="secondary"
                onClick={() => {
                  create.reset();
                  setCopied(false);
                }}
              >
                New link
              </Button>
            ) : null}
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

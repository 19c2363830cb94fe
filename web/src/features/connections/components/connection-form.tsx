import {
  Button,
  DrawerBody,
  DrawerFooter,
  DrawerHeader,
  DrawerHeaderTitle,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  OverlayDrawer,
  Select,
  Spinner,
  Switch,
  Text,
  tokens,
} from '@fluentui/react-components';
import { Dismiss24Regular } from '@fluentui/react-icons';
import { useEffect, useRef, useState, type FormEvent } from 'react';

import { PasswordInput } from '@/components/password-input';
import { useCreateConnection } from '@/features/connections/api/create-connection';
import { useUpdateConnection } from '@/features/connections/api/update-connection';
import { authTypeOrder, authTypeSpecs, type CredentialField } from '@/features/connections/form/auth-type-fields';
import {
  defaultEndpoint,
  hasNewCredentials,
  newConnectionValues,
  placeServerErrors,
  toCreateBody,
  toUpdateBody,
  validateConnection,
  valuesFromConnection,
  type ConnectionFormValues,
  type FieldErrors,
  type FieldKey,
} from '@/features/connections/form/connection-form-values';
import { authTypeLabels, type AuthType, type Connection } from '@/lib/api/connections';
import { errorMessage, ProblemError } from '@/lib/api/problem';
import { useMediaQuery } from '@/lib/hooks/use-media-query';
import { useFormLayoutStyles } from '@/components/form-layout';

const useStyles = makeStyles({
  note: { color: tokens.colorNeutralForeground2 },
  readOnly: {
    display: 'grid',
    gridTemplateColumns: 'max-content minmax(0, 1fr)',
    columnGap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalXXS,
    margin: 0,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground3,
  },
  readOnlyName: { color: tokens.colorNeutralForeground2 },
  readOnlyValue: {
    margin: 0,
    overflowWrap: 'anywhere',
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
  },
  footer: { display: 'flex', gap: tokens.spacingHorizontalS, justifyContent: 'flex-start' },
});

// The order the form shows its fields in, to focus the first one in error.
const fieldOrder: FieldKey[] = [
  'name',
  'auth_type',
  'credentials.connection_string',
  'credentials.account_key',
  'credentials.sas_token',
  'credentials.tenant_id',
  'credentials.client_id',
  'credentials.client_secret',
  'credentials.access_token',
  'account_name',
  'endpoint',
  'container_name',
  'is_active',
];

export interface ConnectionFormProps {
  open: boolean;
  /** The connection to edit; absent for a new one. */
  connection?: Connection;
  /** A new connection's starting values (e.g. the local emulator's). */
  initialValues?: ConnectionFormValues;
  onClose: () => void;
  /** After a save; `credentialsChanged` when what reaches Azure changed (worth a test). */
  onSaved: (connection: Connection, details: { created: boolean; credentialsChanged: boolean }) => void;
}

/**
 * Add or edit a connection, in a side drawer: the fields with their one-line hints do not fit a
 * dialog at 800 px high (a service principal has nine), and the drawer keeps Save in view while
 * the fields scroll. Secrets are write-only: never pre-filled; left empty on edit, they are kept.
 */
export function ConnectionForm({ open, connection, initialValues, onClose, onSaved }: ConnectionFormProps) {
  const styles = useStyles();
  const layout = useFormLayoutStyles();
  const narrow = useMediaQuery('(max-width: 760px)');
  const editing = connection !== undefined;
  const [values, setValues] = useState<ConnectionFormValues>(() =>
    connection ? valuesFromConnection(connection) : (initialValues ?? newConnectionValues()),
  );
  const [errors, setErrors] = useState<FieldErrors>({});
  const [dirty, setDirty] = useState(false);
  const elements = useRef(new Map<FieldKey, HTMLElement>());
  const create = useCreateConnection();
  const update = useUpdateConnection();
  const mutation = editing ? update : create;
  const [serverError, setServerError] = useState<unknown>(null);

  // The drawer focuses its first focusable element (Close); the form starts at its first field.
  useEffect(() => {
    if (!open) return;
    const timer = window.setTimeout(() => {
      const active = document.activeElement;
      if (!active || active === document.body || active.getAttribute('aria-label') === 'Close') {
        elements.current.get('name')?.focus();
      }
    }, 0);
    return () => window.clearTimeout(timer);
  }, [open]);

  const spec = authTypeSpecs[values.authType];
  const typeChanged = editing && connection.auth_type !== values.authType;
  const keepsStoredSecret = editing && !typeChanged;

  const register = (key: FieldKey) => (element: HTMLElement | null) => {
    if (element) elements.current.set(key, element);
    else elements.current.delete(key);
  };
  const focusFirst = (found: FieldErrors) => {
    const first = fieldOrder.find((key) => found[key] && elements.current.has(key));
    if (first) elements.current.get(first)?.focus();
  };

  const change = <K extends keyof ConnectionFormValues>(key: K, value: ConnectionFormValues[K], field?: FieldKey) => {
    setValues((v) => ({ ...v, [key]: value }));
    setDirty(true);
    if (field && errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
  };
  const changeCredential = (field: CredentialField, value: string) => {
    setValues((v) => ({ ...v, credentials: { ...v.credentials, [field.key]: value } }));
    setDirty(true);
    // One filled credential changes what the others need: check the group again on submit.
    setErrors((e) => {
      const next = { ...e };
      for (const f of spec.credentials) delete next[`credentials.${f.key}`];
      return next;
    });
  };
  const fieldProps = (key: FieldKey) => ({
    validationMessage: errors[key],
    validationState: errors[key] ? ('error' as const) : ('none' as const),
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found = validateConnection(values, connection);
    setErrors(found);
    setServerError(null);
    if (Object.values(found).some(Boolean)) {
      focusFirst(found);
      return;
    }
    const onError = (error: unknown) => {
      if (error instanceof ProblemError) {
        const { fields, unplaced } = placeServerErrors(error, values);
        setErrors(fields);
        setServerError(unplaced ? error : null);
        focusFirst(fields);
      } else {
        setServerError(error);
      }
    };
    if (editing) {
      const body = toUpdateBody(values, connection);
      const credentialsChanged =
        body.credentials !== undefined ||
        body.endpoint !== undefined ||
        body.account_name !== undefined ||
        body.container_name !== undefined;
      update.mutate(
        { id: connection.id, body },
        { onSuccess: (saved) => onSaved(saved, { created: false, credentialsChanged }), onError },
      );
    } else {
      create.mutate(toCreateBody(values), {
        onSuccess: (saved) => onSaved(saved, { created: true, credentialsChanged: true }),
        onError,
      });
    }
  };

  const credentialHint = (field: CredentialField) => {
    if (!keepsStoredSecret) return field.hint;
    if (spec.credentials.length > 1) return field.hint;
    return `Leave empty to keep the stored ${field.noun}. ${field.hint}`;
  };

  const title = editing ? `Edit “${connection.name}”` : 'Add connection';
  const submitLabel = editing ? 'Save changes' : 'Add connection';

  return (
    <OverlayDrawer
      open={open}
      position="end"
      size={narrow ? 'full' : 'medium'}
      onOpenChange={(_, data) => {
        if (data.open) return;
        // A click beside the drawer must not throw away what was typed.
        if (data.type === 'backdropClick' && dirty) return;
        onClose();
      }}
      aria-label={title}
    >
      <DrawerHeader>
        <DrawerHeaderTitle
          action={<Button appearance="subtle" aria-label="Close" icon={<Dismiss24Regular />} onClick={onClose} />}
        >
          {title}
        </DrawerHeaderTitle>
      </DrawerHeader>
      <DrawerBody>
        <form id="connection-form" className={layout.form} onSubmit={onSubmit} noValidate>
          {serverError ? (
            <MessageBar intent="error" layout="multiline" role="alert">
              <MessageBarBody>
                <MessageBarTitle>
                  {editing ? 'The changes were not saved' : 'The connection was not added'}
                </MessageBarTitle>
                {errorMessage(serverError)}
              </MessageBarBody>
            </MessageBar>
          ) : null}

          <Field
            label="Name"
            required
            hint="How the console names this connection, e.g. “Work storage”."
            {...fieldProps('name')}
          >
            <Input
              ref={register('name')}
              name="name"
              autoComplete="off"
              value={values.name}
              onChange={(_, data) => change('name', data.value, 'name')}
            />
          </Field>

          <fieldset className={layout.section}>
            <legend className={layout.legend}>Authentication</legend>
            <Field label="Authentication type" hint={spec.summary} {...fieldProps('auth_type')}>
              <Select
                ref={register('auth_type')}
                name="auth_type"
                value={values.authType}
                onChange={(_, data) => change('authType', data.value as AuthType, 'auth_type')}
              >
                {authTypeOrder.map((type) => (
                  <option key={type} value={type}>
                    {authTypeLabels[type]}
                  </option>
                ))}
              </Select>
            </Field>
            {typeChanged && connection ? (
              <MessageBar intent="info" layout="multiline">
                <MessageBarBody>
                  Changing the authentication type needs new credentials: the stored ones are for{' '}
                  {authTypeLabels[connection.auth_type].toLowerCase()}.
                </MessageBarBody>
              </MessageBar>
            ) : null}
            {keepsStoredSecret && spec.credentials.length > 1 ? (
              <Text className={styles.note}>
                The stored {spec.credentials.map((f) => f.noun).join(', ')} are not shown. Leave all{' '}
                {spec.credentials.length} empty to keep them; to change any, give all {spec.credentials.length}.
              </Text>
            ) : null}
            {spec.credentials.map((field) => {
              const key = `credentials.${field.key}` as FieldKey;
              const common = {
                ref: register(key),
                name: field.key,
                autoComplete: 'off',
                spellCheck: false,
                value: values.credentials[field.key],
                placeholder: keepsStoredSecret ? `Leave empty to keep the stored ${field.noun}` : field.placeholder,
                onChange: (_: unknown, data: { value: string }) => changeCredential(field, data.value),
              };
              return (
                <Field
                  key={field.key}
                  label={field.label}
                  required={!keepsStoredSecret}
                  hint={credentialHint(field)}
                  {...fieldProps(key)}
                >
                  {field.secret ? <PasswordInput {...common} what={field.noun} /> : <Input {...common} />}
                </Field>
              );
            })}
          </fieldset>

          <fieldset className={layout.section}>
            <legend className={layout.legend}>Storage account</legend>
            {spec.accountFromCredentials ? (
              <>
                <Text className={styles.note}>The account name and endpoint are read from the connection string.</Text>
                {editing && connection.auth_type === 'connection_string' ? (
                  <dl className={styles.readOnly}>
                    <dt className={styles.readOnlyName}>Account</dt>
                    <dd className={styles.readOnlyValue}>{connection.account_name}</dd>
                    <dt className={styles.readOnlyName}>Endpoint</dt>
                    <dd className={styles.readOnlyValue}>{connection.endpoint}</dd>
                  </dl>
                ) : null}
              </>
            ) : (
              <>
                <Field
                  label="Account name"
                  required={!values.endpoint.trim() && !(values.authType === 'sas_token')}
                  hint={
                    values.authType === 'sas_token'
                      ? 'The storage account’s name (Storage accounts in the portal). Not needed when the SAS token is a full SAS URL.'
                      : 'The storage account’s name, as listed under Storage accounts in the portal: 3 to 24 lowercase letters and digits.'
                  }
                  {...fieldProps('account_name')}
                >
                  <Input
                    ref={register('account_name')}
                    name="account_name"
                    autoComplete="off"
                    spellCheck={false}
                    autoCapitalize="off"
                    value={values.accountName}
                    onChange={(_, data) => change('accountName', data.value, 'account_name')}
                  />
                </Field>
                <Field
                  label="Endpoint (optional)"
                  hint={`Leave empty for ${defaultEndpoint(values.accountName.trim())}. Portal: storage account > Settings > Endpoints > Blob service.`}
                  {...fieldProps('endpoint')}
                >
                  <Input
                    ref={register('endpoint')}
                    name="endpoint"
                    type="url"
                    inputMode="url"
                    autoComplete="off"
                    spellCheck={false}
                    placeholder="https://myaccount.blob.core.windows.net"
                    value={values.endpoint}
                    onChange={(_, data) => change('endpoint', data.value, 'endpoint')}
                  />
                </Field>
              </>
            )}
            <Field
              label="Default container (optional)"
              hint="Opened first when you browse this connection; needed for a container SAS and for anonymous access."
              {...fieldProps('container_name')}
            >
              <Input
                ref={register('container_name')}
                name="container_name"
                autoComplete="off"
                spellCheck={false}
                autoCapitalize="off"
                value={values.containerName}
                onChange={(_, data) => change('containerName', data.value, 'container_name')}
              />
            </Field>
          </fieldset>

          <Field
            hint="A disabled connection keeps its settings but refuses browsing, transfers and sync runs."
            {...fieldProps('is_active')}
          >
            <Switch
              ref={register('is_active')}
              label="Enabled"
              checked={values.isActive}
              onChange={(_, data) => change('isActive', data.checked, 'is_active')}
            />
          </Field>
          {editing && !typeChanged && hasNewCredentials(values) ? (
            <Text className={styles.note}>The new credentials replace the stored ones when you save.</Text>
          ) : null}
        </form>
      </DrawerBody>
      <DrawerFooter className={styles.footer}>
        <Button
          type="submit"
          form="connection-form"
          appearance="primary"
          disabled={mutation.isPending}
          icon={mutation.isPending ? <Spinner size="tiny" /> : undefined}
        >
          {mutation.isPending ? 'Saving…' : submitLabel}
        </Button>
        <Button onClick={onClose} disabled={mutation.isPending}>
          Cancel
        </Button>
      </DrawerFooter>
    </OverlayDrawer>
  );
}

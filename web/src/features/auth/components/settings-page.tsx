import {
  Badge,
  Button,
  Card,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Spinner,
  Text,
  tokens,
} from '@fluentui/react-components';
import { CheckmarkCircleRegular } from '@fluentui/react-icons';
import { useEffect, useRef, useState, type FormEvent } from 'react';

import {
  SignInAfterPasswordChangeError,
  useChangePassword,
  useCurrentUser,
  useUpdateFullName,
  type User,
} from '@/features/auth/api/current-user';
import { NewPasswordFields } from '@/features/auth/components/new-password-fields';
import { passwordProblems } from '@/features/auth/password-rules';
import { ErrorState } from '@/components/error-state';
import { PageSkeleton } from '@/components/page-skeleton';
import { PasswordInput } from '@/components/password-input';
import { asSentence, ProblemError } from '@/lib/api/problem';
import { formatAbsolute, formatRelative } from '@/lib/format';

const useStyles = makeStyles({
  page: {
    boxSizing: 'border-box',
    maxWidth: '680px',
    padding: `${tokens.spacingVerticalXXL} ${tokens.spacingHorizontalXXL}`,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXL,
    '@media (max-width: 760px)': { padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalM}` },
  },
  title: { margin: 0 },
  card: { padding: tokens.spacingHorizontalXL, gap: tokens.spacingVerticalL },
  sectionTitle: { margin: 0 },
  sectionHeading: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  sectionText: { color: tokens.colorNeutralForeground2, margin: 0 },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  actions: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  saved: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalXS,
    color: tokens.colorPaletteGreenForeground1,
  },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalS,
    margin: 0,
  },
  factName: { color: tokens.colorNeutralForeground2 },
  factValue: { margin: 0, minWidth: 0, overflowWrap: 'anywhere' },
});

function ProfileSection({ user }: { user: User }) {
  const styles = useStyles();
  const [fullName, setFullName] = useState(user.full_name ?? '');
  const update = useUpdateFullName();
  const changed = fullName.trim() !== (user.full_name ?? '');
  const fieldError = update.error instanceof ProblemError ? update.error.fieldError('full_name') : undefined;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate(fullName);
  };

  return (
    <Card className={styles.card}>
      <Text as="h2" size={500} weight="semibold" className={styles.sectionTitle}>
        Profile
      </Text>
      <dl className={styles.facts}>
        <dt className={styles.factName}>Email</dt>
        <dd className={styles.factValue}>{user.email}</dd>
        <dt className={styles.factName}>Account created</dt>
        <dd className={styles.factValue} title={formatAbsolute(user.created_at)}>
          {formatRelative(user.created_at)}
          {user.is_superuser ? (
            <>
              {' '}
              <Badge appearance="tint" color="brand">
                Administrator
              </Badge>
            </>
          ) : null}
        </dd>
      </dl>
      <form className={styles.form} onSubmit={onSubmit} noValidate>
        <Field
          label="Full name"
          hint="Shown in the header instead of your email. Leave empty to show the email."
          validationMessage={fieldError ? asSentence(fieldError) : undefined}
        >
          <Input
            name="full_name"
            autoComplete="name"
            value={fullName}
            onChange={(_, data) => {
              setFullName(data.value);
              if (update.isSuccess || update.isError) update.reset();
            }}
          />
        </Field>
        {update.isError && !fieldError ? <ErrorState error={update.error} /> : null}
        <div className={styles.actions}>
          <Button
            type="submit"
            appearance="primary"
            disabled={!changed || update.isPending}
            icon={update.isPending ? <Spinner size="tiny" /> : undefined}
          >
            Save name
          </Button>
          {update.isSuccess && !changed ? (
            <span className={styles.saved} role="status">
              <CheckmarkCircleRegular aria-hidden /> Saved
            </span>
          ) : null}
        </div>
      </form>
    </Card>
  );
}

type PasswordField = 'current' | 'password' | 'confirm';

function PasswordSection({ user }: { user: User }) {
  const styles = useStyles();
  const [values, setValues] = useState({ current: '', password: '', confirm: '' });
  const [errors, setErrors] = useState<Partial<Record<PasswordField, string>>>({});
  const [done, setDone] = useState(false);
  const change = useChangePassword();
  const refs = {
    current: useRef<HTMLInputElement>(null),
    password: useRef<HTMLInputElement>(null),
    confirm: useRef<HTMLInputElement>(null),
  };

  const focusFirst = (found: Partial<Record<PasswordField, string>>) => {
    const first = (['current', 'password', 'confirm'] as const).find((f) => found[f]);
    if (first) refs[first].current?.focus();
  };

  const set = (field: PasswordField) => (_: unknown, data: { value: string }) => {
    setValues((v) => ({ ...v, [field]: data.value }));
    if (errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
    setDone(false);
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found: Partial<Record<PasswordField, string>> = { ...passwordProblems(values.password, values.confirm) };
    if (!values.current) found.current = 'Enter your current password.';
    else if (values.password && values.password === values.current)
      found.password = 'Choose a password different from the current one.';
    setErrors(found);
    if (Object.values(found).some(Boolean)) return focusFirst(found);
    change.mutate(
      { email: user.email, currentPassword: values.current, newPassword: values.password },
      {
        onSuccess: () => {
          setValues({ current: '', password: '', confirm: '' });
          setDone(true);
        },
        onError: (error) => {
          if (!(error instanceof ProblemError)) return;
          const onFields: Partial<Record<PasswordField, string>> = {};
          if (error.code === 'wrong_password') onFields.current = 'This is not your current password.';
          const currentMessage = error.fieldError('current_password');
          const passwordMessage = error.fieldError('password');
          if (currentMessage) onFields.current = asSentence(currentMessage);
          if (passwordMessage) onFields.password = asSentence(passwordMessage);
          setErrors(onFields);
          focusFirst(onFields);
        },
      },
    );
  };

  const placed = Object.values(errors).some(Boolean);
  const error = change.error;

  return (
    <Card className={styles.card}>
      <div className={styles.sectionHeading}>
        <Text as="h2" size={500} weight="semibold" className={styles.sectionTitle}>
          Password
        </Text>
        <Text as="p" className={styles.sectionText}>
          Changing it signs you out everywhere else; this tab stays signed in.
        </Text>
      </div>
      {done ? (
        <MessageBar intent="success">
          <MessageBarBody>Your password was changed. Other sessions were signed out.</MessageBarBody>
        </MessageBar>
      ) : null}
      {error && (!placed || error instanceof SignInAfterPasswordChangeError) ? <ErrorState error={error} /> : null}
      <form className={styles.form} onSubmit={onSubmit} noValidate>
        {/* For password managers: whose password this is. */}
        <input type="text" name="username" autoComplete="username" value={user.email} readOnly hidden />
        <Field label="Current password" required validationMessage={errors.current}>
          <PasswordInput
            ref={refs.current}
            what="current password"
            name="current_password"
            autoComplete="current-password"
            value={values.current}
            onChange={set('current')}
          />
        </Field>
        <NewPasswordFields
          labels={{ password: 'New password', confirm: 'Confirm new password' }}
          names={{ password: 'new_password', confirm: 'confirm_password' }}
          what="new password"
          values={values}
          errors={errors}
          refs={refs}
          onChange={set}
        />
        <div className={styles.actions}>
          <Button
            type="submit"
            appearance="primary"
            disabled={change.isPending}
            icon={change.isPending ? <Spinner size="tiny" /> : undefined}
          >
            {change.isPending ? 'Changing password…' : 'Change password'}
          </Button>
        </div>
      </form>
    </Card>
  );
}

/** The user's own account: display name and password. */
export default function SettingsPage() {
  const styles = useStyles();
  const user = useCurrentUser();
  useEffect(() => {
    document.title = 'Settings · Cerulean';
  }, []);

  return (
    <div className={styles.page}>
      <Text as="h1" size={700} weight="semibold" className={styles.title}>
        Settings
      </Text>
      {user.isPending ? (
        <PageSkeleton rows={5} label="Loading your account" />
      ) : user.isError ? (
        <ErrorState title="Your account could not be loaded" error={user.error} onRetry={() => void user.refetch()} />
      ) : (
        <>
          <ProfileSection key={`profile-${user.data.id}`} user={user.data} />
          <PasswordSection key={`password-${user.data.id}`} user={user.data} />
        </>
      )}
    </div>
  );
}

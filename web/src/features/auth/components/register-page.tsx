import {
  Button,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  tokens,
} from '@fluentui/react-components';
import { useQuery } from '@tanstack/react-query';
import { useRef, useState, type FormEvent, type ReactElement } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';

import { useRegister } from '@/features/auth/api/register';
import { AuthLayout } from '@/features/auth/components/auth-layout';
import { NewPasswordFields } from '@/features/auth/components/new-password-fields';
import { passwordProblems } from '@/features/auth/password-rules';
import { AppLink } from '@/components/app-link';
import { serverInfoQuery } from '@/lib/api/meta';
import { asSentence, errorMessage, ProblemError } from '@/lib/api/problem';
import { useSession } from '@/lib/auth/use-session';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  submit: { marginTop: tokens.spacingVerticalS },
});

type FieldName = 'email' | 'full_name' | 'password' | 'confirm';
type FieldErrors = Partial<Record<FieldName, string | ReactElement>>;

function SignupClosed() {
  return (
    <MessageBar intent="warning" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>Sign-up is closed</MessageBarTitle>
        This server does not take new accounts. Ask its administrator to create one for you.
      </MessageBarBody>
    </MessageBar>
  );
}

/** A new account (when sign-up is open), then signed in and on to the connections. */
export default function RegisterPage() {
  const styles = useStyles();
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const meta = useQuery(serverInfoQuery());
  const register = useRegister();
  const initialEmail = (location.state as { email?: string } | null)?.email ?? '';
  const [values, setValues] = useState({ email: initialEmail, full_name: '', password: '', confirm: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const refs = {
    email: useRef<HTMLInputElement>(null),
    full_name: useRef<HTMLInputElement>(null),
    password: useRef<HTMLInputElement>(null),
    confirm: useRef<HTMLInputElement>(null),
  };

  if (session && !register.isPending && !register.isSuccess) return <Navigate to="/" replace />;

  const set = (field: FieldName) => (_: unknown, data: { value: string }) => {
    setValues((v) => ({ ...v, [field]: data.value }));
    if (errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const focusFirst = (found: FieldErrors) => {
    const first = (['email', 'full_name', 'password', 'confirm'] as const).find((f) => found[f]);
    if (first) refs[first].current?.focus();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found: FieldErrors = { ...passwordProblems(values.password, values.confirm) };
    if (!values.email.trim()) found.email = 'Enter your email.';
    else if (!/^[^\s@]+@[^\s@]+$/.test(values.email.trim()))
      found.email = 'Enter an email address such as ada@example.com.';
    setErrors(found);
    if (Object.values(found).some(Boolean)) return focusFirst(found);
    register.mutate(
      { email: values.email, fullName: values.full_name, password: values.password },
      {
        onSuccess: (result) => {
          if (result.signedIn) navigate('/connections', { replace: true });
          else
            navigate('/sign-in?next=%2Fconnections', {
              replace: true,
              state: { email: values.email.trim(), registered: true },
            });
        },
        onError: (error) => {
          if (!(error instanceof ProblemError)) return;
          const onFields: FieldErrors = {};
          if (error.code === 'email_taken') {
            onFields.email = (
              <>
                An account with this email already exists.{' '}
                <AppLink to="/sign-in" inline>
                  Sign in instead
                </AppLink>
              </>
            );
          }
          for (const f of ['email', 'full_name', 'password'] as const) {
            const message = error.fieldError(f);
            if (message) onFields[f] = asSentence(message);
          }
          setErrors(onFields);
          focusFirst(onFields);
        },
      },
    );
  };

  const error = register.error;
  const closed =
    meta.data?.signup_open === false || (error instanceof ProblemError && error.code === 'signup_disabled');
  const placed = Object.values(errors).some(Boolean);
  const formError = error && !placed && !closed ? error : null;

  return (
    <AuthLayout
      title="Create your account"
      subtitle="Then add a connection to a storage account."
      footer={
        <>
          Already have an account? <AppLink to="/sign-in">Sign in</AppLink>
        </>
      }
    >
      {closed ? <SignupClosed /> : null}
      {formError ? (
        <MessageBar intent="error" layout="multiline" role="alert">
          <MessageBarBody>{errorMessage(formError)}</MessageBarBody>
        </MessageBar>
      ) : null}
      {meta.data?.signup_open === false ? null : (
        <form className={styles.form} onSubmit={onSubmit} noValidate>
          <Field label="Email" required validationMessage={errors.email}>
            <Input
              ref={refs.email}
              type="email"
              name="email"
              autoComplete="email"
              inputMode="email"
              autoFocus
              value={values.email}
              onChange={set('email')}
            />
          </Field>
          <Field
            label="Full name"
            hint="Optional. Shown in the header instead of your email."
            validationMessage={errors.full_name}
          >
            <Input
              ref={refs.full_name}
              name="full_name"
              autoComplete="name"
              value={values.full_name}
              onChange={set('full_name')}
            />
          </Field>
          <NewPasswordFields
            labels={{ password: 'Password', confirm: 'Confirm password' }}
            names={{ password: 'password', confirm: 'confirm' }}
            values={values}
            errors={errors}
            refs={refs}
            onChange={set}
          />
          <Button
            className={styles.submit}
            type="submit"
            appearance="primary"
            size="large"
            disabled={register.isPending || closed}
            icon={register.isPending ? <Spinner size="tiny" /> : undefined}
          >
            {register.isPending ? 'Creating your account…' : 'Create account'}
          </Button>
        </form>
      )}
    </AuthLayout>
  );
}

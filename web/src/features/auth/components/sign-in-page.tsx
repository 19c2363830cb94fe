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
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Navigate, useLocation, useSearchParams } from 'react-router';

import { useSignIn } from '@/features/auth/api/sign-in';
import { AuthLayout } from '@/features/auth/components/auth-layout';
import { safeNextPath } from '@/features/auth/next-path';
import { AppLink } from '@/components/app-link';
import { PasswordInput } from '@/components/password-input';
import { serverInfoQuery } from '@/lib/api/meta';
import { errorMessage, ProblemError } from '@/lib/api/problem';
import { lastSignOutReason } from '@/lib/auth/session';
import { useSession } from '@/lib/auth/use-session';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  submit: { marginTop: tokens.spacingVerticalS },
});

/** "42 seconds", "15 minutes", "2 hours": how long to wait, in words. */
export function waitInWords(seconds: number): string {
  if (seconds < 60) return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
  if (seconds < 3600) {
    const minutes = Math.ceil(seconds / 60);
    return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
  }
  const hours = Math.ceil(seconds / 3600);
  return `${hours} ${hours === 1 ? 'hour' : 'hours'}`;
}

function signInErrorText(error: unknown, blocked: boolean): { title?: string; text: string } {
  if (error instanceof ProblemError) {
    if (error.code === 'invalid_credentials') {
      return { text: 'Wrong email or password. Check both and try again.' };
    }
    if (error.code === 'too_many_attempts') {
      const wait = error.retryAfterSeconds;
      if (wait && !blocked) return { title: 'Too many failed sign-ins', text: 'You can try again now.' };
      return {
        title: 'Too many failed sign-ins',
        text: wait ? `Try again in ${waitInWords(wait)}.` : 'Wait a few minutes, then try again.',
      };
    }
    if (error.code === 'network_error') return { title: 'Cannot reach the server', text: errorMessage(error) };
  }
  return { text: errorMessage(error) };
}

/** Email and password; back to the page the user came from (`?next=`, same site only). */
export default function SignInPage() {
  const styles = useStyles();
  const session = useSession();
  const [params] = useSearchParams();
  const location = useLocation();
  const next = safeNextPath(params.get('next'));
  const registered = (location.state as { email?: string; registered?: boolean } | null) ?? null;
  const [email, setEmail] = useState(registered?.email ?? '');
  const [password, setPassword] = useState('');
  const [fieldErrors, setFieldErrors] = useState<{ email?: string; password?: string }>({});
  const passwordRef = useRef<HTMLInputElement>(null);
  const emailRef = useRef<HTMLInputElement>(null);
  const meta = useQuery(serverInfoQuery());
  const signIn = useSignIn();
  const expired = params.get('expired') === '1' || lastSignOutReason() === 'expired';
  const signedOut = !expired && lastSignOutReason() === 'signed_out';

  // After a 429, the button waits for Retry-After (counted from when the attempt was sent).
  const tooMany =
    signIn.error instanceof ProblemError && signIn.error.code === 'too_many_attempts' ? signIn.error : null;
  const retryAt = tooMany?.retryAfterSeconds ? signIn.submittedAt + tooMany.retryAfterSeconds * 1000 : 0;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!retryAt) return;
    const timer = window.setTimeout(() => setNow(Date.now()), Math.max(0, retryAt - Date.now()) + 50);
    return () => window.clearTimeout(timer);
  }, [retryAt]);
  const blocked = retryAt > now;

  if (session) return <Navigate to={next} replace />;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const errors: typeof fieldErrors = {};
    if (!email.trim()) errors.email = 'Enter your email.';
    if (!password) errors.password = 'Enter your password.';
    setFieldErrors(errors);
    if (errors.email) return emailRef.current?.focus();
    if (errors.password) return passwordRef.current?.focus();
    signIn.mutate(
      { email, password },
      {
        onError: (error) => {
          if (error instanceof ProblemError && error.code === 'invalid_credentials') {
            passwordRef.current?.select();
            passwordRef.current?.focus();
          }
        },
      },
    );
  };

  const failure = signIn.isError ? signInErrorText(signIn.error, blocked) : null;
  const invalidCredentials = signIn.error instanceof ProblemError && signIn.error.code === 'invalid_credentials';

  return (
    <AuthLayout
      title="Sign in"
      subtitle="Use the email and password of your Cerulean account."
      footer={
        meta.data?.signup_open ? (
          <>
            New to Cerulean?{' '}
            <AppLink to="/register" state={{ email: email.trim() || undefined }}>
              Create an account
            </AppLink>
          </>
        ) : null
      }
    >
      {expired && !failure ? (
        <MessageBar intent="warning">
          <MessageBarBody>Your session expired; sign in again.</MessageBarBody>
        </MessageBar>
      ) : null}
      {signedOut && !failure && !signIn.isPending ? (
        <MessageBar intent="info">
          <MessageBarBody>You signed out.</MessageBarBody>
        </MessageBar>
      ) : null}
      {registered?.registered && !failure ? (
        <MessageBar intent="success">
          <MessageBarBody>Your account was created. Sign in with it.</MessageBarBody>
        </MessageBar>
      ) : null}
      {failure ? (
        <MessageBar intent="error" layout="multiline" role="alert">
          <MessageBarBody>
            {failure.title ? <MessageBarTitle>{failure.title}</MessageBarTitle> : null}
            {failure.text}
          </MessageBarBody>
        </MessageBar>
      ) : null}
      <form className={styles.form} onSubmit={onSubmit} noValidate>
        <Field label="Email" required validationMessage={fieldErrors.email}>
          <Input
            ref={emailRef}
            type="email"
            name="email"
            autoComplete="username"
            inputMode="email"
            autoFocus={!email}
            value={email}
            onChange={(_, data) => setEmail(data.value)}
          />
        </Field>
        <Field
          label="Password"
          required
          validationMessage={fieldErrors.password}
          validationState={fieldErrors.password || invalidCredentials ? 'error' : 'none'}
        >
          <PasswordInput
            ref={passwordRef}
            name="password"
            autoComplete="current-password"
            autoFocus={!!email}
            value={password}
            onChange={(_, data) => setPassword(data.value)}
          />
        </Field>
        <Button
          className={styles.submit}
          type="submit"
          appearance="primary"
          size="large"
          disabled={signIn.isPending || blocked}
          icon={signIn.isPending ? <Spinner size="tiny" /> : undefined}
        >
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
    </AuthLayout>
  );
}

import { Field } from '@fluentui/react-components';
import type { ReactElement, RefObject } from 'react';

import { PasswordInput } from '@/components/password-input';
import { minPasswordLength } from '@/features/auth/password-rules';

type Change = (event: unknown, data: { value: string }) => void;

/** A new password and its confirmation, as registration and the password change ask for them. */
export function NewPasswordFields({
  labels,
  names,
  what,
  values,
  errors,
  refs,
  onChange,
}: {
  labels: { password: string; confirm: string };
  /** The inputs' names, for password managers. */
  names: { password: string; confirm: string };
  /** What the password's show/hide toggle calls it (the input's own default when absent). */
  what?: string;
  values: { password: string; confirm: string };
  /** Messages under the fields (text, or a message with a link in it). */
  errors: { password?: string | ReactElement; confirm?: string | ReactElement };
  refs: { password: RefObject<HTMLInputElement | null>; confirm: RefObject<HTMLInputElement | null> };
  onChange: (field: 'password' | 'confirm') => Change;
}) {
  return (
    <>
      <Field
        label={labels.password}
        required
        hint={errors.password ? undefined : `At least ${minPasswordLength} characters.`}
        validationMessage={errors.password}
      >
        <PasswordInput
          ref={refs.password}
          {...(what ? { what } : {})}
          name={names.password}
          autoComplete="new-password"
          value={values.password}
          onChange={onChange('password')}
        />
      </Field>
      <Field label={labels.confirm} required validationMessage={errors.confirm}>
        <PasswordInput
          ref={refs.confirm}
          what="confirmation"
          name={names.confirm}
          autoComplete="new-password"
          value={values.confirm}
          onChange={onChange('confirm')}
        />
      </Field>
    </>
  );
}

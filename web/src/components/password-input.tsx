import { Button, Input, Tooltip, type InputProps } from '@fluentui/react-components';
import { EyeOffRegular, EyeRegular } from '@fluentui/react-icons';
import { useState, type Ref } from 'react';

/**
 * A password or secret input with a show/hide toggle. Put it inside a Fluent `Field` for its
 * label; `what` names the secret for the toggle's accessible name ("Show account key").
 */
export function PasswordInput({
  what = 'password',
  ref,
  ...props
}: Omit<InputProps, 'type' | 'contentAfter'> & { what?: string; ref?: Ref<HTMLInputElement> }) {
  const [visible, setVisible] = useState(false);
  const label = `${visible ? 'Hide' : 'Show'} ${what}`;
  return (
    <Input
      spellCheck={false}
      autoCapitalize="off"
      autoCorrect="off"
      {...props}
      ref={ref}
      type={visible ? 'text' : 'password'}
      contentAfter={
        <Tooltip content={label} relationship="label">
          <Button
            appearance="transparent"
            size="small"
            icon={visible ? <EyeOffRegular /> : <EyeRegular />}
            aria-pressed={visible}
            disabled={props.disabled}
            onClick={() => setVisible((v) => !v)}
          />
        </Tooltip>
      }
    />
  );
}

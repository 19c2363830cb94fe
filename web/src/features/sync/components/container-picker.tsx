import { Combobox, Field, Option, type FieldProps } from '@fluentui/react-components';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useMemo, type Ref } from 'react';

import { containerPagesQuery } from '@/lib/api/containers';

/** How many of the connection's containers the list offers (typing any other name works too). */
const offered = 200;

/**
 * A container of a connection: picked from its containers, or typed (a SAS for one container
 * cannot list them; a big account has more than the list shows).
 */
export function ContainerPicker({
  connectionId,
  value,
  onChange,
  label,
  hint,
  validationMessage,
  inputRef,
  name,
}: {
  connectionId: number | null;
  value: string;
  onChange: (value: string) => void;
  label: string;
  hint?: string;
  validationMessage?: string;
  inputRef?: Ref<HTMLInputElement>;
  name: string;
}) {
  const containers = useInfiniteQuery({
    ...containerPagesQuery(connectionId ?? 0),
    enabled: connectionId !== null && connectionId > 0,
    staleTime: 60_000,
  });
  const names = useMemo(
    () => containers.data?.pages.flatMap((page) => page.items.map((c) => c.name)) ?? [],
    [containers.data],
  );
  const typed = value.trim().toLowerCase();
  const matching = (typed && !names.includes(typed) ? names.filter((n) => n.includes(typed)) : names).slice(0, offered);

  let status: FieldProps['hint'] = hint;
  if (containers.isPending && connectionId) status = 'Loading the containers…';
  else if (containers.isError) status = 'The containers could not be listed: type the container’s name.';
  else if (containers.isSuccess && names.length === 0) status = 'This connection has no containers yet: type a name.';

  return (
    <Field
      label={label}
      required
      hint={status}
      validationMessage={validationMessage}
      validationState={validationMessage ? 'error' : 'none'}
    >
      <Combobox
        ref={inputRef}
        name={name}
        freeform
        autoComplete="off"
        spellCheck={false}
        placeholder="Choose or type a container"
        value={value}
        selectedOptions={names.includes(value) ? [value] : []}
        onChange={(event) => onChange(event.target.value)}
        onOptionSelect={(_, data) => onChange(data.optionValue ?? data.optionText ?? '')}
        onBlur={(event) => {
          // Fluent unmounts the options when the field loses focus but leaves aria-activedescendant
          // pointing at one of them: drop a reference to an element that is gone.
          const input = event.currentTarget;
          window.setTimeout(() => {
            const id = input.getAttribute('aria-activedescendant');
            if (id && !document.getElementById(id)) input.removeAttribute('aria-activedescendant');
          }, 0);
        }}
      >
        {matching.map((n) => (
          <Option key={n} value={n}>
            {n}
          </Option>
        ))}
      </Combobox>
    </Field>
  );
}

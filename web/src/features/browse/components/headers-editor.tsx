import { Button, Field, Input, makeStyles, Spinner, tokens } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';

import { ErrorState } from '@/components/error-state';
import {
  useUpdateBlobHeaders,
  type BlobHeadersUpdate,
  type BlobProperties,
  type BlobRef,
} from '@/features/browse/api/blob-properties';
import { ProblemError } from '@/lib/api/problem';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS },
});

type HeaderKey = keyof BlobHeadersUpdate;

const fields: { key: HeaderKey; label: string; placeholder: string }[] = [
  { key: 'content_type', label: 'Content type', placeholder: 'application/octet-stream' },
  { key: 'cache_control', label: 'Cache control', placeholder: 'e.g. max-age=3600' },
  { key: 'content_disposition', label: 'Content disposition', placeholder: 'e.g. attachment; filename="a.pdf"' },
  { key: 'content_encoding', label: 'Content encoding', placeholder: 'e.g. gzip' },
  { key: 'content_language', label: 'Content language', placeholder: 'e.g. en-GB' },
];

/** The stored HTTP headers of a blob (content type first), edited in place and saved with PATCH. */
export function HeadersEditor({
  blob,
  properties,
  onDone,
}: {
  blob: BlobRef;
  properties: BlobProperties;
  onDone: () => void;
}) {
  const styles = useStyles();
  const [values, setValues] = useState<Record<HeaderKey, string>>(() => ({
    content_type: properties.content_type ?? '',
    cache_control: properties.cache_control ?? '',
    content_disposition: properties.content_disposition ?? '',
    content_encoding: properties.content_encoding ?? '',
    content_language: properties.content_language ?? '',
  }));
  const update = useUpdateBlobHeaders(blob);

  function submit(event: FormEvent) {
    event.preventDefault();
    const body: BlobHeadersUpdate = {};
    for (const { key } of fields) {
      const before = properties[key] ?? '';
      if (values[key] !== before) body[key] = values[key].trim() || null;
    }
    if (Object.keys(body).length === 0) {
      onDone();
      return;
    }
    update.mutate(body, { onSuccess: onDone });
  }

  return (
    <form className={styles.form} onSubmit={submit} noValidate>
      {fields.map((f, i) => (
        <Field
          key={f.key}
          label={f.label}
          size="small"
          validationMessage={update.error instanceof ProblemError ? update.error.fieldError(f.key) : undefined}
        >
          <Input
            size="small"
            value={values[f.key]}
            placeholder={f.placeholder}
            spellCheck={false}
            autoFocus={i === 0}
            onChange={(_, data) => setValues((v) => ({ ...v, [f.key]: data.value }))}
          />
        </Field>
      ))}
      {update.error ? <ErrorState error={update.error} title="The headers were not saved" /> : null}
      <div className={styles.actions}>
        <Button
          size="small"
          appearance="primary"
          type="submit"
          disabled={update.isPending}
          icon={update.isPending ? <Spinner size="tiny" /> : undefined}
        >
          Save
        </Button>
        <Button size="small" onClick={onDone} disabled={update.isPending}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

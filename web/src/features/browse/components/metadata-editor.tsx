import { Button, Field, Input, makeStyles, Spinner, Text, tokens, Tooltip } from '@fluentui/react-components';
import { AddRegular, DeleteRegular } from '@fluentui/react-icons';
import { useState } from 'react';

import { ErrorState } from '@/components/error-state';
import { useSetBlobMetadata, type BlobRef } from '@/features/browse/api/blob-properties';
import { metadataProblems, type MetadataRow } from '@/features/browse/metadata-rules';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  row: {
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 2fr) minmax(0, 3fr) auto',
    gap: tokens.spacingHorizontalS,
    alignItems: 'start',
  },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  empty: { color: tokens.colorNeutralForeground3 },
  removeButton: { marginTop: '22px' },
  input: { minWidth: 0, width: '100%' },
});

let nextId = 1;
function rowsFrom(metadata: Record<string, string>): MetadataRow[] {
  return Object.entries(metadata).map(([name, value]) => ({ id: nextId++, name, value }));
}

function sameAs(rows: readonly MetadataRow[], metadata: Record<string, string>): boolean {
  const entries = Object.entries(metadata);
  return rows.length === entries.length && rows.every((r) => metadata[r.name] === r.value);
}

function valueProblem(value: string): string | undefined {
  // Metadata travels in HTTP headers.
  if (/[^\x20-\x7e]/.test(value)) return 'Use printable ASCII characters only.';
  return undefined;
}

/**
 * A blob's metadata as key/value rows: add, change, remove, then save all at once (the API
 * replaces the whole set). Names are checked as C# identifiers, as Azure requires.
 */
export function MetadataEditor({ blob, metadata }: { blob: BlobRef; metadata: Record<string, string> }) {
  const styles = useStyles();
  const [rows, setRows] = useState(() => rowsFrom(metadata));
  const [base, setBase] = useState(metadata);
  const [tried, setTried] = useState(false);
  const save = useSetBlobMetadata(blob);

  // When the server's metadata changes (after a save or a refresh), start from it again,
  // unless the user is editing.
  if (base !== metadata) {
    const untouched = sameAs(rows, base);
    if (untouched || sameAs(rows, metadata)) setBase(metadata);
    if (untouched && !sameAs(rows, metadata)) setRows(rowsFrom(metadata));
  }

  const problems = metadataProblems(rows);
  const dirty = !sameAs(rows, metadata);
  const valueProblems = new Map(rows.map((r) => [r.id, valueProblem(r.value)]));
  const invalid = problems.size > 0 || [...valueProblems.values()].some(Boolean);

  function update(id: number, change: Partial<MetadataRow>) {
    setRows((current) => current.map((r) => (r.id === id ? { ...r, ...change } : r)));
    if (save.error) save.reset();
  }

  function submit() {
    setTried(true);
    if (invalid) return;
    save.mutate(Object.fromEntries(rows.map((r) => [r.name, r.value])), { onSuccess: () => setTried(false) });
  }

  return (
    <div className={styles.root}>
      {rows.length === 0 ? <Text className={styles.empty}>No metadata.</Text> : null}
      {rows.map((row, i) => {
        const nameProblem = problems.get(row.id);
        const showName = tried || (row.name !== '' && nameProblem !== undefined) ? nameProblem : undefined;
        return (
          <div key={row.id} className={styles.row}>
            <Field label={i === 0 ? 'Name' : undefined} validationMessage={showName} size="small">
              <Input
                size="small"
                className={styles.input}
                value={row.name}
                aria-label={`Name ${i + 1}`}
                spellCheck={false}
                onChange={(_, data) => update(row.id, { name: data.value })}
              />
            </Field>
            <Field label={i === 0 ? 'Value' : undefined} validationMessage={valueProblems.get(row.id)} size="small">
              <Input
                size="small"
                className={styles.input}
                value={row.value}
                aria-label={`Value ${i + 1}`}
                spellCheck={false}
                onChange={(_, data) => update(row.id, { value: data.value })}
              />
            </Field>
            <Tooltip content={`Remove ${row.name || 'this row'}`} relationship="label">
              <Button
                size="small"
                appearance="subtle"
                icon={<DeleteRegular />}
                className={i === 0 ? styles.removeButton : undefined}
                onClick={() => setRows((current) => current.filter((r) => r.id !== row.id))}
              />
            </Tooltip>
          </div>
        );
      })}
      <div className={styles.actions}>
        <Button
          size="small"
          icon={<AddRegular />}
          onClick={() => setRows((current) => [...current, { id: nextId++, name: '', value: '' }])}
        >
          Add
        </Button>
        {dirty ? (
          <>
            <Button
              size="small"
              appearance="primary"
              onClick={submit}
              disabled={save.isPending}
              icon={save.isPending ? <Spinner size="tiny" /> : undefined}
            >
              Save metadata
            </Button>
            <Button
              size="small"
              appearance="subtle"
              onClick={() => {
                setRows(rowsFrom(metadata));
                setTried(false);
                save.reset();
              }}
              disabled={save.isPending}
            >
              Discard changes
            </Button>
          </>
        ) : save.isSuccess ? (
          <Text size={200} role="status">
            Saved.
          </Text>
        ) : null}
      </div>
      {save.error ? <ErrorState error={save.error} title="The metadata was not saved" /> : null}
    </div>
  );
}

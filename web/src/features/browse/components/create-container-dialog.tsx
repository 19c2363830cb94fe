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
  Radio,
  RadioGroup,
  Spinner,
  tokens,
} from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';

import { ErrorState } from '@/components/error-state';
import { containerNameProblem, useCreateContainer } from '@/features/browse/api/containers';
import { ProblemError } from '@/lib/api/problem';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
});

type Access = 'none' | 'blob' | 'container';

/** "New container": a name (Azure's rule checked as the user types) and the public access level. */
export function CreateContainerDialog({
  connectionId,
  open,
  onClose,
  onCreated,
}: {
  connectionId: number;
  open: boolean;
  onClose: () => void;
  onCreated: (name: string) => void;
}) {
  const styles = useStyles();
  const [name, setName] = useState('');
  const [access, setAccess] = useState<Access>('none');
  const [touched, setTouched] = useState(false);
  const create = useCreateContainer(connectionId);

  const localProblem = containerNameProblem(name);
  const serverError = create.error instanceof ProblemError ? create.error : null;
  const nameError =
    (touched && localProblem) ||
    (serverError?.code === 'container_exists'
      ? 'A container with this name already exists.'
      : serverError?.fieldError('name')) ||
    undefined;
  const otherError =
    create.error && !(serverError?.code === 'container_exists' || serverError?.fieldError('name'))
      ? create.error
      : null;

  function reset() {
    setName('');
    setAccess('none');
    setTouched(false);
    create.reset();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (localProblem) return;
    create.mutate(
      { name, public_access: access === 'none' ? null : access },
      {
        onSuccess: () => {
          onCreated(name);
          reset();
        },
      },
    );
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(_, data) => {
        if (!data.open) {
          onClose();
          reset();
        }
      }}
    >
      <DialogSurface>
        <form onSubmit={submit} noValidate>
          <DialogBody>
            <DialogTitle>New container</DialogTitle>
            <DialogContent className={styles.form}>
              <Field
                label="Name"
                required
                validationMessage={nameError}
                hint={
                  nameError
                    ? undefined
                    : '3 to 63 lowercase letters, digits and single hyphens; starts and ends with a letter or digit.'
                }
              >
                <Input
                  value={name}
                  autoFocus
                  spellCheck={false}
                  autoComplete="off"
                  onChange={(_, data) => {
                    setName(data.value);
                    if (create.error) create.reset();
                  }}
                  onBlur={() => setTouched(name.length > 0)}
                />
              </Field>
              <Field label="Public access">
                <RadioGroup value={access} onChange={(_, data) => setAccess(data.value as Access)}>
                  <Radio value="none" label="None: private (recommended)" />
                  <Radio value="blob" label="Blob: anyone with a blob's URL can read it" />
                  <Radio value="container" label="Container: anyone can list and read its blobs" />
                </RadioGroup>
              </Field>
              {otherError ? <ErrorState error={otherError} /> : null}
            </DialogContent>
            <DialogActions>
              <Button
                appearance="secondary"
                onClick={() => {
                  onClose();
                  reset();
                }}
                disabled={create.isPending}
              >
                Cancel
              </Button>
              <Button
                appearance="primary"
                type="submit"
                disabled={create.isPending}
                icon={create.isPending ? <Spinner size="tiny" /> : undefined}
              >
                Create
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}

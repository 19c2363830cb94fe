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
} from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';

/** Why a new folder's name will not do; null when it is fine. */
export function folderNameProblem(name: string, existing: readonly string[]): string | null {
  if (!name.trim()) return 'Enter a name.';
  if (name.includes('/')) return 'A folder name cannot contain “/”. Make one folder, open it, then make the next.';
  if (name === '.' || name === '..') return 'This name is reserved.';
  if (name.includes('\\')) return 'A folder name cannot contain “\\” (Azure turns it into “/”).';
  if (existing.includes(name)) return 'A folder with this name is already here.';
  return null;
}

/**
 * "New folder": asks for a name. Azure has no empty folders, so the folder is kept in this
 * tab as a place to upload into until a blob lands in it.
 */
export function NewFolderDialog({
  open,
  existing,
  onClose,
  onCreate,
}: {
  open: boolean;
  /** The names of the folders already here. */
  existing: readonly string[];
  onClose: () => void;
  onCreate: (name: string) => void;
}) {
  const [name, setName] = useState('');
  const [tried, setTried] = useState(false);
  const problem = folderNameProblem(name, existing);

  function close() {
    setName('');
    setTried(false);
    onClose();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setTried(true);
    if (problem) return;
    onCreate(name);
    setName('');
    setTried(false);
  }

  return (
    <Dialog open={open} onOpenChange={(_, data) => (!data.open ? close() : undefined)}>
      <DialogSurface>
        <form onSubmit={submit} noValidate>
          <DialogBody>
            <DialogTitle>New folder</DialogTitle>
            <DialogContent>
              <Field
                label="Folder name"
                required
                validationMessage={tried || (name && problem !== 'Enter a name.') ? (problem ?? undefined) : undefined}
                hint="The folder stays here while this tab is open; it is saved once a file is uploaded into it."
              >
                <Input
                  value={name}
                  autoFocus
                  spellCheck={false}
                  autoComplete="off"
                  onChange={(_, data) => setName(data.value)}
                />
              </Field>
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={close}>
                Cancel
              </Button>
              <Button appearance="primary" type="submit">
                Create and open
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}

import { Field, Input, Text } from '@fluentui/react-components';
import { useState } from 'react';

import { ConfirmDialog } from '@/components/confirm-dialog';
import { useDeleteContainer } from '@/features/browse/api/containers';

/** Deleting a container: names it, and asks for its name typed out before the button works. */
export function DeleteContainerDialog({
  connectionId,
  container,
  onClose,
}: {
  connectionId: number;
  container: string | null;
  onClose: () => void;
}) {
  const [typed, setTyped] = useState('');
  const remove = useDeleteContainer(connectionId);

  function close() {
    setTyped('');
    remove.reset();
    onClose();
  }

  return (
    <ConfirmDialog
      open={container !== null}
      title={`Delete the container “${container ?? ''}”?`}
      confirmLabel="Delete container"
      busy={remove.isPending}
      confirmDisabled={typed !== container}
      error={remove.error}
      onCancel={close}
      onConfirm={() => {
        if (container && typed === container) remove.mutate(container, { onSuccess: close });
      }}
    >
      <Text block>
        Every blob in <strong>{container}</strong> is deleted with it. This cannot be undone.
      </Text>
      <Field label="Type the container's name to confirm" style={{ marginTop: 12, marginBottom: 8 }}>
        <Input
          value={typed}
          spellCheck={false}
          autoComplete="off"
          onChange={(_, data) => setTyped(data.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && container && typed === container)
              remove.mutate(container, { onSuccess: close });
          }}
        />
      </Field>
    </ConfirmDialog>
  );
}

import {
  Button,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  Text,
  tokens,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import { AddRegular, DesktopRegular, DismissRegular, PlugConnectedRegular } from '@fluentui/react-icons';
import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';

import { ConfirmDialog } from '@/components/confirm-dialog';
import { EmptyState } from '@/components/empty-state';
import { ErrorState } from '@/components/error-state';
import { PageSkeleton } from '@/components/page-skeleton';
import { useDeleteConnection } from '@/features/connections/api/delete-connection';
import { ConnectionForm } from '@/features/connections/components/connection-form';
import { ConnectionList } from '@/features/connections/components/connection-list';
import { emulatorValues } from '@/features/connections/form/connection-form-values';
import { connectionsQuery, sortConnections, type Connection } from '@/lib/api/connections';
import { serverInfoQuery } from '@/lib/api/meta';
import { formatCount } from '@/lib/format';
import { useMediaQuery } from '@/lib/hooks/use-media-query';

const useStyles = makeStyles({
  page: {
    boxSizing: 'border-box',
    padding: `${tokens.spacingVerticalXXL} ${tokens.spacingHorizontalXXL}`,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalL,
    maxWidth: '1400px',
    '@media (max-width: 760px)': { padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalM}` },
  },
  header: {
    display: 'flex',
    alignItems: 'flex-start',
    justifyContent: 'space-between',
    gap: tokens.spacingHorizontalL,
    flexWrap: 'wrap',
  },
  heading: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, minWidth: 0, flex: '1 1 320px' },
  title: { margin: 0 },
  lead: { color: tokens.colorNeutralForeground2, maxWidth: '640px' },
  headerActions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  count: { color: tokens.colorNeutralForeground3 },
  emptyActions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap', justifyContent: 'center' },
});

/** Which form the URL asks for: `?new=1`, `?new=emulator` or `?edit={id}`. */
type FormTarget = { kind: 'new' } | { kind: 'emulator' } | { kind: 'edit'; id: number } | null;

function formTargetOf(params: URLSearchParams): FormTarget {
  const edit = Number(params.get('edit'));
  if (Number.isInteger(edit) && edit > 0) return { kind: 'edit', id: edit };
  const add = params.get('new');
  if (add === 'emulator') return { kind: 'emulator' };
  if (add !== null) return { kind: 'new' };
  return null;
}

/** The user's connections: add, edit, test, enable/disable, delete, and browse one. */
export default function ConnectionsPage() {
  const styles = useStyles();
  const narrow = useMediaQuery('(max-width: 760px)');
  const [params, setParams] = useSearchParams();
  const connections = useQuery(connectionsQuery());
  const meta = useQuery(serverInfoQuery());
  const remove = useDeleteConnection();
  const [deleting, setDeleting] = useState<Connection | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [autoTestId, setAutoTestId] = useState<number | null>(null);
  const clearAutoTest = useCallback(() => setAutoTestId(null), []);

  useEffect(() => {
    document.title = 'Connections · Cerulean';
  }, []);

  const target = formTargetOf(params);
  const emulator = meta.data?.local_emulator ?? null;
  const items = connections.data ? sortConnections(connections.data.items) : [];
  const editing = target?.kind === 'edit' ? items.find((c) => c.id === target.id) : undefined;
  const formOpen =
    target?.kind === 'new' ||
    (target?.kind === 'emulator' && emulator !== null) ||
    (target?.kind === 'edit' && editing !== undefined);

  const openForm = (next: { new?: string; edit?: number }) => {
    setFlash(null);
    setParams(
      (p) => {
        const out = new URLSearchParams(p);
        out.delete('new');
        out.delete('edit');
        if (next.new) out.set('new', next.new);
        if (next.edit) out.set('edit', String(next.edit));
        return out;
      },
      { replace: true },
    );
  };
  const closeForm = () => openForm({});

  // Focus goes back to the button that opened the form (or the confirmation) when it closes.
  const restoreFocusTarget = useRestoreFocusTarget();
  const addButtons = (
    <>
      {emulator ? (
        <Button {...restoreFocusTarget} icon={<DesktopRegular />} onClick={() => openForm({ new: 'emulator' })}>
          Add local emulator
        </Button>
      ) : null}
      <Button {...restoreFocusTarget} appearance="primary" icon={<AddRegular />} onClick={() => openForm({ new: '1' })}>
        Add connection
      </Button>
    </>
  );

  return (
    <div className={styles.page}>
      <div className={styles.header}>
        <div className={styles.heading}>
          <Text as="h1" size={700} weight="semibold" className={styles.title}>
            Connections
          </Text>
          <Text className={styles.lead}>
            Each connection is a storage account and how Cerulean signs in to it. Secrets are stored encrypted and never
            shown again.
          </Text>
        </div>
        {items.length > 0 ? <div className={styles.headerActions}>{addButtons}</div> : null}
      </div>

      {flash ? (
        <MessageBar intent="success" role="status">
          <MessageBarBody>{flash}</MessageBarBody>
          <MessageBarActions
            containerAction={
              <Button
                appearance="transparent"
                size="small"
                aria-label="Dismiss"
                icon={<DismissRegular />}
                onClick={() => setFlash(null)}
              />
            }
          />
        </MessageBar>
      ) : null}

      {connections.isPending ? (
        <PageSkeleton rows={4} label="Loading connections" />
      ) : connections.isError ? (
        <ErrorState
          title="Your connections could not be loaded"
          error={connections.error}
          onRetry={() => void connections.refetch()}
        />
      ) : items.length === 0 ? (
        <EmptyState
          icon={<PlugConnectedRegular />}
          title="Add your first connection"
          actions={<div className={styles.emptyActions}>{addButtons}</div>}
        >
          A connection points Cerulean at a storage account: paste a connection string, an account key or a SAS token,
          or sign in with Entra ID.
          {emulator ? ' This server also runs a local emulator you can try at once.' : null}
        </EmptyState>
      ) : (
        <>
          <Text size={200} className={styles.count} aria-live="polite">
            {formatCount(items.length, 'connection')}
            {items.some((c) => !c.is_active) ? `, ${items.filter((c) => !c.is_active).length} disabled` : ''}
          </Text>
          <ConnectionList
            connections={items}
            compact={narrow}
            autoTestId={autoTestId}
            onAutoTestStarted={clearAutoTest}
            onEdit={(c) => openForm({ edit: c.id })}
            onDelete={(c) => {
              remove.reset();
              setDeleting(c);
            }}
          />
        </>
      )}

      {formOpen ? (
        <ConnectionForm
          key={target?.kind === 'edit' ? `edit-${target.id}` : (target?.kind ?? 'none')}
          open
          connection={editing}
          initialValues={target?.kind === 'emulator' && emulator ? emulatorValues(emulator) : undefined}
          onClose={closeForm}
          onSaved={(saved, { created, credentialsChanged }) => {
            closeForm();
            setFlash(created ? `Added “${saved.name}”.` : `Saved “${saved.name}”.`);
            if (credentialsChanged && saved.is_active) setAutoTestId(saved.id);
          }}
        />
      ) : null}

      <ConfirmDialog
        open={deleting !== null}
        title={deleting ? `Delete “${deleting.name}”?` : 'Delete connection?'}
        confirmLabel="Delete connection"
        busy={remove.isPending}
        error={remove.error}
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          if (!deleting) return;
          const name = deleting.name;
          remove.mutate(deleting.id, {
            onSuccess: () => {
              setDeleting(null);
              setFlash(`Deleted “${name}”.`);
            },
          });
        }}
      >
        Cerulean forgets this connection and its stored credentials, and cancels and removes its sync jobs. Nothing in
        the storage account itself is deleted.
      </ConfirmDialog>
    </div>
  );
}

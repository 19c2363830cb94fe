import {
  makeStyles,
  mergeClasses,
  Menu,
  MenuButton,
  MenuDivider,
  MenuGroup,
  MenuGroupHeader,
  MenuItem,
  MenuItemRadio,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Skeleton,
  SkeletonItem,
  tokens,
} from '@fluentui/react-components';
import { AddRegular, DatabaseRegular, SettingsRegular } from '@fluentui/react-icons';
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useLocation, useNavigate } from 'react-router';

import { useSelectedConnectionId } from '@/features/connections/components/use-selected-connection-id';
import { connectionsQuery, sortConnections } from '@/lib/api/connections';
import { connectionPath, rememberConnection } from '@/lib/selected-connection';

const useStyles = makeStyles({
  trigger: { minWidth: 0, maxWidth: '260px', flexShrink: 1, justifyContent: 'flex-start' },
  compactTrigger: { maxWidth: '190px' },
  label: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', minWidth: 0 },
  popover: { maxWidth: 'min(360px, calc(100vw - 16px))' },
  list: { maxHeight: 'min(420px, 60vh)', overflowY: 'auto' },
  itemName: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', display: 'block' },
  disabled: { color: tokens.colorNeutralForeground3 },
});

/**
 * The header's connection picker: shows the selected connection and switches in one click (to
 * its containers, remembered for the next visit); "Manage connections" at the bottom.
 */
export function ConnectionSwitcher({ compact = false }: { compact?: boolean }) {
  const styles = useStyles();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const { id: selectedId, fromUrl } = useSelectedConnectionId();
  const connections = useQuery(connectionsQuery());
  const items = connections.data ? sortConnections(connections.data.items) : [];
  const selected = items.find((c) => c.id === selectedId);

  // Opening /c/{id} directly (a shared link, a reload) makes it the remembered one too.
  useEffect(() => {
    if (fromUrl && selected) rememberConnection(selected.id);
  }, [fromUrl, selected]);

  if (connections.isPending) {
    return (
      <Skeleton aria-label="Loading connections">
        <SkeletonItem style={{ width: compact ? '96px' : '160px', height: '28px' }} />
      </Skeleton>
    );
  }

  const label = selected
    ? selected.name
    : compact
      ? 'Connections'
      : items.length
        ? 'Choose a connection'
        : 'No connections';
  return (
    <Menu positioning="below-start" checkedValues={{ connection: selected ? [String(selected.id)] : [] }}>
      <MenuTrigger disableButtonEnhancement>
        <MenuButton
          appearance="subtle"
          className={mergeClasses(styles.trigger, compact && styles.compactTrigger)}
          icon={<DatabaseRegular />}
          aria-label={selected ? `Connection: ${selected.name}. Switch connection` : `${label}. Switch connection`}
          title={selected ? `${selected.name} (${selected.account_name})` : undefined}
        >
          <span className={styles.label}>{label}</span>
        </MenuButton>
      </MenuTrigger>
      <MenuPopover className={styles.popover}>
        <MenuList className={styles.list}>
          {connections.isError ? (
            <MenuItem disabled>Connections could not be loaded</MenuItem>
          ) : items.length ? (
            <MenuGroup>
              <MenuGroupHeader>Switch to</MenuGroupHeader>
              {items.map((c) => (
                <MenuItemRadio
                  key={c.id}
                  name="connection"
                  value={String(c.id)}
                  subText={c.is_active ? c.account_name : `${c.account_name} (disabled)`}
                  className={c.is_active ? undefined : styles.disabled}
                  onClick={() => {
                    rememberConnection(c.id);
                    navigate(connectionPath(c.id, pathname));
                  }}
                >
                  <span className={styles.itemName}>{c.name}</span>
                </MenuItemRadio>
              ))}
            </MenuGroup>
          ) : null}
          {items.length || connections.isError ? <MenuDivider /> : null}
          {items.length ? null : (
            <MenuItem icon={<AddRegular />} onClick={() => navigate('/connections?new=1')}>
              Add a connection
            </MenuItem>
          )}
          <MenuItem icon={<SettingsRegular />} onClick={() => navigate('/connections')}>
            Manage connections
          </MenuItem>
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}

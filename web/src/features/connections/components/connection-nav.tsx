import { Button, makeStyles, mergeClasses, Skeleton, SkeletonItem, Text, tokens } from '@fluentui/react-components';
import { AddRegular, DatabaseRegular } from '@fluentui/react-icons';
import { useQuery } from '@tanstack/react-query';
import { Link as RouterLink, useLocation } from 'react-router';

import { useSelectedConnectionId } from '@/features/connections/components/use-selected-connection-id';
import { connectionsQuery, sortConnections } from '@/lib/api/connections';
import { connectionPath, rememberConnection } from '@/lib/selected-connection';

const useStyles = makeStyles({
  root: { padding: `0 ${tokens.spacingHorizontalS} ${tokens.spacingVerticalM}` },
  heading: {
    display: 'block',
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalM}`,
    color: tokens.colorNeutralForeground3,
    fontWeight: tokens.fontWeightSemibold,
  },
  list: { listStyle: 'none', margin: 0, padding: 0 },
  link: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    padding: `${tokens.spacingVerticalSNudge} ${tokens.spacingHorizontalM}`,
    borderRadius: tokens.borderRadiusMedium,
    color: tokens.colorNeutralForeground1,
    textDecoration: 'none',
    minWidth: 0,
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
    ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}`, outlineOffset: '-2px' },
  },
  selected: {
    backgroundColor: tokens.colorNeutralBackground1Selected,
    color: tokens.colorNeutralForeground1Selected,
    fontWeight: tokens.fontWeightSemibold,
    boxShadow: `inset 3px 0 0 ${tokens.colorBrandStroke1}`,
  },
  // Foreground3 keeps 4.5:1 on the selected background too (Foreground4 did not).
  inactive: { color: tokens.colorNeutralForeground3 },
  icon: { flexShrink: 0, fontSize: '16px' },
  name: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', minWidth: 0 },
  suffix: { flexShrink: 0, fontSize: tokens.fontSizeBase200 },
  add: { color: tokens.colorBrandForeground1 },
  error: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    gap: tokens.spacingVerticalXS,
    padding: `0 ${tokens.spacingHorizontalM}`,
  },
});

/** The user's connections in the left column: each a link to its containers, the selected one marked. */
export function ConnectionNav(_props: { compact?: boolean }) {
  const styles = useStyles();
  const { id: selectedId, fromUrl } = useSelectedConnectionId();
  const connections = useQuery(connectionsQuery());
  const items = connections.data ? sortConnections(connections.data.items) : [];
  // In the sync section, a connection's link opens its sync jobs; elsewhere its containers.
  const { pathname } = useLocation();

  return (
    <div className={styles.root}>
      <Text size={200} className={styles.heading} id="connection-nav-heading">
        Your connections
      </Text>
      {connections.isPending ? (
        <Skeleton aria-label="Loading connections" style={{ padding: `0 ${tokens.spacingHorizontalM}` }}>
          {[0, 1, 2].map((i) => (
            <SkeletonItem key={i} size={16} style={{ margin: '8px 0', width: `${80 - i * 15}%` }} />
          ))}
        </Skeleton>
      ) : connections.isError ? (
        <div className={styles.error}>
          <Text size={200}>Connections could not be loaded.</Text>
          <Button size="small" onClick={() => void connections.refetch()}>
            Retry
          </Button>
        </div>
      ) : null}
      <ul className={styles.list} aria-labelledby="connection-nav-heading">
        {items.map((c) => {
          const isSelected = c.id === selectedId;
          return (
            <li key={c.id}>
              <RouterLink
                to={connectionPath(c.id, pathname)}
                onClick={() => rememberConnection(c.id)}
                aria-current={isSelected ? (fromUrl ? 'page' : 'true') : undefined}
                className={mergeClasses(styles.link, isSelected && styles.selected, !c.is_active && styles.inactive)}
                title={`${c.name}: ${c.account_name}${c.is_active ? '' : ' (disabled)'}`}
              >
                <DatabaseRegular className={styles.icon} aria-hidden />
                <span className={styles.name}>{c.name}</span>
                {c.is_active ? null : <span className={styles.suffix}>(disabled)</span>}
              </RouterLink>
            </li>
          );
        })}
        <li>
          <RouterLink to="/connections?new=1" className={mergeClasses(styles.link, styles.add)}>
            <AddRegular className={styles.icon} aria-hidden />
            <span className={styles.name}>Add connection</span>
          </RouterLink>
        </li>
      </ul>
    </div>
  );
}

import {
  Button,
  makeStyles,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  mergeClasses,
  tokens,
} from '@fluentui/react-components';
import { ChevronRightRegular, MoreHorizontalRegular } from '@fluentui/react-icons';
import { useNavigate, Link as RouterLink } from 'react-router';

import { connectionPath, locationPath } from '@/lib/paths';

const useStyles = makeStyles({
  nav: { minWidth: 0, overflow: 'hidden', padding: '2px', marginLeft: '-6px' },
  list: {
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'nowrap',
    gap: tokens.spacingHorizontalXXS,
    listStyle: 'none',
    margin: 0,
    padding: 0,
    minWidth: 0,
    fontSize: tokens.fontSizeBase400,
    lineHeight: tokens.lineHeightBase400,
  },
  item: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalXXS, minWidth: 0, flexShrink: 1 },
  keep: { flexShrink: 0 },
  link: {
    display: 'block',
    maxWidth: '24ch',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    padding: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalXS}`,
    borderRadius: tokens.borderRadiusMedium,
    color: tokens.colorNeutralForeground2,
    textDecoration: 'none',
    ':hover': { backgroundColor: tokens.colorSubtleBackgroundHover, color: tokens.colorNeutralForeground1 },
    ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}` },
  },
  current: { color: tokens.colorNeutralForeground1, fontWeight: tokens.fontWeightSemibold, maxWidth: '40ch' },
  separator: { color: tokens.colorNeutralForeground3, flexShrink: 0, fontSize: '12px' },
});

interface Crumb {
  label: string;
  to: string;
}

/**
 * Where the user is: connection > container > each folder, every part a link. Long paths
 * fold their middle parts into a "…" menu so the first and last parts stay readable.
 */
export function LocationBreadcrumb({
  connectionId,
  connectionName,
  container,
  prefix,
  narrow,
}: {
  connectionId: number;
  connectionName?: string;
  container: string;
  prefix: string;
  narrow?: boolean;
}) {
  const styles = useStyles();
  const navigate = useNavigate();
  const folders = prefix ? prefix.slice(0, -1).split('/') : [];
  const crumbs: Crumb[] = [
    { label: connectionName ?? 'Connection', to: connectionPath(connectionId) },
    { label: container, to: locationPath({ connectionId, container, prefix: '' }) },
    ...folders.map((folder, i) => ({
      label: folder || '(empty name)',
      to: locationPath({ connectionId, container, prefix: `${folders.slice(0, i + 1).join('/')}/` }),
    })),
  ];
  // Keep the connection (and the container, when there is room) and the last one or two
  // folders; fold the rest.
  const keepHead = narrow ? 1 : 2;
  const keepTail = narrow ? 1 : 2;
  const limit = narrow ? 3 : 6;
  const folded = crumbs.length > limit ? crumbs.slice(keepHead, crumbs.length - keepTail) : [];
  const shown = folded.length
    ? [...crumbs.slice(0, keepHead), null, ...crumbs.slice(crumbs.length - keepTail)]
    : crumbs;

  return (
    <nav aria-label="Location" className={styles.nav}>
      <ol className={styles.list}>
        {shown.map((crumb, i) => {
          const last = i === shown.length - 1;
          if (crumb === null) {
            return (
              <li key="folded" className={mergeClasses(styles.item, styles.keep)}>
                <Menu>
                  <MenuTrigger disableButtonEnhancement>
                    <Button
                      appearance="subtle"
                      size="small"
                      icon={<MoreHorizontalRegular />}
                      aria-label={`${folded.length} more levels`}
                    />
                  </MenuTrigger>
                  <MenuPopover>
                    <MenuList>
                      {folded.map((f) => (
                        <MenuItem key={f.to} onClick={() => navigate(f.to)}>
                          {f.label}
                        </MenuItem>
                      ))}
                    </MenuList>
                  </MenuPopover>
                </Menu>
                <ChevronRightRegular className={styles.separator} aria-hidden />
              </li>
            );
          }
          return (
            <li key={crumb.to} className={styles.item} style={last ? { flexShrink: 0.3 } : undefined}>
              <RouterLink
                to={crumb.to}
                className={mergeClasses(styles.link, last && styles.current)}
                aria-current={last ? 'page' : undefined}
                title={crumb.label}
              >
                {crumb.label}
              </RouterLink>
              {last ? null : <ChevronRightRegular className={styles.separator} aria-hidden />}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

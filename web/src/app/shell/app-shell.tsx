import {
  Button,
  Drawer,
  DrawerBody,
  DrawerHeader,
  DrawerHeaderTitle,
  makeStyles,
  mergeClasses,
  Text,
  tokens,
} from '@fluentui/react-components';
import { CloudRegular, Dismiss24Regular, NavigationRegular } from '@fluentui/react-icons';
import { useEffect, useState } from 'react';
import { Link as RouterLink, Outlet, useLocation } from 'react-router';

import { SideNav } from '@/app/shell/side-nav';
import { AccountMenu } from '@/features/auth/components/account-menu';
import { PathBox } from '@/features/browse/components/path-box';
import { ConnectionSwitcher } from '@/features/connections/components/connection-switcher';
import { TransferPanel } from '@/features/transfers/components/transfer-panel';
import { useSessionExpiryRedirect } from '@/app/shell/use-session-expiry-redirect';
import { useMediaQuery } from '@/lib/hooks/use-media-query';

const useStyles = makeStyles({
  root: {
    display: 'grid',
    gridTemplateRows: 'auto 1fr auto',
    gridTemplateColumns: '220px minmax(0, 1fr)',
    gridTemplateAreas: '"header header" "nav main" "nav transfers"',
    height: '100vh',
    backgroundColor: tokens.colorNeutralBackground2,
  },
  narrow: {
    gridTemplateColumns: 'minmax(0, 1fr)',
    gridTemplateAreas: '"header" "main" "transfers"',
  },
  header: {
    gridArea: 'header',
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalM,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}`,
    backgroundColor: tokens.colorNeutralBackground1,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    minWidth: 0,
  },
  brand: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    color: tokens.colorBrandForeground1,
    textDecoration: 'none',
    flexShrink: 0,
  },
  brandIcon: { fontSize: '24px' },
  pathBox: { flexGrow: 1, minWidth: 0, maxWidth: '720px' },
  spacer: { flexGrow: 1 },
  nav: {
    gridArea: 'nav',
    overflowY: 'auto',
    backgroundColor: tokens.colorNeutralBackground1,
    borderRight: `1px solid ${tokens.colorNeutralStroke2}`,
  },
  main: { gridArea: 'main', overflow: 'auto', minWidth: 0, backgroundColor: tokens.colorNeutralBackground1 },
  transfers: { gridArea: 'transfers', minWidth: 0 },
});

/**
 * The signed-in frame: header (brand, connection switcher, path box, account), the sections
 * and connections at the left (a drawer at phone width), the page, and the transfer panel
 * that stays across pages.
 */
export function AppShell() {
  const styles = useStyles();
  const narrow = useMediaQuery('(max-width: 760px)');
  const [drawerOpen, setDrawerOpen] = useState(false);
  const location = useLocation();
  useSessionExpiryRedirect();
  useEffect(() => setDrawerOpen(false), [location.pathname]);

  return (
    <div className={mergeClasses(styles.root, narrow && styles.narrow)}>
      <header className={styles.header}>
        {narrow ? (
          <Button
            appearance="subtle"
            icon={<NavigationRegular />}
            aria-label="Open navigation"
            onClick={() => setDrawerOpen(true)}
          />
        ) : null}
        <RouterLink to="/" className={styles.brand} aria-label="Cerulean home">
          <CloudRegular className={styles.brandIcon} />
          {narrow ? null : (
            <Text weight="semibold" size={400}>
              Cerulean
            </Text>
          )}
        </RouterLink>
        <ConnectionSwitcher compact={narrow} />
        {narrow ? (
          <span className={styles.spacer} />
        ) : (
          <div className={styles.pathBox}>
            <PathBox />
          </div>
        )}
        {narrow ? null : <span className={styles.spacer} />}
        <AccountMenu />
      </header>
      {narrow ? (
        <Drawer type="overlay" open={drawerOpen} onOpenChange={(_, data) => setDrawerOpen(data.open)}>
          <DrawerHeader>
            <DrawerHeaderTitle
              action={
                <Button
                  appearance="subtle"
                  aria-label="Close navigation"
                  icon={<Dismiss24Regular />}
                  onClick={() => setDrawerOpen(false)}
                />
              }
            >
              Cerulean
            </DrawerHeaderTitle>
          </DrawerHeader>
          <DrawerBody>
            <PathBox />
            <SideNav />
          </DrawerBody>
        </Drawer>
      ) : (
        <nav className={styles.nav} aria-label="Sections and connections">
          <SideNav />
        </nav>
      )}
      <main className={styles.main} id="main">
        <Outlet />
      </main>
      <div className={styles.transfers}>
        <TransferPanel />
      </div>
    </div>
  );
}

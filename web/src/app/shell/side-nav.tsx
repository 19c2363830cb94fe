import { makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import {
  ArrowSyncRegular,
  FolderRegular,
  HistoryRegular,
  PlugConnectedRegular,
  SettingsRegular,
} from '@fluentui/react-icons';
import type { ReactNode } from 'react';
import { NavLink, useLocation } from 'react-router';

import { ConnectionNav } from '@/features/connections/components/connection-nav';
import { rememberedConnection } from '@/lib/selected-connection';

const useStyles = makeStyles({
  list: { listStyle: 'none', margin: 0, padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalS}` },
  link: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    padding: `${tokens.spacingVerticalSNudge} ${tokens.spacingHorizontalM}`,
    borderRadius: tokens.borderRadiusMedium,
    color: tokens.colorNeutralForeground1,
    textDecoration: 'none',
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
    ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}` },
  },
  icon: { display: 'inline-flex', fontSize: '20px' },
  // Neutral text on the selected background keeps 4.5:1 in both themes; the brand colour
  // marks it through the icon and the bar at the left.
  active: {
    backgroundColor: tokens.colorNeutralBackground1Selected,
    fontWeight: tokens.fontWeightSemibold,
    color: tokens.colorNeutralForeground1Selected,
    boxShadow: `inset 3px 0 0 ${tokens.colorBrandStroke1}`,
  },
  divider: { borderTop: `1px solid ${tokens.colorNeutralStroke2}`, margin: `${tokens.spacingVerticalS} 0` },
});

function Section({
  to,
  icon,
  children,
  end,
  activeWhen,
}: {
  to: string;
  icon: ReactNode;
  children: ReactNode;
  end?: boolean;
  /** Overrides the router's idea of "active" (Browse is active anywhere under /c/). */
  activeWhen?: boolean;
}) {
  const styles = useStyles();
  return (
    <li>
      <NavLink
        to={to}
        end={end}
        className={({ isActive }) => mergeClasses(styles.link, (activeWhen ?? isActive) && styles.active)}
        aria-current={activeWhen === undefined ? undefined : activeWhen ? 'page' : false}
      >
        <span aria-hidden className={styles.icon}>
          {icon}
        </span>
        {children}
      </NavLink>
    </li>
  );
}

/** The sections, then the user's connections (the selected one marked). */
export function SideNav() {
  const styles = useStyles();
  const connection = rememberedConnection();
  const { pathname } = useLocation();
  return (
    <>
      <ul className={styles.list}>
        <Section
          to={connection ? `/c/${connection}` : '/connections'}
          icon={<FolderRegular />}
          activeWhen={pathname.startsWith('/c/')}
        >
          Browse
        </Section>
        <Section
          to={connection ? `/sync/${connection}` : '/connections'}
          icon={<ArrowSyncRegular />}
          activeWhen={pathname === '/sync' || pathname.startsWith('/sync/')}
        >
          Sync jobs
        </Section>
        <Section to="/connections" icon={<PlugConnectedRegular />} end>
          Connections
        </Section>
        <Section to="/activity" icon={<HistoryRegular />}>
          Activity
        </Section>
        <Section to="/settings" icon={<SettingsRegular />}>
          Settings
        </Section>
      </ul>
      <div className={styles.divider} />
      <ConnectionNav />
    </>
  );
}

import { makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { FolderRegular, PlugConnectedRegular, SettingsRegular } from '@fluentui/react-icons';
import type { ReactNode } from 'react';
import { NavLink } from 'react-router';

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
  active: {
    backgroundColor: tokens.colorNeutralBackground1Selected,
    fontWeight: tokens.fontWeightSemibold,
    color: tokens.colorBrandForeground1,
  },
  divider: { borderTop: `1px solid ${tokens.colorNeutralStroke2}`, margin: `${tokens.spacingVerticalS} 0` },
});

function Section({ to, icon, children, end }: { to: string; icon: ReactNode; children: ReactNode; end?: boolean }) {
  const styles = useStyles();
  return (
    <li>
      <NavLink to={to} end={end} className={({ isActive }) => mergeClasses(styles.link, isActive && styles.active)}>
        <span aria-hidden>{icon}</span>
        {children}
      </NavLink>
    </li>
  );
}

/** The sections, then the user's connections (the selected one marked). */
export function SideNav() {
  const styles = useStyles();
  const connection = rememberedConnection();
  return (
    <>
      <ul className={styles.list}>
        <Section to={connection ? `/c/${connection}` : '/connections'} icon={<FolderRegular />}>
          Browse
        </Section>
        <Section to="/connections" icon={<PlugConnectedRegular />} end>
          Connections
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

import {
  Avatar,
  Button,
  makeStyles,
  mergeClasses,
  Menu,
  MenuDivider,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Skeleton,
  SkeletonItem,
  Text,
  tokens,
} from '@fluentui/react-components';
import { SettingsRegular, SignOutRegular } from '@fluentui/react-icons';
import { useNavigate } from 'react-router';

import { useCurrentUser } from '@/features/auth/api/current-user';
import { endSession } from '@/lib/auth/session';
import { useMediaQuery } from '@/lib/hooks/use-media-query';

const useStyles = makeStyles({
  trigger: {
    minWidth: 0,
    maxWidth: '240px',
    flexShrink: 0,
    paddingLeft: tokens.spacingHorizontalXS,
    paddingRight: tokens.spacingHorizontalS,
  },
  content: { display: 'inline-flex', alignItems: 'center', gap: tokens.spacingHorizontalS, minWidth: 0 },
  name: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  visuallyHidden: {
    position: 'absolute',
    width: '1px',
    height: '1px',
    margin: '-1px',
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
  },
  who: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXXS,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    maxWidth: '280px',
  },
  whoLine: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  email: { color: tokens.colorNeutralForeground2 },
});

/** The header's account button: who is signed in, Settings, Sign out. */
export function AccountMenu({ compact: compactProp }: { compact?: boolean }) {
  const styles = useStyles();
  const navigate = useNavigate();
  const narrow = useMediaQuery('(max-width: 760px)');
  const compact = compactProp ?? narrow;
  const user = useCurrentUser();

  if (user.isPending) {
    return (
      <Skeleton aria-label="Loading your account">
        <SkeletonItem shape="circle" size={28} />
      </Skeleton>
    );
  }

  const name = user.data?.full_name || user.data?.email || 'Your account';
  return (
    <Menu positioning="below-end">
      <MenuTrigger disableButtonEnhancement>
        {/* Named by its content, not aria-label: the avatar's initials are visible text too. */}
        <Button appearance="subtle" className={styles.trigger}>
          <span className={styles.content}>
            <Avatar name={user.data ? name : undefined} size={28} color="colorful" aria-hidden />
            <span className={styles.visuallyHidden}>Account: </span>
            <span className={compact ? styles.visuallyHidden : styles.name}>{name}</span>
          </span>
        </Button>
      </MenuTrigger>
      <MenuPopover>
        {user.data ? (
          <div className={styles.who}>
            <Text weight="semibold" className={styles.whoLine}>
              {user.data.full_name || user.data.email}
            </Text>
            {user.data.full_name ? (
              <Text size={200} className={mergeClasses(styles.whoLine, styles.email)}>
                {user.data.email}
              </Text>
            ) : null}
          </div>
        ) : null}
        <MenuList>
          {user.data ? <MenuDivider /> : null}
          <MenuItem icon={<SettingsRegular />} onClick={() => navigate('/settings')}>
            Settings
          </MenuItem>
          <MenuItem icon={<SignOutRegular />} onClick={() => endSession('signed_out')}>
            Sign out
          </MenuItem>
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}

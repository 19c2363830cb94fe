import {
  makeStyles,
  Menu,
  MenuDivider,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Overflow,
  OverflowItem,
  Toolbar,
  ToolbarButton,
  tokens,
  Tooltip,
  useIsOverflowItemVisible,
  useOverflowMenu,
} from '@fluentui/react-components';
import {
  ArrowClockwiseRegular,
  ArrowDownloadRegular,
  ArrowUploadRegular,
  ChevronDownRegular,
  CopyRegular,
  DeleteRegular,
  DocumentArrowUpRegular,
  FolderAddRegular,
  FolderArrowRightRegular,
  FolderArrowUpRegular,
  InfoRegular,
  KeyboardRegular,
  MoreHorizontalRegular,
  ShareRegular,
} from '@fluentui/react-icons';
import type { ReactElement } from 'react';

const useStyles = makeStyles({
  toolbar: {
    minWidth: 0,
    flexWrap: 'nowrap',
    padding: 0,
    gap: tokens.spacingHorizontalXXS,
    marginLeft: `calc(-1 * ${tokens.spacingHorizontalS})`,
  },
  danger: { color: tokens.colorPaletteRedForeground1 },
});

export interface Command {
  id: string;
  label: string;
  icon: ReactElement;
  onClick?: () => void;
  /** A small menu instead of an action (Upload: files or a folder). */
  menu?: { id: string; label: string; icon: ReactElement; onClick: () => void }[];
  disabled?: boolean;
  /** Why it is disabled, or what it does (tooltip). */
  hint?: string;
  danger?: boolean;
  /** Shown as an icon only while the bar has room for labels too (Refresh, shortcuts). */
  iconOnly?: boolean;
}

function CommandButton({ command }: { command: Command }) {
  const styles = useStyles();
  const button = (
    <ToolbarButton
      icon={command.icon}
      disabled={command.disabled}
      onClick={command.onClick}
      className={command.danger && !command.disabled ? styles.danger : undefined}
      aria-label={command.iconOnly ? command.label : undefined}
      aria-keyshortcuts={command.id === 'delete' ? 'Delete' : undefined}
    >
      {command.iconOnly ? null : command.label}
      {command.menu ? <ChevronDownRegular style={{ marginLeft: 4, fontSize: 12 }} aria-hidden /> : null}
    </ToolbarButton>
  );
  if (command.menu) {
    return (
      <Menu>
        <MenuTrigger disableButtonEnhancement={false}>{button}</MenuTrigger>
        <MenuPopover>
          <MenuList>
            {command.menu.map((item) => (
              <MenuItem key={item.id} icon={item.icon} onClick={item.onClick}>
                {item.label}
              </MenuItem>
            ))}
          </MenuList>
        </MenuPopover>
      </Menu>
    );
  }
  if (command.iconOnly || (command.disabled && command.hint)) {
    return (
      <Tooltip
        content={command.disabled && command.hint ? command.hint : command.label}
        relationship={command.iconOnly ? 'label' : 'description'}
      >
        {button}
      </Tooltip>
    );
  }
  return button;
}

function OverflowMenuItem({ command }: { command: Command }) {
  const visible = useIsOverflowItemVisible(command.id);
  if (visible) return null;
  if (command.menu) {
    return (
      <>
        {command.menu.map((item) => (
          <MenuItem key={item.id} icon={item.icon} onClick={item.onClick} disabled={command.disabled}>
            {item.label}
          </MenuItem>
        ))}
        <MenuDivider />
      </>
    );
  }
  return (
    <MenuItem icon={command.icon} onClick={command.onClick} disabled={command.disabled}>
      {command.label}
    </MenuItem>
  );
}

function OverflowMenu({ commands }: { commands: Command[] }) {
  const { ref, isOverflowing } = useOverflowMenu<HTMLButtonElement>();
  if (!isOverflowing) return null;
  return (
    <Menu>
      <MenuTrigger disableButtonEnhancement={false}>
        <ToolbarButton ref={ref} icon={<MoreHorizontalRegular />} aria-label="More actions" />
      </MenuTrigger>
      <MenuPopover>
        <MenuList>
          {commands.map((command) => (
            <OverflowMenuItem key={command.id} command={command} />
          ))}
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}

/**
 * The actions on the selection, in one toolbar; those that do not fit go into a "More
 * actions" menu (at phone width most of them).
 */
export function CommandBar({ commands, label }: { commands: Command[]; label: string }) {
  const styles = useStyles();
  return (
    <Overflow padding={48}>
      <Toolbar aria-label={label} className={styles.toolbar} size="medium">
        {commands.map((command, i) => (
          <OverflowItem key={command.id} id={command.id} priority={commands.length - i}>
            <span>
              <CommandButton command={command} />
            </span>
          </OverflowItem>
        ))}
        <OverflowMenu commands={commands} />
      </Toolbar>
    </Overflow>
  );
}

/** The icons of the browser's commands, shared with the keyboard shortcuts' list. */
export const commandIcons = {
  upload: <ArrowUploadRegular />,
  uploadFiles: <DocumentArrowUpRegular />,
  uploadFolder: <FolderArrowUpRegular />,
  newFolder: <FolderAddRegular />,
  download: <ArrowDownloadRegular />,
  copy: <CopyRegular />,
  move: <FolderArrowRightRegular />,
  share: <ShareRegular />,
  properties: <InfoRegular />,
  delete: <DeleteRegular />,
  refresh: <ArrowClockwiseRegular />,
  shortcuts: <KeyboardRegular />,
};

import {
  Badge,
  Button,
  Card,
  makeStyles,
  mergeClasses,
  Spinner,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Tooltip,
  tokens,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import {
  ArrowSyncRegular,
  DeleteRegular,
  EditRegular,
  FolderOpenRegular,
  PlugConnectedRegular,
} from '@fluentui/react-icons';
import { useEffect, useRef, type ReactElement, type ReactNode } from 'react';
import { useNavigate } from 'react-router';

import { AppLink } from '@/components/app-link';
import { useTestConnection } from '@/features/connections/api/test-connection';
import { useUpdateConnection } from '@/features/connections/api/update-connection';
import { ConnectionTestResultView } from '@/features/connections/components/connection-test-result';
import { authTypeLabels, type Connection } from '@/lib/api/connections';
import { rememberConnection } from '@/lib/selected-connection';

const useStyles = makeStyles({
  // Flex rows (Fluent's noNativeElements table, with its ARIA roles): text columns share the
  // width, the switch and the actions keep theirs.
  colName: { flexGrow: 1.9, flexBasis: 0 },
  colAuth: { flexGrow: 2, flexBasis: 0 },
  colAccount: { flexGrow: 2.7, flexBasis: 0 },
  colContainer: { flexGrow: 1.4, flexBasis: 0 },
  colEnabled: { flexGrow: 0, flexShrink: 0, flexBasis: '76px' },
  colActions: { flexGrow: 0, flexShrink: 0, flexBasis: '260px', justifyContent: 'flex-end' },
  colWhole: { flexGrow: 1, flexBasis: '100%' },
  name: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    minWidth: 0,
  },
  nameLink: {
    fontWeight: tokens.fontWeightSemibold,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    minWidth: 0,
  },
  badge: { flexShrink: 0 },
  cellText: { display: 'block', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  stacked: { display: 'flex', flexDirection: 'column', minWidth: 0, padding: `${tokens.spacingVerticalXS} 0` },
  secondary: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
  none: { color: tokens.colorNeutralForeground4 },
  // A disabled connection's facts are greyed; its switch and actions stay as they are.
  dimmed: { color: tokens.colorNeutralForeground3 },
  dimmedLink: { color: tokens.colorNeutralForeground3 },
  actions: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalXS,
    justifyContent: 'flex-end',
    flexWrap: 'nowrap',
  },
  resultRow: {
    borderBottomStyle: 'none',
    ':hover': { backgroundColor: 'transparent' },
    ':active': { backgroundColor: 'transparent' },
  },
  hasResult: { borderBottomStyle: 'none' },
  resultCell: { padding: `0 ${tokens.spacingHorizontalS} ${tokens.spacingVerticalS}`, display: 'block' },
  // Phone width: one card per connection.
  cards: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    listStyle: 'none',
    margin: 0,
    padding: 0,
  },
  card: { gap: tokens.spacingVerticalS },
  cardTop: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: tokens.spacingHorizontalS,
    minWidth: 0,
  },
  cardFacts: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, minWidth: 0 },
  cardActions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  visuallyHidden: {
    position: 'absolute',
    width: '1px',
    height: '1px',
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
  },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
});

interface ItemProps {
  connection: Connection;
  /** Run a test as soon as the row appears (just added or changed). */
  autoTest: boolean;
  onAutoTestStarted: () => void;
  onEdit: (connection: Connection) => void;
  onDelete: (connection: Connection) => void;
}

/** What each row does: test in place, enable/disable, browse. */
function useConnectionItem({ connection, autoTest, onAutoTestStarted }: ItemProps) {
  const navigate = useNavigate();
  const test = useTestConnection();
  const toggle = useUpdateConnection();
  const started = useRef(false);
  const startTest = test.mutate;
  useEffect(() => {
    if (!autoTest) {
      started.current = false;
      return;
    }
    if (started.current) return;
    started.current = true;
    onAutoTestStarted();
    startTest(connection.id);
  }, [autoTest, connection.id, onAutoTestStarted, startTest]);

  const browse = () => {
    rememberConnection(connection.id);
    navigate(`/c/${connection.id}`);
  };
  const sync = () => {
    rememberConnection(connection.id);
    navigate(`/sync/${connection.id}`);
  };
  const runTest = () => {
    toggle.reset();
    test.mutate(connection.id);
  };
  const setActive = (active: boolean) => {
    test.reset();
    toggle.mutate({ id: connection.id, body: { is_active: active } });
  };
  const showResult = test.isPending || test.isSuccess || test.isError || toggle.isError;
  const result: ReactNode = toggle.isError ? (
    <ConnectionTestResultView
      name={connection.name}
      pending={false}
      error={toggle.error}
      failureHeadline={`“${connection.name}” was not ${toggle.variables?.body.is_active ? 'enabled' : 'disabled'}`}
      onDismiss={() => toggle.reset()}
    />
  ) : (
    <ConnectionTestResultView
      name={connection.name}
      pending={test.isPending}
      result={test.data}
      error={test.error ?? undefined}
      onDismiss={() => test.reset()}
    />
  );
  return { browse, sync, runTest, setActive, test, toggle, showResult, result };
}

function EnabledSwitch({
  connection,
  toggle,
  setActive,
}: {
  connection: Connection;
  toggle: ReturnType<typeof useUpdateConnection>;
  setActive: (v: boolean) => void;
}) {
  // While the PATCH runs, show where it is going.
  const checked =
    toggle.isPending && toggle.variables ? Boolean(toggle.variables.body.is_active) : connection.is_active;
  return (
    <Tooltip
      content={connection.is_active ? 'Enabled: click to disable' : 'Disabled: click to enable'}
      relationship="description"
    >
      <Switch
        aria-label={`Enabled: ${connection.name}`}
        checked={checked}
        disabled={toggle.isPending}
        onChange={(_, data) => setActive(data.checked)}
      />
    </Tooltip>
  );
}

function TestButton({
  connection,
  pending,
  onClick,
}: {
  connection: Connection;
  pending: boolean;
  onClick: () => void;
}) {
  return (
    <Tooltip content={`Test connection “${connection.name}”: one cheap call to Azure`} relationship="description">
      <Button
        size="small"
        icon={pending ? <Spinner size="extra-tiny" /> : <PlugConnectedRegular />}
        disabled={pending}
        aria-label={`Test ${connection.name}`}
        onClick={onClick}
      >
        Test
      </Button>
    </Tooltip>
  );
}

function IconAction({ label, icon, onClick }: { label: string; icon: ReactElement; onClick: () => void }) {
  // Edit and Delete open a drawer or a dialog: focus comes back here when it closes.
  const restoreFocusTarget = useRestoreFocusTarget();
  return (
    <Tooltip content={label} relationship="label">
      <Button {...restoreFocusTarget} size="small" appearance="subtle" icon={icon} onClick={onClick} />
    </Tooltip>
  );
}

/** Browse, Sync jobs, Test, Edit and Delete: the same on a table row and on a card. */
function ItemActions({
  connection,
  onEdit,
  onDelete,
  item,
}: ItemProps & { item: ReturnType<typeof useConnectionItem> }) {
  return (
    <>
      <Button size="small" icon={<FolderOpenRegular />} onClick={item.browse} aria-label={`Browse ${connection.name}`}>
        Browse
      </Button>
      <IconAction label={`Sync jobs of ${connection.name}`} icon={<ArrowSyncRegular />} onClick={item.sync} />
      <TestButton connection={connection} pending={item.test.isPending} onClick={item.runTest} />
      <IconAction label={`Edit ${connection.name}`} icon={<EditRegular />} onClick={() => onEdit(connection)} />
      <IconAction label={`Delete ${connection.name}`} icon={<DeleteRegular />} onClick={() => onDelete(connection)} />
    </>
  );
}

function ConnectionTableRow(props: ItemProps) {
  const styles = useStyles();
  const { connection } = props;
  const item = useConnectionItem(props);
  return (
    <>
      <TableRow className={mergeClasses(item.showResult && styles.hasResult)}>
        <TableCell className={styles.colName}>
          <span className={styles.name}>
            <AppLink
              to={`/c/${connection.id}`}
              className={mergeClasses(styles.nameLink, !connection.is_active && styles.dimmedLink)}
              title={`Browse ${connection.name}`}
              onClick={() => rememberConnection(connection.id)}
            >
              {connection.name}
            </AppLink>
            {connection.is_active ? null : (
              <Badge appearance="tint" color="informative" size="small" className={styles.badge}>
                Disabled
              </Badge>
            )}
          </span>
        </TableCell>
        <TableCell className={mergeClasses(styles.colAuth, !connection.is_active && styles.dimmed)}>
          <span className={styles.cellText}>{authTypeLabels[connection.auth_type]}</span>
        </TableCell>
        <TableCell className={mergeClasses(styles.colAccount, !connection.is_active && styles.dimmed)}>
          <span className={styles.stacked}>
            <span className={styles.cellText}>{connection.account_name}</span>
            <span className={mergeClasses(styles.cellText, styles.secondary)} title={connection.endpoint}>
              {connection.endpoint}
            </span>
          </span>
        </TableCell>
        <TableCell className={mergeClasses(styles.colContainer, !connection.is_active && styles.dimmed)}>
          {connection.container_name ? (
            <span className={styles.cellText}>{connection.container_name}</span>
          ) : (
            <span className={styles.none}>None</span>
          )}
        </TableCell>
        <TableCell className={styles.colEnabled}>
          <EnabledSwitch connection={connection} toggle={item.toggle} setActive={item.setActive} />
        </TableCell>
        <TableCell className={styles.colActions}>
          <div className={styles.actions}>
            <ItemActions {...props} item={item} />
          </div>
        </TableCell>
      </TableRow>
      {item.showResult ? (
        <TableRow className={styles.resultRow} aria-label={`Test result for ${connection.name}`}>
          <TableCell className={mergeClasses(styles.colWhole, styles.resultCell)}>{item.result}</TableCell>
        </TableRow>
      ) : null}
    </>
  );
}

function ConnectionCard(props: ItemProps) {
  const styles = useStyles();
  const { connection } = props;
  const item = useConnectionItem(props);
  return (
    <li>
      <Card className={styles.card}>
        <div className={styles.cardTop}>
          <span className={styles.name}>
            <AppLink
              to={`/c/${connection.id}`}
              className={mergeClasses(styles.nameLink, !connection.is_active && styles.dimmedLink)}
              onClick={() => rememberConnection(connection.id)}
            >
              {connection.name}
            </AppLink>
            {connection.is_active ? null : (
              <Badge appearance="tint" color="informative" size="small" className={styles.badge}>
                Disabled
              </Badge>
            )}
          </span>
          <EnabledSwitch connection={connection} toggle={item.toggle} setActive={item.setActive} />
        </div>
        <div className={styles.cardFacts}>
          <Text size={200}>
            {authTypeLabels[connection.auth_type]} · {connection.account_name}
          </Text>
          <Text size={200} className={mergeClasses(styles.cellText, styles.secondary)} title={connection.endpoint}>
            {connection.endpoint}
          </Text>
          <Text size={200} className={styles.secondary}>
            Default container: {connection.container_name ?? 'none'}
          </Text>
        </div>
        <div className={styles.cardActions}>
          <ItemActions {...props} item={item} />
        </div>
        {item.showResult ? item.result : null}
      </Card>
    </li>
  );
}

/** The user's connections: a table at desktop width, cards at phone width. */
export function ConnectionList({
  connections,
  compact,
  autoTestId,
  onAutoTestStarted,
  onEdit,
  onDelete,
}: {
  connections: Connection[];
  compact: boolean;
  autoTestId: number | null;
  onAutoTestStarted: () => void;
  onEdit: (connection: Connection) => void;
  onDelete: (connection: Connection) => void;
}) {
  const styles = useStyles();
  const itemProps = (connection: Connection): ItemProps => ({
    connection,
    autoTest: autoTestId === connection.id,
    onAutoTestStarted,
    onEdit,
    onDelete,
  });
  if (compact) {
    return (
      <ul className={styles.cards} aria-label="Connections">
        {connections.map((c) => (
          <ConnectionCard key={c.id} {...itemProps(c)} />
        ))}
      </ul>
    );
  }
  return (
    <Table noNativeElements aria-label="Connections" size="medium">
      <TableHeader>
        <TableRow>
          <TableHeaderCell className={styles.colName}>Name</TableHeaderCell>
          <TableHeaderCell className={styles.colAuth}>Authentication</TableHeaderCell>
          <TableHeaderCell className={styles.colAccount}>Account</TableHeaderCell>
          <TableHeaderCell className={styles.colContainer}>Default container</TableHeaderCell>
          <TableHeaderCell className={styles.colEnabled}>Enabled</TableHeaderCell>
          <TableHeaderCell className={styles.colActions}>
            <span className={styles.visuallyHidden}>Actions</span>
          </TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {connections.map((c) => (
          <ConnectionTableRow key={c.id} {...itemProps(c)} />
        ))}
      </TableBody>
    </Table>
  );
}

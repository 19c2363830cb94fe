import {
  Button,
  makeStyles,
  mergeClasses,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import {
  ArrowSyncRegular,
  ChevronDownRegular,
  ChevronUpRegular,
  HistoryRegular,
  KeyRegular,
  KeyResetRegular,
  LinkRegular,
  PasswordRegular,
  PersonRegular,
  PersonSettingsRegular,
  PersonWarningRegular,
  PlugConnectedRegular,
} from '@fluentui/react-icons';
import { Fragment, type ReactElement } from 'react';

import { AppLink } from '@/components/app-link';
import { VisuallyHidden } from '@/components/visually-hidden';
import type { AuditEvent } from '@/features/activity/api/audit';
import { auditTarget, describeAuditEvent, originText, type AuditContext } from '@/features/activity/audit-text';
import { formatAbsolute, formatRelative } from '@/lib/format';

const useStyles = makeStyles({
  table: { tableLayout: 'fixed' },
  colWhen: { width: '128px' },
  colWhat: { width: 'auto' },
  colTarget: { width: '18%' },
  colWho: { width: '16%' },
  colFrom: { width: '13%' },
  colDetails: { width: '44px' },
  cell: { paddingTop: tokens.spacingVerticalXS, paddingBottom: tokens.spacingVerticalXS },
  wrap: { overflowWrap: 'anywhere' },
  secondary: { color: tokens.colorNeutralForeground3 },
  failed: { color: tokens.colorPaletteRedForeground1 },
  what: { display: 'flex', alignItems: 'flex-start', gap: tokens.spacingHorizontalS, minWidth: 0 },
  icon: {
    display: 'inline-flex',
    flexShrink: 0,
    fontSize: '16px',
    // Centred on the first line of the sentence.
    marginTop: '2px',
    color: tokens.colorNeutralForeground3,
  },
  failedIcon: { color: tokens.colorPaletteRedForeground1 },
  nowrap: { whiteSpace: 'nowrap' },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
  detailsCell: {
    backgroundColor: tokens.colorNeutralBackground2,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
  },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content minmax(0, 1fr)',
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalXXS,
    margin: 0,
    fontSize: tokens.fontSizeBase200,
  },
  factName: { color: tokens.colorNeutralForeground2 },
  factValue: { margin: 0, overflowWrap: 'anywhere' },
  items: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column' },
  item: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXXS,
    padding: `${tokens.spacingVerticalS} 0`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    minWidth: 0,
  },
  itemTop: { display: 'flex', alignItems: 'flex-start', gap: tokens.spacingHorizontalS },
  itemWhat: { flexGrow: 1 },
  // Under the sentence, past its icon.
  indent: { paddingLeft: '24px' },
  itemMeta: {
    display: 'flex',
    flexWrap: 'wrap',
    columnGap: tokens.spacingHorizontalS,
    rowGap: 0,
    color: tokens.colorNeutralForeground3,
    fontSize: tokens.fontSizeBase200,
    minWidth: 0,
    overflowWrap: 'anywhere',
  },
  itemDetails: {
    margin: `${tokens.spacingVerticalXS} 0 0 24px`,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground2,
  },
});

export interface AuditEventsProps {
  events: AuditEvent[];
  context: AuditContext;
  /** Show whose event each is (a superuser reads everyone's). */
  showWho: boolean;
  narrow: boolean;
  expanded: ReadonlySet<number>;
  onToggle: (id: number) => void;
}

function isFailure(event: AuditEvent): boolean {
  return event.action === 'auth.sign_in_failed' || (event.action === 'connection.tested' && event.detail.ok === false);
}

/** An icon per kind of action, so that a long log scans by shape. */
function actionIcon(action: string): ReactElement {
  if (action === 'auth.sign_in_failed') return <PersonWarningRegular />;
  if (action === 'auth.password_changed') return <PasswordRegular />;
  if (action.startsWith('auth.')) return <PersonRegular />;
  if (action.startsWith('user.')) return <PersonSettingsRegular />;
  if (action.startsWith('connection.')) return <PlugConnectedRegular />;
  if (action.startsWith('sync_job.')) return <ArrowSyncRegular />;
  if (action.startsWith('sync_run.')) return <KeyRegular />;
  if (action.startsWith('blob.')) return <LinkRegular />;
  if (action.startsWith('keys.')) return <KeyResetRegular />;
  return <HistoryRegular />;
}

/** The sentence, after its action's icon; red for a failure. */
function What({ event, sentence, className }: { event: AuditEvent; sentence: string; className?: string }) {
  const styles = useStyles();
  const failed = isFailure(event);
  return (
    <span className={mergeClasses(styles.what, className)}>
      <span aria-hidden className={mergeClasses(styles.icon, failed && styles.failedIcon)}>
        {actionIcon(event.action)}
      </span>
      <Text size={300} className={mergeClasses(styles.wrap, failed && styles.failed)}>
        {sentence}
      </Text>
    </span>
  );
}

/** The account an event concerns: its email then, or now; none for the system's own events. */
function who(event: AuditEvent, context: AuditContext): string {
  if (event.actor) return event.actor;
  if (event.user_id !== null) return context.userEmail?.(event.user_id) ?? `User ${event.user_id}`;
  return '—';
}

function When({ at }: { at: string }) {
  return (
    <time dateTime={at} title={formatAbsolute(at)}>
      {formatRelative(at)}
    </time>
  );
}

function Target({ event, context }: { event: AuditEvent; context: AuditContext }) {
  const target = auditTarget(event, context);
  if (!target) return <span aria-label="None">—</span>;
  return target.to ? <AppLink to={target.to}>{target.label}</AppLink> : <span>{target.label}</span>;
}

function detailValue(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Everything recorded about one event: the exact time, the action's name, the request id, the raw detail. */
function EventFacts({ event }: { event: AuditEvent }) {
  const styles = useStyles();
  const facts: [string, string][] = [
    ['Time', `${formatAbsolute(event.created_at)} (${event.created_at})`],
    ['Action', event.action],
    ['Account', event.actor ? `${event.actor}${event.user_id !== null ? ` (user ${event.user_id})` : ''}` : '—'],
    ['From', event.remote_address ?? '—'],
    ['Request ID', event.request_id ?? '—'],
  ];
  for (const [key, value] of Object.entries(event.detail)) facts.push([key, detailValue(value)]);
  facts.push(['Event', `#${event.id}`]);
  return (
    <dl className={styles.facts}>
      {facts.map(([name, value]) => (
        <Fragment key={name}>
          <dt className={styles.factName}>{name}</dt>
          <dd className={mergeClasses(styles.factValue, name !== 'Time' && name !== 'Account' && styles.mono)}>
            {value}
          </dd>
        </Fragment>
      ))}
    </dl>
  );
}

function DetailsButton({
  event,
  sentence,
  expanded,
  onToggle,
}: {
  event: AuditEvent;
  sentence: string;
  expanded: boolean;
  onToggle: (id: number) => void;
}) {
  return (
    <Button
      appearance="subtle"
      size="small"
      icon={expanded ? <ChevronUpRegular /> : <ChevronDownRegular />}
      aria-label={`Details: ${sentence}`}
      aria-expanded={expanded}
      aria-controls={`audit-event-${event.id}`}
      onClick={() => onToggle(event.id)}
    />
  );
}

/** The events, newest first: a table at desktop width, a list on a phone; each with its details on demand. */
export function AuditEvents({ events, context, showWho, narrow, expanded, onToggle }: AuditEventsProps) {
  const styles = useStyles();

  if (narrow) {
    return (
      <ul className={styles.items} aria-label="Events">
        {events.map((event) => {
          const sentence = describeAuditEvent(event, context);
          const open = expanded.has(event.id);
          return (
            <li key={event.id} className={styles.item}>
              <span className={styles.itemTop}>
                <What event={event} sentence={sentence} className={styles.itemWhat} />
                <DetailsButton event={event} sentence={sentence} expanded={open} onToggle={onToggle} />
              </span>
              <span className={mergeClasses(styles.itemMeta, styles.indent)}>
                <When at={event.created_at} />
                {showWho ? <span>{who(event, context)}</span> : null}
                {event.remote_address ? (
                  <span title={event.request_id ? `Request ID ${event.request_id}` : undefined}>
                    {originText(event) === event.remote_address ? `from ${event.remote_address}` : originText(event)}
                  </span>
                ) : null}
              </span>
              {auditTarget(event, context) ? (
                <Text size={200} className={styles.indent}>
                  <Target event={event} context={context} />
                </Text>
              ) : null}
              {open ? (
                <div id={`audit-event-${event.id}`} className={styles.itemDetails}>
                  <EventFacts event={event} />
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>
    );
  }

  return (
    <Table aria-label="Events" size="small" className={styles.table}>
      <TableHeader>
        <TableRow>
          <TableHeaderCell className={styles.colWhen}>When</TableHeaderCell>
          <TableHeaderCell className={styles.colWhat}>What</TableHeaderCell>
          <TableHeaderCell className={styles.colTarget}>Target</TableHeaderCell>
          {showWho ? <TableHeaderCell className={styles.colWho}>Account</TableHeaderCell> : null}
          <TableHeaderCell className={styles.colFrom}>From</TableHeaderCell>
          <TableHeaderCell className={styles.colDetails}>
            <VisuallyHidden>Details</VisuallyHidden>
          </TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {events.map((event) => {
          const sentence = describeAuditEvent(event, context);
          const open = expanded.has(event.id);
          return (
            <Fragment key={event.id}>
              <TableRow>
                <TableCell className={mergeClasses(styles.cell, styles.nowrap)}>
                  <Text size={200}>
                    <When at={event.created_at} />
                  </Text>
                </TableCell>
                <TableCell className={styles.cell}>
                  <What event={event} sentence={sentence} />
                </TableCell>
                <TableCell className={mergeClasses(styles.cell, styles.wrap)}>
                  <Text size={200}>
                    <Target event={event} context={context} />
                  </Text>
                </TableCell>
                {showWho ? (
                  <TableCell className={mergeClasses(styles.cell, styles.wrap)}>
                    <Text size={200}>{who(event, context)}</Text>
                  </TableCell>
                ) : null}
                <TableCell className={mergeClasses(styles.cell, styles.wrap)}>
                  <Text size={200} title={event.request_id ? `Request ID ${event.request_id}` : undefined}>
                    {originText(event)}
                  </Text>
                </TableCell>
                <TableCell className={styles.cell}>
                  <DetailsButton event={event} sentence={sentence} expanded={open} onToggle={onToggle} />
                </TableCell>
              </TableRow>
              {open ? (
                <TableRow id={`audit-event-${event.id}`}>
                  <TableCell colSpan={showWho ? 6 : 5} className={styles.detailsCell}>
                    <EventFacts event={event} />
                  </TableCell>
                </TableRow>
              ) : null}
            </Fragment>
          );
        })}
      </TableBody>
    </Table>
  );
}

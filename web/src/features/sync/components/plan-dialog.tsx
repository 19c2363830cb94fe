import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  mergeClasses,
  Skeleton,
  SkeletonItem,
  Spinner,
  Text,
  tokens,
} from '@fluentui/react-components';
import {
  ArrowRightRegular,
  DeleteRegular,
  DocumentArrowRightRegular,
  ErrorCircleRegular,
  NumberSymbolRegular,
} from '@fluentui/react-icons';
import { useQuery } from '@tanstack/react-query';

import { ErrorState } from '@/components/error-state';
import type { SyncDirection, SyncPlan } from '@/features/sync/api/sync-jobs';
import { directionDone, type JobEnds } from '@/features/sync/job-text';
import { asSentence } from '@/lib/api/problem';
import { formatBytes, formatCount } from '@/lib/format';

const useStyles = makeStyles({
  surface: { maxWidth: 'min(640px, calc(100vw - 32px))' },
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  ends: {
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    gap: tokens.spacingHorizontalS,
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    overflowWrap: 'anywhere',
  },
  counts: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(120px, 1fr))',
    gap: tokens.spacingHorizontalS,
    margin: 0,
  },
  count: {
    display: 'flex',
    flexDirection: 'column-reverse',
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground3,
  },
  countLabel: { color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200 },
  countValue: { margin: 0, fontSize: tokens.fontSizeBase500, fontWeight: tokens.fontWeightSemibold },
  deleteCount: {
    backgroundColor: tokens.colorPaletteRedBackground1,
    boxShadow: `inset 3px 0 0 ${tokens.colorPaletteRedBorder2}`,
  },
  actionsHeading: { margin: 0, fontWeight: tokens.fontWeightSemibold },
  actions: {
    listStyle: 'none',
    margin: 0,
    padding: 0,
    maxHeight: '220px',
    overflowY: 'auto',
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}` },
  },
  action: {
    display: 'grid',
    gridTemplateColumns: '20px 64px minmax(0, 1fr) auto',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
    fontSize: tokens.fontSizeBase200,
  },
  op: { color: tokens.colorNeutralForeground2 },
  opIcon: { display: 'inline-flex', fontSize: '16px' },
  deleteOp: { color: tokens.colorPaletteRedForeground1, fontWeight: tokens.fontWeightSemibold },
  path: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', fontFamily: tokens.fontFamilyMonospace },
  size: { color: tokens.colorNeutralForeground3, whiteSpace: 'nowrap' },
  note: { color: tokens.colorNeutralForeground2 },
  loading: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
});

const opIcons = {
  copy: <DocumentArrowRightRegular />,
  delete: <DeleteRegular />,
  hash: <NumberSymbolRegular />,
  fail: <ErrorCircleRegular />,
};

/** How many actions the dialog lists; the API sends up to 1,000. */
const shownActions = 200;

function opLabel(op: SyncPlan['actions'][number]['op'], direction: SyncDirection): string {
  switch (op) {
    case 'copy':
      return direction === 'download' ? 'Download' : direction === 'upload' ? 'Upload' : 'Copy';
    case 'delete':
      return 'Delete';
    case 'hash':
      return 'Hash';
    case 'fail':
      return 'Cannot read';
  }
}

function PlanView({ plan, direction }: { plan: SyncPlan; direction: SyncDirection }) {
  const styles = useStyles();
  const total = plan.copy + plan.delete + plan.hash_by_download + plan.failed;
  const listed = plan.actions.slice(0, shownActions);
  return (
    <>
      <dl className={styles.counts}>
        <div className={styles.count}>
          <dt className={styles.countLabel}>To be {directionDone[direction]}</dt>
          <dd className={styles.countValue}>
            {plan.copy.toLocaleString()}
            {plan.bytes > 0 ? <Text size={200}> ({formatBytes(plan.bytes)})</Text> : null}
          </dd>
        </div>
        <div className={styles.count}>
          <dt className={styles.countLabel}>Up to date</dt>
          <dd className={styles.countValue}>{plan.skip.toLocaleString()}</dd>
        </div>
        <div className={mergeClasses(styles.count, plan.delete > 0 && styles.deleteCount)}>
          <dt className={styles.countLabel}>To be deleted</dt>
          <dd className={styles.countValue}>{plan.delete.toLocaleString()}</dd>
        </div>
        {plan.hash_by_download > 0 ? (
          <div className={styles.count}>
            <dt className={styles.countLabel}>Hashed by download</dt>
            <dd className={styles.countValue}>{plan.hash_by_download.toLocaleString()}</dd>
          </div>
        ) : null}
        {plan.failed > 0 ? (
          <div className={styles.count}>
            <dt className={styles.countLabel}>Cannot be read</dt>
            <dd className={styles.countValue}>{plan.failed.toLocaleString()}</dd>
          </div>
        ) : null}
      </dl>

      {plan.deletes_refused ? (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>The run would delete nothing and fail</MessageBarTitle>
            <br />
            {asSentence(plan.deletes_refused.detail)} <Text font="monospace">({plan.deletes_refused.code})</Text>
          </MessageBarBody>
        </MessageBar>
      ) : null}

      {listed.length > 0 ? (
        <>
          <Text as="h3" size={300} className={styles.actionsHeading} id="plan-actions-heading">
            {total > listed.length
              ? `The first ${formatCount(listed.length, 'action')} of ${total.toLocaleString()}`
              : formatCount(listed.length, 'action')}
          </Text>
          {/* Focusable so that a keyboard can scroll it. */}
          <ul className={styles.actions} aria-labelledby="plan-actions-heading" tabIndex={0}>
            {listed.map((action, i) => (
              <li key={`${action.op}:${action.path}:${i}`} className={styles.action}>
                <span
                  aria-hidden
                  className={mergeClasses(styles.opIcon, action.op === 'delete' ? styles.deleteOp : styles.op)}
                >
                  {opIcons[action.op]}
                </span>
                <span className={action.op === 'delete' ? styles.deleteOp : styles.op}>
                  {opLabel(action.op, direction)}
                </span>
                <span className={styles.path} title={action.path}>
                  {action.path}
                </span>
                <span className={styles.size}>{formatBytes(action.size)}</span>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <Text className={styles.note}>Nothing to do: both sides are already in step.</Text>
      )}
    </>
  );
}

export interface PlanDialogProps {
  open: boolean;
  title: string;
  /** A sentence under the title: why the plan is shown. */
  intro?: string;
  ends: JobEnds;
  direction: SyncDirection;
  /** The query key of this plan (a plan is never reused: it is read each time the dialog opens). */
  planKey: readonly unknown[];
  loadPlan: (signal: AbortSignal) => Promise<SyncPlan>;
  /** Label of the confirming button, once the plan is known. */
  confirmLabel: (plan: SyncPlan) => string;
  busy?: boolean;
  /** The confirming action's failure. */
  error?: unknown;
  onConfirm: (plan: SyncPlan) => void;
  onCancel: () => void;
}

/**
 * A dry run shown before a run that may delete: the counts, whether the deletes would be
 * refused, and the first actions in path order; the run starts only when confirmed.
 */
export function PlanDialog({
  open,
  title,
  intro,
  ends,
  direction,
  planKey,
  loadPlan,
  confirmLabel,
  busy = false,
  error,
  onConfirm,
  onCancel,
}: PlanDialogProps) {
  const styles = useStyles();
  const plan = useQuery({
    queryKey: planKey,
    queryFn: ({ signal }) => loadPlan(signal),
    enabled: open,
    staleTime: 0,
    gcTime: 0,
    retry: false,
    refetchOnWindowFocus: false,
  });
  // Red only when the run would really delete something.
  const deletes = plan.data && !plan.data.deletes_refused ? plan.data.delete : 0;
  return (
    <Dialog open={open} modalType="alert" onOpenChange={(_, data) => (!data.open ? onCancel() : undefined)}>
      <DialogSurface className={styles.surface}>
        <DialogBody>
          <DialogTitle>{title}</DialogTitle>
          <DialogContent className={styles.content}>
            {intro ? <Text>{intro}</Text> : null}
            <div className={styles.ends}>
              <span>{ends.from}</span>
              <ArrowRightRegular aria-label="to" />
              <span>{ends.to}</span>
            </div>
            {plan.isPending ? (
              <div className={styles.loading} role="status">
                <Text className={styles.note}>Comparing both sides to see what the run would do…</Text>
                <Skeleton aria-label="Loading the plan">
                  <SkeletonItem size={48} />
                  <SkeletonItem size={16} style={{ marginTop: 8, width: '70%' }} />
                  <SkeletonItem size={16} style={{ marginTop: 8, width: '55%' }} />
                </Skeleton>
              </div>
            ) : plan.isError ? (
              <ErrorState title="The plan could not be made" error={plan.error} onRetry={() => void plan.refetch()} />
            ) : (
              <PlanView plan={plan.data} direction={direction} />
            )}
            {error ? <ErrorState error={error} /> : null}
          </DialogContent>
          {/* The whole width: a long confirming label ("Run and delete 1,204 items") stays on one line. */}
          <DialogActions fluid>
            <Button appearance="secondary" onClick={onCancel} disabled={busy}>
              Cancel
            </Button>
            <Button
              appearance="primary"
              disabled={busy || !plan.data}
              icon={busy ? <Spinner size="tiny" /> : undefined}
              onClick={() => plan.data && onConfirm(plan.data)}
              style={deletes > 0 && !busy ? { backgroundColor: 'var(--colorPaletteRedBackground3)' } : undefined}
            >
              {plan.data ? confirmLabel(plan.data) : 'Run now'}
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

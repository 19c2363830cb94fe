import {
  Button,
  Checkbox,
  DrawerBody,
  DrawerFooter,
  DrawerHeader,
  DrawerHeaderTitle,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  OverlayDrawer,
  Radio,
  RadioGroup,
  Select,
  Spinner,
  tokens,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import { Dismiss24Regular } from '@fluentui/react-icons';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';

import {
  planNewSyncJob,
  useCreateSyncJob,
  type SyncDirection,
  type SyncJob,
  type SyncJobCreate,
  type SyncPlan,
} from '@/features/sync/api/sync-jobs';
import { ContainerPicker } from '@/features/sync/components/container-picker';
import { PlanDialog } from '@/features/sync/components/plan-dialog';
import {
  fieldOrder,
  newSyncJobValues,
  normalizeFolder,
  placeServerErrors,
  toCreateBody,
  validateSyncJob,
  type FieldErrors,
  type FieldKey,
  type ScheduleUnit,
  type SyncJobFormValues,
} from '@/features/sync/form/sync-job-form-values';
import { blobPlace, directionHints, directionLabels, localPlace } from '@/features/sync/job-text';
import { connectionsQuery, sortConnections, type Connection } from '@/lib/api/connections';
import { errorMessage, ProblemError } from '@/lib/api/problem';
import { formatCount } from '@/lib/format';
import { useMediaQuery } from '@/lib/hooks/use-media-query';
import { useFormLayoutStyles } from '@/components/form-layout';

const useStyles = makeStyles({
  radioLabel: { display: 'flex', flexDirection: 'column' },
  radioHint: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
  row: { display: 'flex', gap: tokens.spacingHorizontalM, flexWrap: 'wrap', alignItems: 'flex-start' },
  grow: { flex: '1 1 200px', minWidth: 0 },
  every: { flex: '0 1 180px' },
  indent: { paddingLeft: tokens.spacingHorizontalXXL },
  footer: { display: 'flex', gap: tokens.spacingHorizontalS, justifyContent: 'flex-start' },
});

/** A job that deletes, under review: the body the plan was made for is the one created. */
interface Review {
  body: SyncJobCreate;
  values: SyncJobFormValues;
  /** Each review plans afresh (part of the plan's query key). */
  attempt: number;
}

/** Why the plan is shown, in the words of the job being created. */
function reviewIntro(values: SyncJobFormValues): string {
  const limit = values.maxDelete.trim();
  const rule = limit
    ? `a run that would delete more than ${formatCount(Number(limit), 'item')} deletes nothing and fails`
    : 'there is no limit on how much a run may delete';
  const later = values.schedule === 'none' ? '' : ' Later runs delete the same way.';
  return `Its first run starts as soon as the job is created and deletes what the destination holds and the source does not; ${rule}.${later} This is what that run would do now:`;
}

function reviewConfirmLabel(plan: SyncPlan): string {
  if (plan.deletes_refused) return 'Create anyway';
  return plan.delete > 0 ? `Create and delete ${formatCount(plan.delete, 'item')}` : 'Create and run';
}

export interface SyncJobFormProps {
  open: boolean;
  connection: Connection;
  onClose: () => void;
  onCreated: (job: SyncJob) => void;
}

/**
 * A new sync job, in a side drawer like the connection form: what goes where, what to compare,
 * whether to delete, and when to run. Checked before sending; the server's field errors come
 * back onto their fields, and nothing typed is lost on a failure.
 */
export function SyncJobForm({ open, connection, onClose, onCreated }: SyncJobFormProps) {
  const styles = useStyles();
  const layout = useFormLayoutStyles();
  const narrow = useMediaQuery('(max-width: 760px)');
  const [values, setValues] = useState<SyncJobFormValues>(() =>
    newSyncJobValues(connection.id, connection.container_name ?? ''),
  );
  const [errors, setErrors] = useState<FieldErrors>({});
  const [dirty, setDirty] = useState(false);
  const [serverError, setServerError] = useState<unknown>(null);
  // The review stays mounted once made: the dialog closes (and gives the drawer back) rather
  // than vanishing while open.
  const [review, setReview] = useState<Review | null>(null);
  const [reviewOpen, setReviewOpen] = useState(false);
  // Where focus goes back when the review closes: without it, focus would fall to the page
  // behind the drawer, and the drawer stay hidden from assistive technology until it came back.
  const restoreFocusTarget = useRestoreFocusTarget();
  const elements = useRef(new Map<FieldKey, HTMLElement>());
  /** Fields in error to focus once the plan dialog has closed (and given focus back). */
  const focusAfterReview = useRef<FieldErrors | null>(null);
  const create = useCreateSyncJob(connection.id);
  const connections = useQuery(connectionsQuery());
  const targets = connections.data ? sortConnections(connections.data.items) : [connection];

  useEffect(() => {
    if (!open) return;
    const timer = window.setTimeout(() => {
      const active = document.activeElement;
      if (!active || active === document.body || active.getAttribute('aria-label') === 'Close') {
        elements.current.get('direction')?.querySelector('input')?.focus();
      }
    }, 0);
    return () => window.clearTimeout(timer);
  }, [open]);

  useEffect(() => {
    if (reviewOpen || !focusAfterReview.current) return;
    const found = focusAfterReview.current;
    focusAfterReview.current = null;
    // After the dialog's own focus restore, which happens as it unmounts.
    const timer = window.setTimeout(() => focusFirst(found), 0);
    return () => window.clearTimeout(timer);
  });

  const register = (key: FieldKey) => (element: HTMLElement | null) => {
    if (element) elements.current.set(key, element);
    else elements.current.delete(key);
  };
  const focusFirst = (found: FieldErrors) => {
    const first = fieldOrder.find((key) => found[key] && elements.current.has(key));
    if (!first) return;
    const element = elements.current.get(first);
    (element?.matches('input, select, textarea') ? element : element?.querySelector('input'))?.focus();
  };
  const change = <K extends keyof SyncJobFormValues>(key: K, value: SyncJobFormValues[K], ...fields: FieldKey[]) => {
    setValues((v) => ({ ...v, [key]: value }));
    setDirty(true);
    if (fields.some((f) => errors[f])) {
      setErrors((e) => {
        const next = { ...e };
        for (const f of fields) delete next[f];
        return next;
      });
    }
  };
  const fieldProps = (key: FieldKey) => ({
    validationMessage: errors[key],
    validationState: errors[key] ? ('error' as const) : ('none' as const),
  });

  /** A 422 (from the create or the plan) on the fields of the values it was sent for. */
  const rejected = (error: ProblemError, sent: SyncJobFormValues) => {
    const { fields, unplaced } = placeServerErrors(error, sent);
    setErrors(fields);
    setServerError(unplaced ? error : null);
    if (reviewOpen) {
      focusAfterReview.current = fields;
      setReviewOpen(false);
    } else {
      focusFirst(fields);
    }
  };

  const send = (body: SyncJobCreate, sent: SyncJobFormValues) => {
    setServerError(null);
    create.mutate(body, {
      onSuccess: (job) => onCreated(job),
      onError: (error) => {
        if (error instanceof ProblemError && error.status === 422) rejected(error, sent);
        // Under review, the dialog shows the failure (and can try again); else above the form.
        else if (!reviewOpen) setServerError(error);
      },
    });
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found = validateSyncJob(values, connection.id);
    setErrors(found);
    setServerError(null);
    if (Object.values(found).some(Boolean)) {
      focusFirst(found);
      return;
    }
    // A job that deletes starts its first run as soon as it exists: show what that run would do first.
    if (values.deleteExtraneous) {
      create.reset();
      setReview({ body: toCreateBody(values), values, attempt: Date.now() });
      setReviewOpen(true);
    } else {
      send(toCreateBody(values), values);
    }
  };

  const loadPlan = (current: Review) => async (signal: AbortSignal) => {
    try {
      return await planNewSyncJob(connection.id, current.body, signal);
    } catch (error) {
      // The same checks as a create: its field errors go onto the form's fields.
      if (error instanceof ProblemError && error.status === 422 && !signal.aborted) rejected(error, current.values);
      throw error;
    }
  };

  const copy = values.direction === 'copy';
  const targetId = Number(values.targetConnectionId);
  const targetConnection = targets.find((c) => c.id === targetId);
  const containerFields = (
    <>
      <ContainerPicker
        connectionId={connection.id}
        name="container"
        label="Container"
        value={values.container}
        onChange={(v) => change('container', v, 'container', 'target.prefix')}
        validationMessage={errors.container}
        inputRef={register('container')}
      />
      <Field
        label="Folder"
        hint={
          values.direction === 'upload'
            ? 'Where in the container the files go, e.g. reports/2026. Leave empty for the whole container.'
            : 'Only what is in this folder, e.g. reports/2026. Leave empty for the whole container.'
        }
        {...fieldProps('prefix')}
      >
        <Input
          ref={register('prefix')}
          name="prefix"
          autoComplete="off"
          spellCheck={false}
          value={values.folder}
          onChange={(_, data) => change('folder', data.value, 'prefix', 'target.prefix')}
        />
      </Field>
    </>
  );
  const localField = (
    <Field
      label="Folder on the server"
      hint="Inside the server’s sync folder (CERULEAN_SYNC_ROOT), e.g. team-a/reports. Leave empty for the sync folder itself."
      {...fieldProps('local_path')}
    >
      <Input
        ref={register('local_path')}
        name="local_path"
        autoComplete="off"
        spellCheck={false}
        value={values.localPath}
        onChange={(_, data) => change('localPath', data.value, 'local_path')}
      />
    </Field>
  );
  const targetFields = (
    <>
      <Field label="Connection" required {...fieldProps('target.connection_id')}>
        <Select
          ref={register('target.connection_id')}
          name="target_connection_id"
          value={values.targetConnectionId}
          onChange={(_, data) => {
            setValues((v) => ({ ...v, targetConnectionId: data.value, targetContainer: '' }));
            setDirty(true);
          }}
        >
          {targets.map((c) => (
            <option key={c.id} value={String(c.id)}>
              {c.id === connection.id ? `${c.name} (this connection)` : c.name}
              {c.is_active ? '' : ' (disabled)'}
            </option>
          ))}
        </Select>
      </Field>
      <ContainerPicker
        connectionId={Number.isInteger(targetId) && targetId > 0 ? targetId : null}
        name="target_container"
        label="Container"
        value={values.targetContainer}
        onChange={(v) => change('targetContainer', v, 'target.container', 'target.prefix')}
        validationMessage={errors['target.container']}
        inputRef={register('target.container')}
      />
      <Field
        label="Folder"
        hint="Where in that container the copies go. Leave empty for the whole container."
        {...fieldProps('target.prefix')}
      >
        <Input
          ref={register('target.prefix')}
          name="target_prefix"
          autoComplete="off"
          spellCheck={false}
          value={values.targetFolder}
          onChange={(_, data) => change('targetFolder', data.value, 'target.prefix')}
        />
      </Field>
    </>
  );

  const sourceIsLocal = values.direction === 'upload';
  const from = sourceIsLocal
    ? localPlace(values.localPath.trim())
    : blobPlace(values.container.trim(), normalizeFolder(values.folder));
  const to = copy
    ? `${targetConnection && targetConnection.id !== connection.id ? `${targetConnection.name}: ` : ''}${blobPlace(values.targetContainer.trim(), normalizeFolder(values.targetFolder))}`
    : sourceIsLocal
      ? blobPlace(values.container.trim(), normalizeFolder(values.folder))
      : localPlace(values.localPath.trim());

  return (
    <OverlayDrawer
      open={open}
      position="end"
      size={narrow ? 'full' : 'medium'}
      onOpenChange={(_, data) => {
        if (data.open) return;
        if (data.type === 'backdropClick' && dirty) return;
        onClose();
      }}
      aria-label="New sync job"
    >
      <DrawerHeader>
        <DrawerHeaderTitle
          action={<Button appearance="subtle" aria-label="Close" icon={<Dismiss24Regular />} onClick={onClose} />}
        >
          New sync job
        </DrawerHeaderTitle>
      </DrawerHeader>
      <DrawerBody>
        <form id="sync-job-form" className={layout.form} onSubmit={onSubmit} noValidate>
          {serverError ? (
            <MessageBar intent="error" layout="multiline" role="alert">
              <MessageBarBody>
                <MessageBarTitle>The job was not created</MessageBarTitle>
                {errorMessage(serverError)}
              </MessageBarBody>
            </MessageBar>
          ) : null}

          <Field label="Direction" required {...fieldProps('direction')}>
            <RadioGroup
              ref={register('direction')}
              name="direction"
              value={values.direction}
              onChange={(_, data) => change('direction', data.value as SyncDirection, 'direction', 'local_path')}
            >
              {(['download', 'upload', 'copy'] as const).map((d) => (
                <Radio
                  key={d}
                  value={d}
                  label={
                    <span className={styles.radioLabel}>
                      <span>{directionLabels[d]}</span>
                      <span className={styles.radioHint}>{directionHints[d]}</span>
                    </span>
                  }
                />
              ))}
            </RadioGroup>
          </Field>

          <fieldset className={layout.section}>
            <legend className={layout.legend}>From</legend>
            {sourceIsLocal ? localField : containerFields}
          </fieldset>

          <fieldset className={layout.section}>
            <legend className={layout.legend}>To</legend>
            {copy ? targetFields : sourceIsLocal ? containerFields : localField}
          </fieldset>

          <fieldset className={layout.section}>
            <legend className={layout.legend}>How</legend>
            <Field label="Compare files by" {...fieldProps('compare')}>
              <RadioGroup
                ref={register('compare')}
                name="compare"
                value={values.compare}
                onChange={(_, data) => change('compare', data.value as SyncJobFormValues['compare'], 'compare')}
              >
                <Radio
                  value="size_mtime"
                  label={
                    <span className={styles.radioLabel}>
                      <span>Size and modification time</span>
                      <span className={styles.radioHint}>Fast: what most syncs need</span>
                    </span>
                  }
                />
                <Radio
                  value="md5"
                  label={
                    <span className={styles.radioLabel}>
                      <span>Content (MD5)</span>
                      <span className={styles.radioHint}>
                        Slower: blobs without a stored MD5 are downloaded to hash
                      </span>
                    </span>
                  }
                />
              </RadioGroup>
            </Field>

            <Field
              hint="After copying, remove what the destination folder holds and the source does not. Nothing outside the destination folder is touched."
              {...fieldProps('delete_extraneous')}
            >
              <Checkbox
                ref={register('delete_extraneous')}
                name="delete_extraneous"
                label="Delete items that are not in the source"
                checked={values.deleteExtraneous}
                onChange={(_, data) =>
                  change('deleteExtraneous', data.checked === true, 'delete_extraneous', 'max_delete')
                }
              />
            </Field>
            {values.deleteExtraneous ? (
              <Field
                className={styles.indent}
                label="Most deletes per run"
                hint="A run that would delete more deletes nothing and fails, so that a wrong folder is never wiped. Leave empty for no limit."
                {...fieldProps('max_delete')}
              >
                <Input
                  ref={register('max_delete')}
                  name="max_delete"
                  type="number"
                  inputMode="numeric"
                  min={0}
                  step={1}
                  value={values.maxDelete}
                  onChange={(_, data) => change('maxDelete', data.value, 'max_delete')}
                />
              </Field>
            ) : null}
          </fieldset>

          <fieldset className={layout.section}>
            <legend className={layout.legend}>When</legend>
            <div className={styles.row}>
              <Field
                className={styles.grow}
                label="Schedule"
                hint={
                  values.schedule === 'none'
                    ? 'The job runs once, as soon as it is created; run it again whenever you like.'
                    : 'The first run starts as soon as the job is created; runs never overlap.'
                }
              >
                <Select
                  name="schedule"
                  value={values.schedule}
                  onChange={(_, data) => change('schedule', data.value as ScheduleUnit, 'interval_seconds')}
                >
                  <option value="none">Run once</option>
                  <option value="minutes">Repeat every few minutes</option>
                  <option value="hours">Repeat every few hours</option>
                </Select>
              </Field>
              {values.schedule !== 'none' ? (
                <Field
                  className={styles.every}
                  label={values.schedule === 'minutes' ? 'Minutes between runs' : 'Hours between runs'}
                  required
                  {...fieldProps('interval_seconds')}
                >
                  <Input
                    ref={register('interval_seconds')}
                    name="every"
                    type="number"
                    inputMode="numeric"
                    min={1}
                    step={1}
                    value={values.every}
                    onChange={(_, data) => change('every', data.value, 'interval_seconds')}
                  />
                </Field>
              ) : null}
            </div>
          </fieldset>
        </form>
      </DrawerBody>
      <DrawerFooter className={styles.footer}>
        <Button
          {...restoreFocusTarget}
          type="submit"
          form="sync-job-form"
          appearance="primary"
          disabled={create.isPending}
          icon={create.isPending ? <Spinner size="tiny" /> : undefined}
        >
          {create.isPending ? 'Creating…' : 'Create job'}
        </Button>
        <Button onClick={onClose} disabled={create.isPending}>
          Cancel
        </Button>
      </DrawerFooter>
      {review ? (
        // Inside the drawer, so that it nests in the drawer's modal rather than stacking a
        // second one beside it (which would leave the drawer hidden once the dialog closed).
        <PlanDialog
          open={reviewOpen}
          title="Review before creating"
          intro={reviewIntro(review.values)}
          ends={{ from, to }}
          direction={review.body.direction}
          planKey={['sync-plan', connection.id, 'new', review.attempt]}
          loadPlan={loadPlan(review)}
          confirmLabel={reviewConfirmLabel}
          busy={create.isPending}
          error={create.error instanceof ProblemError && create.error.status === 422 ? null : create.error}
          onCancel={() => {
            create.reset();
            setReviewOpen(false);
          }}
          onConfirm={() => send(review.body, review.values)}
        />
      ) : null}
    </OverlayDrawer>
  );
}

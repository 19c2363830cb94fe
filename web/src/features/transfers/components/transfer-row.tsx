import { Button, makeStyles, mergeClasses, ProgressBar, Text, tokens, Tooltip } from '@fluentui/react-components';
import {
  ArrowClockwiseRegular,
  ArrowDownloadRegular,
  ArrowUploadRegular,
  CheckmarkCircleFilled,
  DismissCircleRegular,
  DismissRegular,
  ErrorCircleFilled,
  QuestionCircleRegular,
  SubtractCircleRegular,
} from '@fluentui/react-icons';
import { memo, useEffect, useRef } from 'react';

import {
  transferBytesText,
  transferFileName,
  transferFolder,
  transferPercent,
  transferSpeedText,
  transferStateText,
} from '@/features/transfers/components/transfer-text';
import type { TransferItem } from '@/lib/transfers/transfer-queue';
import { cancelTransfer, retryTransfer } from '@/lib/transfers/transfer-queue';

const useStyles = makeStyles({
  row: {
    display: 'grid',
    alignItems: 'center',
    columnGap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalXXS,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
    minWidth: 0,
    boxSizing: 'border-box',
  },
  wide: {
    // Name, then progress, then state and numbers on one line: the row reads left to right
    // without a column of empty space at the end.
    gridTemplateColumns: '20px minmax(0, 3fr) minmax(120px, 2fr) minmax(0, 2fr) 72px',
    gridTemplateAreas: '"icon name progress meta actions" ". error error error error"',
  },
  narrow: {
    gridTemplateColumns: '20px minmax(0, 1fr) auto',
    gridTemplateAreas: '"icon name actions" ". progress progress" ". meta meta" ". error error"',
    paddingLeft: tokens.spacingHorizontalM,
    paddingRight: tokens.spacingHorizontalS,
  },
  icon: { gridArea: 'icon', display: 'flex', fontSize: '20px', color: tokens.colorNeutralForeground3 },
  iconDone: { color: tokens.colorPaletteGreenForeground1 },
  iconFailed: { color: tokens.colorPaletteRedForeground1 },
  iconWaiting: { color: tokens.colorPaletteMarigoldForeground1 },
  name: { gridArea: 'name', display: 'flex', flexDirection: 'column', minWidth: 0 },
  ellipsis: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  folder: { color: tokens.colorNeutralForeground3 },
  progress: {
    gridArea: 'progress',
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    minWidth: 0,
  },
  bar: { flexGrow: 1, minWidth: '40px' },
  percent: {
    width: '4.5ch',
    flexShrink: 0,
    textAlign: 'right',
    fontVariantNumeric: 'tabular-nums',
    color: tokens.colorNeutralForeground2,
  },
  meta: {
    gridArea: 'meta',
    display: 'flex',
    flexDirection: 'column',
    minWidth: 0,
    color: tokens.colorNeutralForeground2,
  },
  metaNarrow: { flexDirection: 'row', flexWrap: 'wrap', columnGap: tokens.spacingHorizontalS },
  numbers: { fontVariantNumeric: 'tabular-nums' },
  actions: { gridArea: 'actions', display: 'flex', justifyContent: 'flex-end', gap: tokens.spacingHorizontalXS },
  error: {
    gridArea: 'error',
    color: tokens.colorPaletteRedForeground1,
    overflowWrap: 'anywhere',
  },
});

function StateIcon({ item }: { item: TransferItem }) {
  const styles = useStyles();
  switch (item.state) {
    case 'done':
      return <CheckmarkCircleFilled className={mergeClasses(styles.icon, styles.iconDone)} aria-hidden />;
    case 'failed':
      return <ErrorCircleFilled className={mergeClasses(styles.icon, styles.iconFailed)} aria-hidden />;
    case 'cancelled':
      return <DismissCircleRegular className={styles.icon} aria-hidden />;
    case 'skipped':
      return <SubtractCircleRegular className={styles.icon} aria-hidden />;
    case 'waiting-for-decision':
      return <QuestionCircleRegular className={mergeClasses(styles.icon, styles.iconWaiting)} aria-hidden />;
    default:
      return item.kind === 'upload' ? (
        <ArrowUploadRegular className={styles.icon} aria-hidden />
      ) : (
        <ArrowDownloadRegular className={styles.icon} aria-hidden />
      );
  }
}

/** One transfer: what, where to, how far, how fast, and what can be done about it. */
export const TransferRow = memo(function TransferRow({ item, narrow }: { item: TransferItem; narrow: boolean }) {
  const styles = useStyles();
  const fileName = transferFileName(item);
  const folder = transferFolder(item);
  const percent = transferPercent(item);
  const verb = item.kind === 'upload' ? 'upload' : 'download';
  const canCancel =
    item.state === 'queued' ||
    item.state === 'checking' ||
    item.state === 'uploading' ||
    item.state === 'waiting-for-decision';
  const canRetry = item.retryable && (item.state === 'failed' || item.state === 'cancelled');
  // Cancel turns into Retry and back: keep the keyboard focus on the row's button.
  const retryButton = useRef<HTMLButtonElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const refocus = useRef<'retry' | 'cancel' | null>(null);
  useEffect(() => {
    if (refocus.current === 'retry' && canRetry) retryButton.current?.focus();
    else if (refocus.current === 'cancel' && canCancel) cancelButton.current?.focus();
    else return;
    refocus.current = null;
  }, [canRetry, canCancel]);
  const stateText = transferStateText(item);
  const bytes = transferBytesText(item);
  const speed = transferSpeedText(item);
  // A bar where bytes move or moved: not for rows still queued, waiting or skipped, nor for a
  // failure before the first byte (the state and the error say it).
  const showBar =
    percent !== null &&
    (item.state === 'checking' || item.state === 'uploading' || item.state === 'done' || item.bytesSent > 0);
  const barColor = item.state === 'failed' ? 'error' : item.state === 'done' ? 'success' : 'brand';

  return (
    <div className={mergeClasses(styles.row, narrow ? styles.narrow : styles.wide)} data-state={item.state}>
      <StateIcon item={item} />
      <div className={styles.name}>
        <Text weight="semibold" className={styles.ellipsis} title={item.name}>
          {fileName}
        </Text>
        <Text
          size={200}
          className={mergeClasses(styles.ellipsis, styles.folder)}
          title={`${item.kind === 'upload' ? 'To' : 'From'} ${folder}`}
        >
          {item.kind === 'upload' ? 'to ' : 'from '}
          {folder}
        </Text>
      </div>
      {showBar || !narrow ? (
        <div className={styles.progress}>
          {showBar ? (
            <>
              <ProgressBar
                className={styles.bar}
                value={(percent ?? 0) / 100}
                max={1}
                thickness="large"
                color={barColor}
                aria-label={`${item.kind === 'upload' ? 'Upload' : 'Download'} of ${fileName}`}
                aria-valuetext={`${percent}%`}
              />
              <Text size={200} className={styles.percent}>
                {percent}%
              </Text>
            </>
          ) : null}
        </div>
      ) : null}
      <div className={mergeClasses(styles.meta, styles.metaNarrow)}>
        <Text size={200} className={styles.ellipsis} title={stateText}>
          {stateText}
          {speed ? ` · ${speed}` : ''}
        </Text>
        {bytes ? (
          <Text size={200} className={styles.numbers}>
            {bytes}
          </Text>
        ) : null}
      </div>
      <div className={styles.actions}>
        {canRetry ? (
          <Tooltip content="Retry" relationship="description" withArrow>
            <Button
              ref={retryButton}
              appearance="subtle"
              icon={<ArrowClockwiseRegular />}
              aria-label={`Retry ${verb} of ${fileName}`}
              onClick={(event) => {
                if (event.currentTarget === document.activeElement) refocus.current = 'cancel';
                retryTransfer(item.id);
              }}
            />
          </Tooltip>
        ) : null}
        {canCancel ? (
          <Tooltip content="Cancel" relationship="description" withArrow>
            <Button
              ref={cancelButton}
              appearance="subtle"
              icon={<DismissRegular />}
              aria-label={`Cancel ${verb} of ${fileName}`}
              onClick={(event) => {
                if (event.currentTarget === document.activeElement) refocus.current = 'retry';
                cancelTransfer(item.id);
              }}
            />
          </Tooltip>
        ) : null}
      </div>
      {item.state === 'failed' && item.error ? (
        <Text size={200} className={styles.error}>
          {item.error.message}
        </Text>
      ) : null}
    </div>
  );
});

import {
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  makeStyles,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useRef, useState } from 'react';

import { baseName, keepBothName } from '@/lib/transfers/blob-names';
import type { ConflictDecision, ConflictQuestion } from '@/lib/transfers/transfer-queue';

const useStyles = makeStyles({
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  name: { overflowWrap: 'anywhere' },
});

/**
 * Asks what to do with an upload whose name exists: overwrite, skip, or keep both; with
 * "apply to all" for the other conflicts of the same upload. Escape skips this one file.
 */
export function ConflictDialog({
  question,
  onDecide,
}: {
  question: ConflictQuestion | null;
  onDecide: (id: string, decision: ConflictDecision, applyToAll: boolean) => void;
}) {
  // The last question stays rendered while the dialog closes.
  const last = useRef(question);
  if (question) last.current = question;
  const shown = question ?? last.current;
  return (
    <Dialog
      open={question !== null}
      modalType="alert"
      onOpenChange={(_, data) => {
        if (!data.open && question) onDecide(question.item.id, 'skip', false);
      }}
    >
      {/* Not keyed by item: the next question replaces the text, focus stays in the dialog. */}
      {shown ? <ConflictSurface question={shown} onDecide={onDecide} /> : <></>}
    </Dialog>
  );
}

function ConflictSurface({
  question,
  onDecide,
}: {
  question: ConflictQuestion;
  onDecide: (id: string, decision: ConflictDecision, applyToAll: boolean) => void;
}) {
  const styles = useStyles();
  const { item, batchFiles, otherWaiting } = question;
  // "Apply to all" is ticked for one question at a time; the next one starts unticked.
  const [applyFor, setApplyFor] = useState<string | null>(null);
  const applyToAll = applyFor === item.id;
  const fileName = baseName(item.requestedName);
  const folder = `${item.container}/${item.requestedName.slice(0, item.requestedName.length - fileName.length)}`;
  const decide = (decision: ConflictDecision) => onDecide(item.id, decision, applyToAll);

  return (
    <DialogSurface aria-describedby={`conflict-${item.id}`}>
      <DialogBody>
        <DialogTitle>A file with this name exists</DialogTitle>
        <DialogContent className={styles.content}>
          <Text id={`conflict-${item.id}`}>
            <strong className={styles.name}>{fileName}</strong> is already in{' '}
            <span className={styles.name}>{folder}</span>. Overwrite it, skip this file, or keep both (the new file is
            uploaded as <span className={styles.name}>“{baseName(keepBothName(item.requestedName, 1))}”</span>, or the
            next free number).
          </Text>
          {batchFiles > 1 ? (
            <Checkbox
              checked={applyToAll}
              onChange={(_, data) => setApplyFor(data.checked === true ? item.id : null)}
              label={
                otherWaiting > 0
                  ? `Apply to all conflicts in this upload (${otherWaiting.toLocaleString()} more waiting)`
                  : 'Apply to all conflicts in this upload'
              }
            />
          ) : null}
        </DialogContent>
        <DialogActions>
          <Button appearance="secondary" onClick={() => decide('overwrite')}>
            Overwrite
          </Button>
          <Button appearance="secondary" onClick={() => decide('skip')}>
            Skip
          </Button>
          <Button appearance="primary" onClick={() => decide('keep-both')}>
            Keep both
          </Button>
        </DialogActions>
      </DialogBody>
    </DialogSurface>
  );
}

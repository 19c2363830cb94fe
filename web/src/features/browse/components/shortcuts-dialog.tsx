import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  makeStyles,
  tokens,
} from '@fluentui/react-components';

const useStyles = makeStyles({
  table: { borderCollapse: 'collapse', width: '100%' },
  keys: {
    whiteSpace: 'nowrap',
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalL} ${tokens.spacingVerticalXS} 0`,
    verticalAlign: 'top',
  },
  kbd: {
    display: 'inline-block',
    minWidth: '1.6em',
    padding: `0 ${tokens.spacingHorizontalXS}`,
    border: `1px solid ${tokens.colorNeutralStroke1}`,
    borderBottomWidth: '2px',
    borderRadius: tokens.borderRadiusMedium,
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    textAlign: 'center',
    backgroundColor: tokens.colorNeutralBackground3,
    marginRight: tokens.spacingHorizontalXXS,
  },
  what: { padding: `${tokens.spacingVerticalXS} 0`, color: tokens.colorNeutralForeground2 },
});

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const mod = isMac ? '⌘' : 'Ctrl';

const shortcuts: [string[][], string][] = [
  [[['↑'], ['↓']], 'Move between rows (the row you land on is selected)'],
  [
    [
      ['Shift', '↑'],
      ['Shift', '↓'],
    ],
    'Extend the selection',
  ],
  [
    [
      [mod, '↑'],
      [mod, '↓'],
    ],
    'Move without changing the selection',
  ],
  [[['Space']], 'Select or clear the focused row'],
  [[[mod, 'A']], 'Select everything loaded'],
  [[['Esc']], 'Clear the selection, then close the properties'],
  [[['Enter']], 'Open: a folder, or a file’s properties and preview'],
  [[['Backspace'], ['Alt', '↑']], 'Go up one folder'],
  [[['Delete']], 'Delete the selection (asks first)'],
  [[['Home'], ['End']], 'First or last row'],
  [[['/']], 'Filter by name'],
  [[['?']], 'This list'],
];

/** The keyboard shortcuts of the blob browser, opened with "?". */
export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const styles = useStyles();
  return (
    <Dialog open={open} onOpenChange={(_, data) => (!data.open ? onClose() : undefined)}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Keyboard shortcuts</DialogTitle>
          <DialogContent>
            <table className={styles.table}>
              <tbody>
                {shortcuts.map(([combos, what]) => (
                  <tr key={what}>
                    <td className={styles.keys}>
                      {combos.map((combo, i) => (
                        <span key={i}>
                          {i > 0 ? ' or ' : null}
                          {combo.map((k) => (
                            <kbd key={k} className={styles.kbd}>
                              {k}
                            </kbd>
                          ))}
                        </span>
                      ))}
                    </td>
                    <td className={styles.what}>{what}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" onClick={onClose}>
              Close
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

import {
  Button,
  Input,
  makeStyles,
  mergeClasses,
  Popover,
  PopoverSurface,
  Spinner,
  Text,
  tokens,
  Tooltip,
} from '@fluentui/react-components';
import { ArrowRightRegular, FolderRegular } from '@fluentui/react-icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router';

import { blobPropertiesQuery } from '@/features/browse/api/blob-properties';
import { connectionQuery } from '@/lib/api/connections';
import { useMediaQuery } from '@/lib/hooks/use-media-query';
import { blobPath, displayPath, locationPath, parseBrowseUrl, parsePathInput } from '@/lib/paths';
import { rememberedConnection } from '@/lib/selected-connection';

const useStyles = makeStyles({
  form: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, minWidth: 0, width: '100%' },
  compact: {
    flexDirection: 'column',
    alignItems: 'stretch',
    gap: tokens.spacingVerticalXS,
    marginBottom: tokens.spacingVerticalL,
  },
  label: { flexShrink: 0, color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200 },
  inputRow: { display: 'flex', gap: tokens.spacingHorizontalXS, flexGrow: 1, minWidth: 0 },
  input: { flexGrow: 1, minWidth: 0 },
  problem: { color: tokens.colorPaletteRedForeground1, maxWidth: '420px' },
});

/**
 * The editable path in the header: shows `container/folder/` of the current place; type or
 * paste a path (also az://… or a blob URL) and Enter goes there. A path that names a blob
 * opens that blob's properties.
 */
export function PathBox({ compact = false }: { compact?: boolean }) {
  const styles = useStyles();
  // Under 760 px the shell shows the box in its navigation drawer: label above, room below.
  const stacked = useMediaQuery('(max-width: 760px)') || compact;
  const navigate = useNavigate();
  const client = useQueryClient();
  const location = useLocation();
  const inputId = useId();
  const here = parseBrowseUrl(location.pathname, location.search);
  const connectionId = here?.connectionId ?? rememberedConnection();
  const connection = useQuery({ ...connectionQuery(connectionId ?? 0), enabled: connectionId !== null });
  // With an item open, the box shows its whole path (what Enter would open again).
  const shown = here ? (here.item && here.container ? `${here.container}/${here.item}` : displayPath(here)) : '';

  // What the user typed, while they edit; otherwise the box shows where they are.
  const [draft, setDraft] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const [anchor, setAnchor] = useState<HTMLDivElement | null>(null);
  const value = draft ?? shown;

  // A long path shows its end (where the user is), not its start.
  useEffect(() => {
    const input = inputRef.current;
    if (!input) return;
    const toEnd = () => {
      if (document.activeElement !== input) input.scrollLeft = input.scrollWidth;
    };
    toEnd();
    // The header settles its widths after the first paint (the connection's name loads).
    const frame = requestAnimationFrame(toEnd);
    void document.fonts?.ready.then(toEnd);
    const observer = new ResizeObserver(toEnd);
    observer.observe(input);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    };
  }, [shown]);

  async function go(event?: FormEvent) {
    event?.preventDefault();
    if (connectionId === null) {
      setProblem('Choose a connection first.');
      return;
    }
    const parsed = parsePathInput(value, connection.data?.endpoint);
    if (!parsed) {
      setProblem('Type a path such as “container/folder/”, or paste a blob URL.');
      return;
    }
    setProblem(null);
    if (parsed.blob) {
      // "c/a/b" may be the blob "a/b" or the folder "a/b/": ask the server.
      setBusy(true);
      try {
        await client.fetchQuery(blobPropertiesQuery({ connectionId, container: parsed.container, name: parsed.blob }));
        setDraft(null);
        navigate(blobPath(connectionId, parsed.container, parsed.blob));
        return;
      } catch {
        // Not a blob (or the check failed): open it as a folder, whose listing shows any error in place.
      } finally {
        setBusy(false);
      }
    }
    setDraft(null);
    navigate(locationPath({ connectionId, container: parsed.container, prefix: parsed.prefix }));
    inputRef.current?.blur();
  }

  return (
    <Popover
      open={problem !== null && anchor !== null}
      positioning={{ position: 'below', align: 'start', target: anchor }}
      onOpenChange={(_, data) => (!data.open ? setProblem(null) : undefined)}
    >
      <form
        className={mergeClasses(styles.form, stacked && styles.compact)}
        onSubmit={(e) => void go(e)}
        role="search"
        aria-label="Go to a path"
      >
        <label htmlFor={inputId} className={styles.label}>
          Path
        </label>
        <div className={styles.inputRow} ref={setAnchor}>
          <Input
            id={inputId}
            ref={inputRef}
            className={styles.input}
            value={value}
            placeholder={connectionId === null ? 'Choose a connection first' : 'container/folder/ or a blob URL'}
            contentBefore={<FolderRegular aria-hidden />}
            contentAfter={busy ? <Spinner size="extra-tiny" /> : undefined}
            spellCheck={false}
            autoComplete="off"
            aria-invalid={problem !== null}
            aria-describedby={problem ? `${inputId}-problem` : undefined}
            onChange={(_, data) => {
              setDraft(data.value);
              setProblem(null);
            }}
            onFocus={(event) => event.currentTarget.select()}
            onBlur={() => {
              if (draft === shown) setDraft(null);
            }}
            onKeyDown={(event) => {
              if (event.key === 'Escape') {
                setDraft(null);
                setProblem(null);
                event.currentTarget.blur();
              }
            }}
          />
          <Tooltip content="Go" relationship="label">
            <Button type="submit" icon={<ArrowRightRegular />} disabled={busy} />
          </Tooltip>
        </div>
      </form>
      <PopoverSurface>
        <Text id={`${inputId}-problem`} className={styles.problem} role="alert">
          {problem}
        </Text>
      </PopoverSurface>
    </Popover>
  );
}

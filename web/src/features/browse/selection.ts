// The listing's selection as a pure model: a set of keys, the anchor of Shift ranges and the
// focused row. Every function takes the ordered keys of the rows as shown (sorted) and
// returns a new state, so the rules are tested without a DOM.

export interface SelectionState {
  selected: ReadonlySet<string>;
  /** Where a Shift range starts: the last row clicked or toggled without Shift. */
  anchor: string | null;
  /** The row that has the keyboard focus. */
  focus: string | null;
}

export const emptySelection: SelectionState = { selected: new Set(), anchor: null, focus: null };

/** A plain click: this row only. */
export function selectOnly(_state: SelectionState, key: string): SelectionState {
  return { selected: new Set([key]), anchor: key, focus: key };
}

/** Ctrl/Cmd-click, the checkbox or Space: flip one row, keep the others. */
export function toggle(state: SelectionState, key: string): SelectionState {
  const selected = new Set(state.selected);
  if (selected.has(key)) selected.delete(key);
  else selected.add(key);
  return { selected, anchor: key, focus: key };
}

function range(keys: readonly string[], from: string | null, to: string): string[] {
  const end = keys.indexOf(to);
  if (end < 0) return [];
  let start = from === null ? -1 : keys.indexOf(from);
  if (start < 0) start = end;
  const [lo, hi] = start <= end ? [start, end] : [end, start];
  return keys.slice(lo, hi + 1);
}

/**
 * Shift-click: the rows from the anchor to this one. With `additive` (Ctrl+Shift) the
 * range is added to what is selected; otherwise it replaces it. The anchor stays.
 */
export function selectRange(
  state: SelectionState,
  keys: readonly string[],
  key: string,
  additive = false,
): SelectionState {
  const selected = new Set(additive ? state.selected : []);
  for (const k of range(keys, state.anchor, key)) selected.add(k);
  return { selected, anchor: state.anchor ?? key, focus: key };
}

/** Ctrl/Cmd+A. */
export function selectAll(state: SelectionState, keys: readonly string[]): SelectionState {
  return { selected: new Set(keys), anchor: state.anchor, focus: state.focus ?? keys[0] ?? null };
}

/** Esc: nothing selected; the focus stays where it is. */
export function clearSelection(state: SelectionState): SelectionState {
  return { selected: new Set(), anchor: null, focus: state.focus };
}

/** What a click on a row does, given the modifier keys held. */
export function clickRow(
  state: SelectionState,
  keys: readonly string[],
  key: string,
  modifiers: { shift?: boolean; ctrl?: boolean },
): SelectionState {
  if (modifiers.shift) return selectRange(state, keys, key, modifiers.ctrl);
  if (modifiers.ctrl) return toggle(state, key);
  return selectOnly(state, key);
}

export type FocusMove = number | 'first' | 'last';

/**
 * Arrow keys, Home/End, Page Up/Down. A plain move selects the row it lands on (like a file
 * manager), Shift extends the range from the anchor, Ctrl moves the focus only.
 */
export function moveFocus(
  state: SelectionState,
  keys: readonly string[],
  move: FocusMove,
  modifiers: { shift?: boolean; ctrl?: boolean } = {},
): SelectionState {
  if (keys.length === 0) return state;
  const current = state.focus === null ? -1 : keys.indexOf(state.focus);
  let next: number;
  if (move === 'first') next = 0;
  else if (move === 'last') next = keys.length - 1;
  else if (current < 0) next = move > 0 ? 0 : keys.length - 1;
  else next = Math.min(keys.length - 1, Math.max(0, current + move));
  const key = keys[next] as string;
  if (modifiers.shift) return selectRange({ ...state, anchor: state.anchor ?? state.focus ?? key }, keys, key);
  if (modifiers.ctrl) return { ...state, focus: key };
  return selectOnly(state, key);
}

/** Drops keys that are no longer listed (after a refresh, a delete or a new filter). */
export function prune(state: SelectionState, keys: readonly string[]): SelectionState {
  const present = new Set(keys);
  let changed = false;
  const selected = new Set<string>();
  for (const key of state.selected) {
    if (present.has(key)) selected.add(key);
    else changed = true;
  }
  const anchor = state.anchor !== null && present.has(state.anchor) ? state.anchor : null;
  const focus = state.focus !== null && present.has(state.focus) ? state.focus : null;
  if (!changed && anchor === state.anchor && focus === state.focus) return state;
  return { selected, anchor, focus };
}

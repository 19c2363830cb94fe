import {
  clearSelection,
  clickRow,
  emptySelection,
  moveFocus,
  prune,
  selectAll,
  selectOnly,
  selectRange,
  toggle,
  type SelectionState,
} from '@/features/browse/selection';

const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
const picked = (s: SelectionState) => [...s.selected].sort();

describe('selection', () => {
  it('a click selects one row and sets the anchor', () => {
    const s = clickRow(selectOnly(emptySelection, 'a'), keys, 'c', {});
    expect(picked(s)).toEqual(['c']);
    expect(s.anchor).toBe('c');
    expect(s.focus).toBe('c');
  });

  it('Shift-click selects the range from the anchor, either way', () => {
    let s = clickRow(emptySelection, keys, 'b', {});
    s = clickRow(s, keys, 'e', { shift: true });
    expect(picked(s)).toEqual(['b', 'c', 'd', 'e']);
    expect(s.anchor).toBe('b');
    // A second Shift-click re-draws the range from the same anchor.
    s = clickRow(s, keys, 'a', { shift: true });
    expect(picked(s)).toEqual(['a', 'b']);
  });

  it('Shift-click without an anchor selects just that row', () => {
    expect(picked(selectRange(emptySelection, keys, 'd'))).toEqual(['d']);
  });

  it('Ctrl-click toggles one row and keeps the rest', () => {
    let s = clickRow(emptySelection, keys, 'a', {});
    s = clickRow(s, keys, 'c', { ctrl: true });
    s = clickRow(s, keys, 'e', { ctrl: true });
    expect(picked(s)).toEqual(['a', 'c', 'e']);
    s = clickRow(s, keys, 'c', { ctrl: true });
    expect(picked(s)).toEqual(['a', 'e']);
    expect(s.anchor).toBe('c');
  });

  it('Ctrl+Shift-click adds a range to the selection', () => {
    let s = clickRow(emptySelection, keys, 'a', {});
    s = clickRow(s, keys, 'd', { ctrl: true });
    s = clickRow(s, keys, 'f', { ctrl: true, shift: true });
    expect(picked(s)).toEqual(['a', 'd', 'e', 'f']);
  });

  it('select all and clear', () => {
    const all = selectAll(emptySelection, keys);
    expect(picked(all)).toEqual(keys);
    const cleared = clearSelection({ ...all, focus: 'c' });
    expect(cleared.selected.size).toBe(0);
    expect(cleared.focus).toBe('c');
    expect(cleared.anchor).toBeNull();
  });

  it('toggle flips one row', () => {
    expect(picked(toggle(toggle(emptySelection, 'b'), 'b'))).toEqual([]);
  });

  it('arrows move and select; Shift extends; Ctrl moves the focus only', () => {
    let s = moveFocus(emptySelection, keys, 1);
    expect(s.focus).toBe('a');
    expect(picked(s)).toEqual(['a']);
    s = moveFocus(s, keys, 1, { shift: true });
    s = moveFocus(s, keys, 1, { shift: true });
    expect(picked(s)).toEqual(['a', 'b', 'c']);
    s = moveFocus(s, keys, 1, { ctrl: true });
    expect(s.focus).toBe('d');
    expect(picked(s)).toEqual(['a', 'b', 'c']);
    s = moveFocus(s, keys, 'last');
    expect(picked(s)).toEqual(['f']);
    s = moveFocus(s, keys, 10);
    expect(s.focus).toBe('f');
    s = moveFocus(s, keys, 'first', { shift: true });
    expect(picked(s)).toEqual(keys);
  });

  it('prune drops rows that are gone, and keeps the same object when nothing is', () => {
    const s = selectAll({ ...emptySelection, anchor: 'a', focus: 'f' }, keys);
    expect(prune(s, keys)).toBe(s);
    const pruned = prune(s, ['a', 'b']);
    expect(picked(pruned)).toEqual(['a', 'b']);
    expect(pruned.focus).toBeNull();
    expect(pruned.anchor).toBe('a');
  });
});

// Finding Fluent dialogs in jsdom: under load a dialog can stay `aria-hidden` (mid-animation) for
// a while, and Testing Library then computes no accessible name; these find it by its title's
// text instead. Axe in the real browser covers the dialogs' accessibility.
import { screen, waitFor, within } from '@testing-library/react';
import { expect } from 'vitest';

/** The open dialog titled `title`. */
export async function findDialog(role: 'dialog' | 'alertdialog', title: string): Promise<HTMLElement> {
  return waitFor(() => {
    const found = screen.getAllByRole(role, { hidden: true }).find((d) => d.querySelector('h2')?.textContent === title);
    expect(found, `a ${role} titled “${title}”`).toBeDefined();
    return found!;
  });
}

/** A button of a dialog, by its text (see findDialog). */
export async function dialogButton(dialog: HTMLElement, label: string): Promise<HTMLElement> {
  return waitFor(() => within(dialog).getByText(label, { selector: 'button' }));
}

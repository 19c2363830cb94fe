import { describe, expect, it } from 'vitest';

import { safeNextPath } from '@/features/auth/next-path';

describe('safeNextPath', () => {
  it.each([
    ['/c/3/docs/reports/', '/c/3/docs/reports/'],
    ['/c/3/docs/?item=a%20b.pdf', '/c/3/docs/?item=a%20b.pdf'],
    ['/connections?new=1', '/connections?new=1'],
    ['/settings#password', '/settings#password'],
  ])('keeps the same-site path %s', (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });

  it.each([
    [null],
    [''],
    ['//evil.example/phish'],
    ['/\\evil.example'],
    ['https://evil.example/'],
    ['http:/evil.example'],
    ['javascript:alert(1)'],
    ['evil.example'],
    ['/\t/evil.example'],
    ['/ /evil.example'],
    ['/sign-in?next=/x'],
    ['/register'],
  ])('refuses %s (goes to /)', (next) => {
    expect(safeNextPath(next)).toBe('/');
  });
});

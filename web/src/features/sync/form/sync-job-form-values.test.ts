import { describe, expect, it } from 'vitest';

import {
  intervalSeconds,
  localPathProblem,
  newSyncJobValues,
  normalizeFolder,
  placeServerErrors,
  toCreateBody,
  validateSyncJob,
  type SyncJobFormValues,
} from '@/features/sync/form/sync-job-form-values';
import { ProblemError } from '@/lib/api/problem';

const connectionId = 7;

function values(overrides: Partial<SyncJobFormValues> = {}): SyncJobFormValues {
  return { ...newSyncJobValues(connectionId), container: 'docs', ...overrides };
}

describe('validateSyncJob', () => {
  it('accepts a download of a whole container into the sync folder itself', () => {
    expect(validateSyncJob(values(), connectionId)).toEqual({});
  });

  it('asks for a container with a valid name', () => {
    expect(validateSyncJob(values({ container: '' }), connectionId).container).toBe('Choose or type a container.');
    expect(validateSyncJob(values({ container: 'My_Docs' }), connectionId).container).toMatch(/3 to 63 lowercase/);
    expect(validateSyncJob(values({ container: 'a--b' }), connectionId).container).toMatch(/single hyphens/);
    expect(validateSyncJob(values({ container: '$web' }), connectionId)).toEqual({});
  });

  it.each([
    ['/etc', /without a leading “\/”/],
    ['C:\\data', /without a leading “\/”/],
    ['team/../../etc', /cannot go up/],
    ['..', /cannot go up/],
  ])('refuses the local folder %s', (localPath, message) => {
    expect(validateSyncJob(values({ localPath }), connectionId).local_path).toMatch(message);
  });

  it('accepts local folders inside the sync folder', () => {
    for (const path of ['', 'team-a/reports', 'a..b', 'reports/']) expect(localPathProblem(path)).toBeNull();
  });

  it('needs a target container for a copy, and no local folder', () => {
    const errors = validateSyncJob(values({ direction: 'copy', localPath: '/ignored' }), connectionId);
    expect(errors['target.container']).toBe('Choose or type a container.');
    expect(errors.local_path).toBeUndefined();
  });

  it('refuses a copy into its own folder, or a folder inside it, on the same container', () => {
    const copy = (folder: string, targetFolder: string, targetContainer = 'docs', target = connectionId) =>
      validateSyncJob(
        values({
          direction: 'copy',
          folder,
          targetFolder,
          targetContainer,
          targetConnectionId: String(target),
        }),
        connectionId,
      )['target.prefix'];
    expect(copy('', 'backup/')).toMatch(/must not copy its own output/);
    expect(copy('reports', 'reports/old')).toMatch(/own output/);
    expect(copy('reports/2026', 'reports')).toMatch(/own output/);
    expect(copy('reports', 'reports-old')).toBeUndefined();
    expect(copy('', '', 'backup')).toBeUndefined();
    expect(copy('', '', 'docs', 8)).toBeUndefined();
  });

  it('takes an empty delete limit as no limit, and refuses anything but a whole number', () => {
    expect(validateSyncJob(values({ deleteExtraneous: true, maxDelete: '' }), connectionId)).toEqual({});
    expect(validateSyncJob(values({ deleteExtraneous: true, maxDelete: '0' }), connectionId)).toEqual({});
    for (const maxDelete of ['-1', '2.5', 'ten']) {
      expect(validateSyncJob(values({ deleteExtraneous: true, maxDelete }), connectionId).max_delete).toMatch(
        /whole number/,
      );
    }
    // Ignored while deletes are off.
    expect(validateSyncJob(values({ deleteExtraneous: false, maxDelete: 'ten' }), connectionId)).toEqual({});
  });

  it('checks the schedule: a whole number of minutes or hours, up to 365 days', () => {
    const schedule = (unit: SyncJobFormValues['schedule'], every: string) =>
      validateSyncJob(values({ schedule: unit, every }), connectionId).interval_seconds;
    expect(schedule('minutes', '1')).toBeUndefined();
    expect(schedule('hours', '8760')).toBeUndefined();
    expect(schedule('minutes', '0')).toMatch(/1 or more/);
    expect(schedule('minutes', '')).toMatch(/1 or more/);
    expect(schedule('hours', '1.5')).toMatch(/whole number of hours/);
    expect(schedule('hours', '8761')).toMatch(/8,760 hours/);
    expect(schedule('minutes', '525601')).toMatch(/525,600 minutes/);
    expect(schedule('none', 'nonsense')).toBeUndefined();
  });
});

describe('toCreateBody', () => {
  it('builds a download with a normalized folder and no target', () => {
    expect(toCreateBody(values({ folder: ' /reports/2026// ', localPath: 'team-a/reports/' }))).toEqual({
      direction: 'download',
      container: 'docs',
      prefix: 'reports/2026/',
      local_path: 'team-a/reports',
      target: null,
      delete_extraneous: false,
      max_delete: null,
      compare: 'size_mtime',
      interval_seconds: null,
    });
  });

  it('builds a scheduled copy that deletes with a limit', () => {
    expect(
      toCreateBody(
        values({
          direction: 'copy',
          localPath: 'not sent',
          targetConnectionId: '9',
          targetContainer: 'backup',
          targetFolder: 'docs',
          deleteExtraneous: true,
          maxDelete: '25',
          compare: 'md5',
          schedule: 'hours',
          every: '2',
        }),
      ),
    ).toEqual({
      direction: 'copy',
      container: 'docs',
      prefix: '',
      local_path: null,
      target: { connection_id: 9, container: 'backup', prefix: 'docs/' },
      delete_extraneous: true,
      max_delete: 25,
      compare: 'md5',
      interval_seconds: 7200,
    });
  });

  it('sends no limit when deletes are off, or the limit is empty', () => {
    expect(toCreateBody(values({ deleteExtraneous: false, maxDelete: '5' })).max_delete).toBeNull();
    expect(toCreateBody(values({ deleteExtraneous: true, maxDelete: ' ' })).max_delete).toBeNull();
  });

  it('turns minutes into seconds', () => {
    expect(intervalSeconds(values({ schedule: 'minutes', every: '15' }))).toBe(900);
    expect(intervalSeconds(values({ schedule: 'none' }))).toBeNull();
  });
});

describe('normalizeFolder', () => {
  it.each([
    ['', ''],
    ['/', ''],
    ['reports', 'reports/'],
    ['reports/', 'reports/'],
    ['/reports/2026//', 'reports/2026/'],
    ['  photos  ', 'photos/'],
  ])('%j becomes %j', (input, output) => expect(normalizeFolder(input)).toBe(output));
});

describe('placeServerErrors', () => {
  it('puts invalid_local_path on the local folder', () => {
    const error = new ProblemError({
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      code: 'invalid_local_path',
      detail: "local path '../x' must not contain '..'",
    });
    expect(placeServerErrors(error, values())).toEqual({
      fields: { local_path: "Local path '../x' must not contain '..'." },
      unplaced: false,
    });
  });

  it('puts field errors on their fields, and says when some have no field', () => {
    const error = new ProblemError({
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      code: 'validation_error',
      detail: 'the request is invalid',
      errors: [
        { field: 'target.connection_id', message: 'is not one of your connections' },
        { field: 'foo', message: 'is not a known field' },
      ],
    });
    expect(placeServerErrors(error, values({ direction: 'copy' }))).toEqual({
      fields: { 'target.connection_id': 'This is not one of your connections.' },
      unplaced: true,
    });
    // A field the form does not show for this direction is left to the form's message.
    expect(placeServerErrors(error, values({ direction: 'download' }))).toEqual({ fields: {}, unplaced: true });
  });
});

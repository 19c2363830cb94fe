import { QueryClient } from '@tanstack/react-query';

import { ProblemError } from '@/lib/api/problem';
import { getSession, startSession } from '@/lib/auth/session';
import { keepBothName } from '@/lib/transfers/blob-names';
import {
  cancelTransfer,
  clearFinishedTransfers,
  downloadBlob,
  enqueueUploads,
  getTransfers,
  largeFileBytes,
  registerQueryClient,
  resetTransfers,
  resolveConflict,
  retryTransfer,
  type TransferItem,
  type UploadFile,
} from '@/lib/transfers/transfer-queue';
import { FakeXhr, installFakeXhr, pendingXhrs } from '@/testing/fake-xhr';
import { jsonResponse, problemResponse, stubFetch } from '@/testing/stub-fetch';

const propertiesPath = '/api/v1/azure_blob/connections/1/blobs/properties';
const target = { connectionId: 1, container: 'docs', prefix: 'reports/' };

function file(name: string, size = 10, type = 'text/plain'): UploadFile {
  const f = new File(['x'.repeat(Math.min(size, 16))], name, { type });
  Object.defineProperty(f, 'size', { value: size });
  return { file: f, relativePath: name };
}

function item(name: string): TransferItem {
  const found = getTransfers().items.find((i) => i.requestedName === name || i.name === name);
  if (!found) throw new Error(`no transfer named ${name}`);
  return found;
}

function xhrFor(name: string): FakeXhr {
  const found = [...FakeXhr.instances].reverse().find((x) => x.query.get('name') === name);
  if (!found) throw new Error(`no upload of ${name}`);
  return found;
}

/** Blob properties answer 200 for these names and 404 blob_not_found for the others. */
function stubExisting(existing: Set<string>, extra: Parameters<typeof stubFetch>[0] = {}) {
  return stubFetch({
    'GET /api/v1/azure_blob/connections/{id}/blobs/properties': (request) => {
      const name = request.search.get('name') ?? '';
      return existing.has(name)
        ? jsonResponse({
            name,
            size: 1,
            content_type: 'text/plain',
            last_modified: null,
            etag: '"e"',
            content_md5: null,
            access_tier: 'Hot',
            blob_type: 'BlockBlob',
            metadata: {},
          })
        : problemResponse(404, 'blob_not_found', 'The blob does not exist.');
    },
    ...extra,
  });
}

/** Lets the queue's promises (upload finished, next check) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Polls with real timers (vi.waitFor would move a faked clock). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await settle();
  if (!condition()) throw new Error('condition not met');
}

const created = (name: string) => ({
  items: [
    {
      name,
      size: 10,
      content_type: 'text/plain',
      last_modified: null,
      etag: '"e"',
      content_md5: null,
      access_tier: 'Hot',
      blob_type: 'BlockBlob',
    },
  ],
});

beforeEach(() => {
  installFakeXhr();
});

afterEach(() => {
  resetTransfers();
  registerQueryClient(null);
  vi.unstubAllGlobals();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('uploads', () => {
  it('streams the File itself with its type, the token and overwrite=false into the folder', async () => {
    startSession('tok-1', 3600);
    stubExisting(new Set());
    const upload = file('a b+c%.txt', 10, 'text/plain');
    enqueueUploads(target, [upload]);
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    const xhr = pendingXhrs()[0] as FakeXhr;
    expect(xhr.method).toBe('POST');
    expect(xhr.url.startsWith('/api/v1/azure_blob/connections/1/blobs?')).toBe(true);
    expect(xhr.url).toContain('name=reports%2Fa%20b%2Bc%25.txt');
    expect(xhr.query.get('container')).toBe('docs');
    expect(xhr.query.get('name')).toBe('reports/a b+c%.txt');
    expect(xhr.query.get('overwrite')).toBe('false');
    expect(xhr.headers['Content-Type']).toBe('text/plain');
    expect(xhr.headers.Authorization).toBe('Bearer tok-1');
    expect(xhr.body).toBe(upload.file); // the File, not its bytes read into memory
  });

  it('sends application/octet-stream when the file has no type', async () => {
    stubExisting(new Set());
    enqueueUploads(target, [file('blob.bin', 10, '')]);
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    expect(pendingXhrs()[0]?.headers['Content-Type']).toBe('application/octet-stream');
  });

  it('keeps folder paths under the prefix', async () => {
    stubExisting(new Set());
    enqueueUploads(target, [{ ...file('a.txt'), relativePath: 'photos/2024/a.txt' }]);
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    expect(pendingXhrs()[0]?.query.get('name')).toBe('reports/photos/2024/a.txt');
    expect(item('reports/photos/2024/a.txt').container).toBe('docs');
  });

  it('runs at most three uploads at once and starts the next as one finishes', async () => {
    stubExisting(new Set());
    enqueueUploads(
      target,
      ['1', '2', '3', '4', '5'].map((n) => file(`${n}.txt`)),
    );
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(3));
    await new Promise((r) => setTimeout(r, 20));
    expect(pendingXhrs()).toHaveLength(3);
    expect(getTransfers()).toMatchObject({ running: 3, queued: 2, active: 5 });
    expect(pendingXhrs().map((x) => x.query.get('name'))).toEqual(['reports/1.txt', 'reports/2.txt', 'reports/3.txt']);

    xhrFor('reports/1.txt').respond(201, created('reports/1.txt'));
    await settle();
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(3));
    expect(xhrFor('reports/4.txt').sent).toBe(true);
    expect(item('reports/1.txt').state).toBe('done');
    expect(getTransfers()).toMatchObject({ running: 3, queued: 1, done: 1 });
  });

  it('keeps a slot for small files while large ones run', async () => {
    stubExisting(new Set());
    const big = (n: string) => file(n, largeFileBytes * 2, 'video/mp4');
    enqueueUploads(target, [big('a.mp4'), big('b.mp4'), big('c.mp4'), file('small.txt')]);
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(3));
    expect(pendingXhrs().map((x) => x.query.get('name'))).toEqual([
      'reports/a.mp4',
      'reports/b.mp4',
      'reports/small.txt',
    ]);
    expect(item('reports/c.mp4').state).toBe('queued');
  });

  it('reports bytes sent, a rate smoothed over a few seconds and the time remaining', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = new Date('2026-01-01T00:00:00Z').getTime();
    vi.setSystemTime(start);
    stubExisting(new Set());
    const MiB = 1024 * 1024;
    enqueueUploads(target, [file('big.bin', 10 * MiB, 'application/octet-stream')]);
    await until(() => pendingXhrs().length === 1);
    const xhr = pendingXhrs()[0] as FakeXhr;
    expect(item('reports/big.bin')).toMatchObject({ state: 'uploading', bytesSent: 0, rate: null });

    vi.setSystemTime(start + 200);
    xhr.progress(3 * MiB); // the burst into the socket's buffers: too short a span to judge
    expect(item('reports/big.bin')).toMatchObject({ bytesSent: 3 * MiB, rate: null, remainingSeconds: null });

    vi.setSystemTime(start + 1000);
    xhr.progress(4 * MiB);
    expect(item('reports/big.bin').rate).toBeCloseTo(4 * MiB, -3);

    vi.setSystemTime(start + 4000);
    xhr.progress(7 * MiB); // window of 3 s: from (1 s, 4 MiB) to (4 s, 7 MiB)
    const now = item('reports/big.bin');
    expect(now.bytesSent).toBe(7 * MiB);
    expect(now.rate).toBeCloseTo(1 * MiB, -3);
    expect(now.remainingSeconds).toBeCloseTo(3, 5);
    expect(getTransfers()).toMatchObject({ activeBytes: 10 * MiB, activeBytesSent: 7 * MiB });

    xhr.respond(201, created('reports/big.bin'));
    await settle();
    expect(item('reports/big.bin')).toMatchObject({ state: 'done', bytesSent: 10 * MiB, rate: null });
  });

  it('cancels a running upload (aborting it) and a queued one, and moves on', async () => {
    stubExisting(new Set());
    enqueueUploads(
      target,
      ['1', '2', '3', '4', '5'].map((n) => file(`${n}.txt`)),
    );
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(3));
    const first = xhrFor('reports/1.txt');
    cancelTransfer(item('reports/1.txt').id);
    cancelTransfer(item('reports/5.txt').id);
    expect(first.aborted).toBe(true);
    expect(item('reports/1.txt').state).toBe('cancelled');
    expect(item('reports/5.txt').state).toBe('cancelled');
    await vi.waitFor(() => expect(xhrFor('reports/4.txt').sent).toBe(true));
    await new Promise((r) => setTimeout(r, 20));
    expect(FakeXhr.instances.some((x) => x.query.get('name') === 'reports/5.txt')).toBe(false);
    expect(getTransfers()).toMatchObject({ cancelled: 2, running: 3, queued: 0 });
  });

  it('fails with the API detail, and retry queues it again', async () => {
    stubExisting(new Set());
    enqueueUploads(target, [file('a.txt')]);
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    pendingXhrs()[0]?.respond(502, {
      type: 'about:blank',
      title: 'Bad gateway',
      status: 502,
      code: 'azure_error',
      detail: 'Azure answered 500 InternalError.',
    });
    await settle();
    const failed = item('reports/a.txt');
    expect(failed.state).toBe('failed');
    expect(failed.error).toBeInstanceOf(ProblemError);
    expect(failed.error?.message).toBe('Azure answered 500 InternalError.');
    expect(getTransfers().failed).toBe(1);

    retryTransfer(failed.id);
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    expect(item('reports/a.txt')).toMatchObject({ state: 'uploading', error: null });
    pendingXhrs()[0]?.respond(201, created('reports/a.txt'));
    await settle();
    expect(item('reports/a.txt').state).toBe('done');
  });

  it('says what happened when the connection breaks part way', async () => {
    stubExisting(new Set());
    enqueueUploads(target, [file('a.txt')]);
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    pendingXhrs()[0]?.failNetwork();
    await settle();
    expect(item('reports/a.txt').state).toBe('failed');
    expect(item('reports/a.txt').error?.message).toMatch(/upload stopped/i);
  });

  it('fails when the folder check fails for another reason than a free name', async () => {
    stubFetch({
      'GET /api/v1/azure_blob/connections/{id}/blobs/properties': () =>
        problemResponse(404, 'container_not_found', 'The container docs does not exist.'),
    });
    enqueueUploads(target, [file('a.txt')]);
    await vi.waitFor(() => expect(item('reports/a.txt').state).toBe('failed'));
    expect(item('reports/a.txt').error?.message).toBe('The container docs does not exist.');
    expect(FakeXhr.instances).toHaveLength(0);
  });

  it('ends the session on a 401 and marks what was running as failed', async () => {
    startSession('tok-1', 3600);
    stubExisting(new Set());
    enqueueUploads(target, [file('a.txt'), file('b.txt'), file('c.txt'), file('d.txt')]);
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(3));
    xhrFor('reports/a.txt').respond(401, {
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      code: 'unauthorized',
      detail: 'The token expired.',
    });
    await settle();
    expect(getSession()).toBeNull();
    expect(getTransfers()).toMatchObject({ failed: 4, active: 0 });
    expect(item('reports/d.txt').error?.code).toBe('session_expired');
    expect(xhrFor('reports/b.txt').aborted).toBe(true);
  });

  it('shows an unreadable file as a failed row that cannot be retried', () => {
    stubExisting(new Set());
    enqueueUploads(target, [
      { file: new File([], 'gone.txt'), relativePath: 'dir/gone.txt', unreadable: 'NotFoundError' },
    ]);
    const row = item('reports/dir/gone.txt');
    expect(row).toMatchObject({ state: 'failed', retryable: false });
    expect(row.error?.message).toContain('dir/gone.txt');
    retryTransfer(row.id);
    expect(item('reports/dir/gone.txt').state).toBe('failed');
  });
});

describe('name conflicts', () => {
  it('asks when the name exists, while the other files go on', async () => {
    stubExisting(new Set(['reports/a.txt']));
    enqueueUploads(target, [file('a.txt'), file('b.txt')]);
    await vi.waitFor(() => expect(getTransfers().conflict?.item.requestedName).toBe('reports/a.txt'));
    expect(item('reports/a.txt').state).toBe('waiting-for-decision');
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    expect(pendingXhrs()[0]?.query.get('name')).toBe('reports/b.txt');
    expect(getTransfers().conflict).toMatchObject({ batchFiles: 2, otherWaiting: 0 });
  });

  it('overwrite uploads with overwrite=true', async () => {
    const { calls } = stubExisting(new Set(['reports/a.txt']));
    enqueueUploads(target, [file('a.txt')]);
    await vi.waitFor(() => expect(getTransfers().conflict).not.toBeNull());
    resolveConflict(item('reports/a.txt').id, 'overwrite');
    expect(getTransfers().conflict).toBeNull();
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    expect(pendingXhrs()[0]?.query.get('overwrite')).toBe('true');
    expect(pendingXhrs()[0]?.query.get('name')).toBe('reports/a.txt');
    expect(calls('GET', propertiesPath)).toHaveLength(1); // no second check for an overwrite
    pendingXhrs()[0]?.respond(201, created('reports/a.txt'));
    await settle();
    expect(item('reports/a.txt')).toMatchObject({ state: 'done', decision: 'overwrite' });
  });

  it('skip leaves the blob alone', async () => {
    stubExisting(new Set(['reports/a.txt']));
    enqueueUploads(target, [file('a.txt')]);
    await vi.waitFor(() => expect(getTransfers().conflict).not.toBeNull());
    resolveConflict(item('reports/a.txt').id, 'skip');
    expect(item('reports/a.txt').state).toBe('skipped');
    expect(getTransfers()).toMatchObject({ skipped: 1, active: 0, conflict: null });
    expect(FakeXhr.instances).toHaveLength(0);
  });

  it('keep both uploads as "name (n).ext", the first free number', async () => {
    stubExisting(new Set(['reports/a.txt', 'reports/a (1).txt']));
    enqueueUploads(target, [file('a.txt')]);
    await vi.waitFor(() => expect(getTransfers().conflict).not.toBeNull());
    resolveConflict(item('reports/a.txt').id, 'keep-both');
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    const xhr = pendingXhrs()[0] as FakeXhr;
    expect(xhr.query.get('name')).toBe('reports/a (2).txt');
    expect(xhr.query.get('overwrite')).toBe('false');
    xhr.respond(201, created('reports/a (2).txt'));
    await settle();
    expect(item('reports/a.txt')).toMatchObject({
      state: 'done',
      name: 'reports/a (2).txt',
      requestedName: 'reports/a.txt',
    });
  });

  it('apply to all answers the waiting conflicts of the batch and the later ones, not other batches', async () => {
    let releaseLate: () => void = () => {};
    const late = new Promise<void>((resolve) => {
      releaseLate = resolve;
    });
    const existing = new Set(['reports/1.txt', 'reports/2.txt', 'reports/3.txt', 'reports/late.txt', 'other/x.txt']);
    stubFetch({
      'GET /api/v1/azure_blob/connections/{id}/blobs/properties': async (request) => {
        const name = request.search.get('name') ?? '';
        if (name === 'reports/late.txt') await late;
        return existing.has(name)
          ? jsonResponse({ name, size: 1 })
          : problemResponse(404, 'blob_not_found', 'No blob.');
      },
    });
    enqueueUploads(target, [file('1.txt'), file('2.txt'), file('late.txt'), file('3.txt')]);
    enqueueUploads({ ...target, prefix: 'other/' }, [file('x.txt')]);
    await vi.waitFor(() => expect(getTransfers().waiting).toBe(4));
    expect(getTransfers().conflict).toMatchObject({ batchFiles: 4, otherWaiting: 2 });
    expect(item('reports/late.txt').state).toBe('checking');

    resolveConflict(item('reports/1.txt').id, 'skip', true);
    expect(item('reports/1.txt').state).toBe('skipped');
    expect(item('reports/2.txt').state).toBe('skipped');
    expect(item('reports/3.txt').state).toBe('skipped');
    expect(item('other/x.txt').state).toBe('waiting-for-decision'); // another upload: asked on its own
    expect(getTransfers().conflict?.item.requestedName).toBe('other/x.txt');

    releaseLate();
    await vi.waitFor(() => expect(item('reports/late.txt').state).toBe('skipped'));
    expect(FakeXhr.instances).toHaveLength(0);
  });

  it('keeps asking about the oldest conflict until it is answered', async () => {
    let releaseFirst: () => void = () => {};
    const first = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    stubFetch({
      'GET /api/v1/azure_blob/connections/{id}/blobs/properties': async (request) => {
        const name = request.search.get('name') ?? '';
        if (name === 'reports/1.txt') await first;
        return jsonResponse({ name, size: 1 });
      },
    });
    enqueueUploads(target, [file('1.txt'), file('2.txt')]);
    await vi.waitFor(() => expect(getTransfers().conflict?.item.requestedName).toBe('reports/2.txt'));
    releaseFirst();
    await vi.waitFor(() => expect(getTransfers().waiting).toBe(2));
    expect(getTransfers().conflict?.item.requestedName).toBe('reports/2.txt');
    resolveConflict(item('reports/2.txt').id, 'skip');
    expect(getTransfers().conflict?.item.requestedName).toBe('reports/1.txt');
  });

  it('apply to all with keep both renames each file', async () => {
    stubExisting(new Set(['reports/1.txt', 'reports/2.txt']));
    enqueueUploads(target, [file('1.txt'), file('2.txt')]);
    await vi.waitFor(() => expect(getTransfers().waiting).toBe(2));
    resolveConflict(item('reports/1.txt').id, 'keep-both', true);
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(2));
    expect(
      pendingXhrs()
        .map((x) => x.query.get('name'))
        .sort(),
    ).toEqual(['reports/1 (1).txt', 'reports/2 (1).txt']);
  });

  it('a 409 blob_exists from the upload asks, and overwrite sends again', async () => {
    stubExisting(new Set()); // the check sees a free name; another client takes it meanwhile
    enqueueUploads(target, [file('a.txt')]);
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    pendingXhrs()[0]?.respond(409, {
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      code: 'blob_exists',
      detail: 'The blob reports/a.txt exists.',
    });
    await settle();
    expect(item('reports/a.txt').state).toBe('waiting-for-decision');
    expect(getTransfers().conflict?.item.requestedName).toBe('reports/a.txt');
    resolveConflict(item('reports/a.txt').id, 'overwrite');
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    expect(pendingXhrs()[0]?.query.get('overwrite')).toBe('true');
  });

  it('a 409 blob_exists while keeping both tries the next number', async () => {
    const existing = new Set(['reports/a.txt']);
    stubExisting(existing);
    enqueueUploads(target, [file('a.txt')]);
    await vi.waitFor(() => expect(getTransfers().conflict).not.toBeNull());
    resolveConflict(item('reports/a.txt').id, 'keep-both');
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    expect(pendingXhrs()[0]?.query.get('name')).toBe('reports/a (1).txt');
    existing.add('reports/a (1).txt');
    pendingXhrs()[0]?.respond(409, { status: 409, code: 'blob_exists', detail: 'exists' });
    await settle();
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    expect(pendingXhrs()[0]?.query.get('name')).toBe('reports/a (2).txt');
  });
});

describe('after an upload', () => {
  it('invalidates the blob listings of the container', async () => {
    stubExisting(new Set());
    const client = new QueryClient();
    client.setQueryData(['blobs', 1, 'docs', 'reports/'], { items: [] });
    client.setQueryData(['blobs', 1, 'other', ''], { items: [] });
    const spy = vi.spyOn(client, 'invalidateQueries');
    registerQueryClient(client);
    enqueueUploads(target, [file('a.txt')]);
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    expect(spy).not.toHaveBeenCalled();
    pendingXhrs()[0]?.respond(201, created('reports/a.txt'));
    await settle();
    expect(spy).toHaveBeenCalledWith({ queryKey: ['blobs', 1, 'docs'] });
    expect(client.getQueryState(['blobs', 1, 'docs', 'reports/'])?.isInvalidated).toBe(true);
    expect(client.getQueryState(['blobs', 1, 'other', ''])?.isInvalidated).toBe(false);
  });

  it('clear finished keeps what still runs', async () => {
    stubExisting(new Set());
    enqueueUploads(target, [file('a.txt'), file('b.txt')]);
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(2));
    xhrFor('reports/a.txt').respond(201, created('reports/a.txt'));
    await settle();
    clearFinishedTransfers();
    expect(getTransfers().items.map((i) => i.name)).toEqual(['reports/b.txt']);
  });

  it('asks before the tab closes while uploads run or wait, not after', async () => {
    stubExisting(new Set());
    enqueueUploads(target, [file('a.txt')]);
    const during = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(during);
    expect(during.defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    pendingXhrs()[0]?.respond(201, created('reports/a.txt'));
    await settle();
    const after = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(after);
    expect(after.defaultPrevented).toBe(false);
  });
});

describe('downloads', () => {
  it('asks for a single-use link and hands it to the browser as a download', async () => {
    const { calls } = stubFetch({
      'POST /api/v1/azure_blob/connections/{id}/blobs/link': () =>
        jsonResponse({ url: '/api/v1/blob_links/tok123', expires_at: '2026-01-01T00:01:00Z', single_use: true }, 201),
    });
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    await downloadBlob({ connectionId: 1, container: 'docs', name: 'reports/q1.pdf' });
    expect(calls('POST', '/api/v1/azure_blob/connections/1/blobs/link')[0]?.body).toEqual({
      container: 'docs',
      name: 'reports/q1.pdf',
      disposition: 'attachment',
    });
    expect(clicked).toHaveLength(1);
    expect(clicked[0]?.getAttribute('href')).toBe('/api/v1/blob_links/tok123');
    expect(clicked[0]?.download).toBe('q1.pdf');
    expect(item('reports/q1.pdf')).toMatchObject({ kind: 'download', state: 'done' });
    expect(document.querySelector('a[download]')).toBeNull();
  });

  it('throws the API problem and shows a failed row when the blob is gone', async () => {
    stubFetch({
      'POST /api/v1/azure_blob/connections/{id}/blobs/link': () =>
        problemResponse(404, 'blob_not_found', 'The blob reports/q1.pdf does not exist.'),
    });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    await expect(downloadBlob({ connectionId: 1, container: 'docs', name: 'reports/q1.pdf' })).rejects.toMatchObject({
      code: 'blob_not_found',
      message: 'The blob reports/q1.pdf does not exist.',
    });
    expect(click).not.toHaveBeenCalled();
    expect(item('reports/q1.pdf')).toMatchObject({ kind: 'download', state: 'failed' });
  });
});

describe('keepBothName', () => {
  it.each([
    ['a.txt', 1, 'a (1).txt'],
    ['docs/report.final.pdf', 2, 'docs/report.final (2).pdf'],
    ['README', 1, 'README (1)'],
    ['dir/.env', 3, 'dir/.env (3)'],
    ['backup.tar.gz', 1, 'backup (1).tar.gz'],
    ['a.b/c', 1, 'a.b/c (1)'],
  ])('%s, %i -> %s', (name, n, expected) => {
    expect(keepBothName(name, n)).toBe(expected);
  });
});

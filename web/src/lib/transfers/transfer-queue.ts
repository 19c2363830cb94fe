// The transfer queue: one module-level store that outlives navigation (the panel and any page
// read it through useTransfers), with a concurrency limit for uploads, a name-conflict question
// for the user, and downloads handed to the browser's download manager.
//
// Uploads: a slot is taken while the name is checked and the file is sent; a conflict gives the
// slot back while the user decides, so other files keep going. Large files take at most all but
// one slot while small files wait, so a folder of small files is not stuck behind a few videos.

import type { QueryClient } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';

import { api, unwrap } from '@/lib/api/client';
import { ProblemError } from '@/lib/api/problem';
import { onSessionChange } from '@/lib/auth/session';
import { baseName, keepBothName } from '@/lib/transfers/blob-names';
import { uploadBlob } from '@/lib/transfers/blob-upload';
import { RateMeter, secondsRemaining } from '@/lib/transfers/rate-meter';

/** Where an upload goes. */
export interface UploadTarget {
  connectionId: number;
  container: string;
  prefix: string; // "" or ends with "/"
}

/** One file to upload, with its path under the target's folder ("photos/a.jpg"). */
export interface UploadFile {
  file: File;
  relativePath: string;
  /** Set when the file could not be read from disk (e.g. a dropped folder's entry): shown as a failed row. */
  unreadable?: string;
}

export type TransferKind = 'upload' | 'download';
export type TransferState =
  'queued' | 'checking' | 'waiting-for-decision' | 'uploading' | 'done' | 'failed' | 'cancelled' | 'skipped';
export type ConflictDecision = 'overwrite' | 'skip' | 'keep-both';

export interface TransferItem {
  readonly id: string;
  readonly kind: TransferKind;
  /** The files of one enqueueUploads call: "apply to all" answers the conflicts of a batch. */
  readonly batchId: string;
  readonly connectionId: number;
  readonly container: string;
  /** The blob's full name; after "keep both", the name it was renamed to. */
  readonly name: string;
  /** The name first asked for. */
  readonly requestedName: string;
  /** Bytes; null when unknown (a download of a blob whose size the caller did not give). */
  readonly size: number | null;
  readonly state: TransferState;
  readonly bytesSent: number;
  /** Bytes per second, smoothed over a few seconds; null until known. */
  readonly rate: number | null;
  readonly remainingSeconds: number | null;
  readonly error: ProblemError | null;
  /** The user's answer to a name conflict, when one was asked (or applied to all). */
  readonly decision: ConflictDecision | null;
  /** Whether retryTransfer can run it again (an unreadable file cannot). */
  readonly retryable: boolean;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

/** The conflict the panel asks about now. */
export interface ConflictQuestion {
  item: TransferItem;
  /** Files in the item's batch: "apply to all" is offered when there is more than one. */
  batchFiles: number;
  /** Other conflicts of the same batch already waiting for an answer. */
  otherWaiting: number;
}

export interface TransfersSnapshot {
  items: readonly TransferItem[];
  queued: number;
  /** Checking a name or sending bytes. */
  running: number;
  waiting: number;
  done: number;
  failed: number;
  cancelled: number;
  skipped: number;
  /** queued + running + waiting: what closing the tab would lose. */
  active: number;
  /** Bytes of the uploads not finished yet, and how many of them are sent. */
  activeBytes: number;
  activeBytesSent: number;
  conflict: ConflictQuestion | null;
}

// ---- configuration

export const uploadConcurrency = 3;
/** Files from this size up count as large for the scheduling above. */
export const largeFileBytes = 64 * 1024 * 1024;

// ---- the store

interface Batch {
  decision: ConflictDecision | null;
  files: number;
}

interface Entry {
  item: TransferItem;
  file: File | null;
  /** Bumped on every start and cancel: callbacks of an older run see a different number and stop. */
  run: number;
  abort: (() => void) | null;
  meter: RateMeter;
  keepBothIndex: number;
  /** When the user was asked (a counter): the oldest question is shown until it is answered. */
  askedSeq: number;
}

const activeStates: ReadonlySet<TransferState> = new Set(['queued', 'checking', 'waiting-for-decision', 'uploading']);
const finishedStates: ReadonlySet<TransferState> = new Set(['done', 'failed', 'cancelled', 'skipped']);

let entries: Entry[] = [];
const byId = new Map<string, Entry>();
const batches = new Map<string, Batch>();
const listeners = new Set<() => void>();
let snapshot: TransfersSnapshot = buildSnapshot();
let nextId = 1;
let askCounter = 0;
let queryClient: QueryClient | null = null;

function now(): number {
  return Date.now();
}

function buildSnapshot(): TransfersSnapshot {
  const s: TransfersSnapshot = {
    items: entries.map((e) => e.item),
    queued: 0,
    running: 0,
    waiting: 0,
    done: 0,
    failed: 0,
    cancelled: 0,
    skipped: 0,
    active: 0,
    activeBytes: 0,
    activeBytesSent: 0,
    conflict: null,
  };
  let firstWaiting: TransferItem | null = null;
  let firstAsked = Infinity;
  for (const { item, askedSeq } of entries) {
    switch (item.state) {
      case 'queued':
        s.queued += 1;
        break;
      case 'checking':
      case 'uploading':
        s.running += 1;
        break;
      case 'waiting-for-decision':
        s.waiting += 1;
        if (askedSeq < firstAsked) {
          firstAsked = askedSeq;
          firstWaiting = item;
        }
        break;
      case 'done':
        s.done += 1;
        break;
      case 'failed':
        s.failed += 1;
        break;
      case 'cancelled':
        s.cancelled += 1;
        break;
      case 'skipped':
        s.skipped += 1;
        break;
    }
    if (activeStates.has(item.state)) {
      s.active += 1;
      if (item.kind === 'upload' && item.size !== null) {
        s.activeBytes += item.size;
        s.activeBytesSent += item.bytesSent;
      }
    }
  }
  if (firstWaiting) {
    const batchId = firstWaiting.batchId;
    s.conflict = {
      item: firstWaiting,
      batchFiles: batches.get(batchId)?.files ?? 1,
      otherWaiting: entries.filter(
        (e) => e.item.batchId === batchId && e.item.state === 'waiting-for-decision' && e.item !== firstWaiting,
      ).length,
    };
  }
  return s;
}

function emit(): void {
  snapshot = buildSnapshot();
  syncUnloadGuard(snapshot.items.some((i) => i.kind === 'upload' && activeStates.has(i.state)));
  syncTicker(snapshot.items.some((i) => i.state === 'uploading'));
  listeners.forEach((l) => l());
}

function update(entry: Entry, patch: Partial<TransferItem>): void {
  entry.item = { ...entry.item, ...patch };
  emit();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current transfers (for code outside React). */
export function getTransfers(): TransfersSnapshot {
  return snapshot;
}

/** React hook: the transfer list and its counters; re-renders on change. */
export function useTransfers(): TransfersSnapshot {
  return useSyncExternalStore(subscribe, getTransfers, getTransfers);
}

/** The QueryClient whose blob listings a finished upload refreshes (the panel registers it). */
export function registerQueryClient(client: QueryClient | null): void {
  queryClient = client;
}

// ---- errors

function toProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  return new ProblemError({
    type: 'about:blank',
    title: 'Transfer failed',
    status: 0,
    code: 'transfer_failed',
    detail: error instanceof Error && error.message ? error.message : 'The transfer failed.',
  });
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

function sessionEnded(): ProblemError {
  return new ProblemError({
    type: 'about:blank',
    title: 'Session expired',
    status: 401,
    code: 'session_expired',
    detail: 'Your session expired before this transfer finished. Sign in again, then retry.',
  });
}

// ---- uploads

const byPath = new Intl.Collator(undefined, { numeric: true });

/** Queues uploads into a folder; returns at once. Conflicts (name exists) are asked in the transfer panel's dialog. */
export function enqueueUploads(target: UploadTarget, files: UploadFile[]): void {
  if (files.length === 0) return;
  const batchId = `b${nextId++}`;
  batches.set(batchId, { decision: null, files: files.length });
  // In name order (a folder picker lists files in the disk's order), folders' files together.
  const sorted = [...files].sort((a, b) =>
    byPath.compare(a.relativePath || a.file.name, b.relativePath || b.file.name),
  );
  for (const f of sorted) {
    const relative = (f.relativePath || f.file.name).replace(/^\/+/, '');
    const name = target.prefix + relative;
    const entry: Entry = {
      item: {
        id: `t${nextId++}`,
        kind: 'upload',
        batchId,
        connectionId: target.connectionId,
        container: target.container,
        name,
        requestedName: name,
        size: f.unreadable ? null : f.file.size,
        state: f.unreadable ? 'failed' : 'queued',
        bytesSent: 0,
        rate: null,
        remainingSeconds: null,
        error: f.unreadable
          ? new ProblemError({
              type: 'about:blank',
              title: 'Unreadable file',
              status: 0,
              code: 'file_unreadable',
              detail: `“${relative}” could not be read from your disk (${f.unreadable}). Check that it still exists and that you may read it, then upload it again.`,
            })
          : null,
        decision: null,
        retryable: !f.unreadable,
        startedAt: null,
        finishedAt: f.unreadable ? now() : null,
      },
      file: f.unreadable ? null : f.file,
      run: 0,
      abort: null,
      meter: new RateMeter(),
      keepBothIndex: 0,
      askedSeq: 0,
    };
    entries.push(entry);
    byId.set(entry.item.id, entry);
  }
  emit();
  pump();
}

function isUploadRunning(e: Entry): boolean {
  return e.item.kind === 'upload' && (e.item.state === 'checking' || e.item.state === 'uploading');
}

function isLarge(e: Entry): boolean {
  return (e.item.size ?? 0) >= largeFileBytes;
}

/** Starts queued uploads while slots are free. */
function pump(): void {
  let running = entries.filter(isUploadRunning);
  while (running.length < uploadConcurrency) {
    const queued = entries.filter((e) => e.item.kind === 'upload' && e.item.state === 'queued');
    let next = queued[0];
    if (!next) break;
    if (isLarge(next) && running.filter(isLarge).length >= uploadConcurrency - 1) {
      next = queued.find((e) => !isLarge(e)) ?? next;
    }
    running = [...running, next];
    void runUpload(next);
  }
}

/** 200: the name is taken; 404 blob_not_found: it is free. Anything else is the upload's failure. */
async function blobExists(item: TransferItem, name: string, signal: AbortSignal): Promise<boolean> {
  try {
    await unwrap(
      api.GET('/api/v1/azure_blob/connections/{id}/blobs/properties', {
        params: { path: { id: item.connectionId }, query: { container: item.container, name } },
        signal,
      }),
    );
    return true;
  } catch (error) {
    if (
      error instanceof ProblemError &&
      error.status === 404 &&
      error.code !== 'container_not_found' &&
      error.code !== 'connection_not_found'
    ) {
      return false;
    }
    throw error;
  }
}

/** The first free "name (n).ext" from the entry's keep-both counter on. */
async function freeName(entry: Entry, signal: AbortSignal, stale: () => boolean): Promise<string | null> {
  const requested = entry.item.requestedName;
  for (let attempt = 0; attempt < 1000; attempt += 1) {
    const candidate = entry.keepBothIndex === 0 ? requested : keepBothName(requested, entry.keepBothIndex);
    if (!(await blobExists(entry.item, candidate, signal))) return candidate;
    if (stale()) return null;
    entry.keepBothIndex += 1;
  }
  throw new ProblemError({
    type: 'about:blank',
    title: 'No free name',
    status: 0,
    code: 'no_free_name',
    detail: `Could not find a free name for “${baseName(requested)}” after 1,000 tries.`,
  });
}

function decisionFor(entry: Entry): ConflictDecision | null {
  return entry.item.decision ?? batches.get(entry.item.batchId)?.decision ?? null;
}

function askUser(entry: Entry): void {
  entry.abort = null;
  entry.askedSeq = ++askCounter;
  update(entry, { state: 'waiting-for-decision', bytesSent: 0, rate: null, remainingSeconds: null });
}

function finish(
  entry: Entry,
  state: 'done' | 'skipped' | 'cancelled' | 'failed',
  error: ProblemError | null = null,
): void {
  entry.abort = null;
  update(entry, { state, error, rate: null, remainingSeconds: null, finishedAt: now() });
}

async function runUpload(entry: Entry): Promise<void> {
  const run = ++entry.run;
  const stale = () => entry.run !== run;
  const controller = new AbortController();
  entry.abort = () => controller.abort();
  entry.meter.reset();
  update(entry, {
    state: 'checking',
    bytesSent: 0,
    rate: null,
    remainingSeconds: null,
    error: null,
    startedAt: now(),
    finishedAt: null,
  });

  let decision = decisionFor(entry);
  let overwrite = decision === 'overwrite';
  try {
    let name = entry.item.requestedName;
    if (decision !== 'overwrite' && decision !== 'keep-both') {
      const exists = await blobExists(entry.item, name, controller.signal);
      if (stale()) return;
      if (exists) {
        // "Apply to all" may have answered while the name was checked.
        decision = decisionFor(entry);
        overwrite = decision === 'overwrite';
        if (decision === 'skip') {
          finish(entry, 'skipped');
          return;
        }
        if (decision === null) {
          askUser(entry);
          return;
        }
        if (decision === 'keep-both') entry.keepBothIndex = Math.max(1, entry.keepBothIndex);
      }
    }
    if (decision === 'keep-both') {
      const free = await freeName(entry, controller.signal, stale);
      if (free === null || stale()) return;
      name = free;
    }
    if (stale() || !entry.file) return;

    const file = entry.file;
    const upload = uploadBlob({
      connectionId: entry.item.connectionId,
      container: entry.item.container,
      name,
      overwrite,
      file,
      onProgress: (loaded) => {
        if (!stale()) progress(entry, loaded);
      },
    });
    entry.abort = upload.abort;
    entry.meter.add(now(), 0);
    update(entry, { state: 'uploading', name, startedAt: now() });
    await upload.done;
    if (stale()) return;
    entry.item = { ...entry.item, bytesSent: file.size };
    finish(entry, 'done');
    invalidateBlobs(entry.item);
  } catch (error) {
    if (stale() || isAbort(error)) return;
    if (error instanceof ProblemError && error.status === 409 && error.code === 'blob_exists' && !overwrite) {
      // The name was taken between the check and the commit (or the check could not see it).
      if (decision === 'keep-both') {
        entry.keepBothIndex += 1;
        entry.abort = null;
        update(entry, { state: 'queued', bytesSent: 0, rate: null, remainingSeconds: null });
      } else if (decision === 'skip') {
        finish(entry, 'skipped');
      } else {
        askUser(entry);
      }
      return;
    }
    finish(entry, 'failed', toProblem(error));
  } finally {
    if (!stale()) pump();
  }
}

function progress(entry: Entry, loaded: number): void {
  const at = now();
  entry.meter.add(at, loaded);
  const rate = entry.meter.rate();
  update(entry, {
    bytesSent: Math.min(loaded, entry.item.size ?? loaded),
    rate,
    remainingSeconds: secondsRemaining(entry.item.size, loaded, rate),
  });
}

/** Answers the conflict of one upload; with applyToAll, also its batch's other conflicts, now and later. */
export function resolveConflict(id: string, decision: ConflictDecision, applyToAll = false): void {
  const entry = byId.get(id);
  if (!entry) return;
  const targets = [entry];
  if (applyToAll) {
    const batch = batches.get(entry.item.batchId);
    if (batch) batch.decision = decision;
    for (const e of entries) {
      if (e !== entry && e.item.batchId === entry.item.batchId && e.item.state === 'waiting-for-decision')
        targets.push(e);
    }
  }
  for (const e of targets) {
    if (e.item.state !== 'waiting-for-decision') continue;
    if (decision === 'keep-both') e.keepBothIndex = Math.max(1, e.keepBothIndex);
    if (decision === 'skip') {
      e.item = { ...e.item, decision };
      finish(e, 'skipped');
    } else {
      update(e, { decision, state: 'queued' });
    }
  }
  pump();
}

/** Stops a queued, waiting or running transfer. */
export function cancelTransfer(id: string): void {
  const entry = byId.get(id);
  if (!entry || !activeStates.has(entry.item.state)) return;
  entry.run += 1;
  const abort = entry.abort;
  entry.abort = null;
  abort?.();
  finish(entry, 'cancelled');
  pump();
}

/** Cancels every transfer not finished yet. */
export function cancelAllTransfers(): void {
  for (const e of [...entries]) {
    if (activeStates.has(e.item.state)) {
      e.run += 1;
      e.abort?.();
      e.abort = null;
      e.item = { ...e.item, state: 'cancelled', rate: null, remainingSeconds: null, finishedAt: now() };
    }
  }
  emit();
}

/** Queues a failed (or cancelled) transfer again. */
export function retryTransfer(id: string): void {
  const entry = byId.get(id);
  if (!entry || !entry.item.retryable || !finishedStates.has(entry.item.state) || entry.item.state === 'done') return;
  if (entry.item.kind === 'download') {
    void runDownload(entry).catch(() => undefined);
    return;
  }
  entry.keepBothIndex = 0;
  update(entry, {
    state: 'queued',
    name: entry.item.requestedName,
    bytesSent: 0,
    rate: null,
    remainingSeconds: null,
    error: null,
    finishedAt: null,
  });
  pump();
}

/** Removes finished rows (done, failed, cancelled, skipped) from the list. */
export function clearFinishedTransfers(): void {
  entries = entries.filter((e) => {
    if (activeStates.has(e.item.state)) return true;
    byId.delete(e.item.id);
    return false;
  });
  for (const id of [...batches.keys()]) {
    if (!entries.some((e) => e.item.batchId === id)) batches.delete(id);
  }
  emit();
}

/** Stops everything and empties the list (sign-out; tests). */
export function resetTransfers(): void {
  for (const e of entries) {
    e.run += 1;
    e.abort?.();
  }
  entries = [];
  byId.clear();
  batches.clear();
  for (const timer of invalidationTimers.values()) clearTimeout(timer);
  invalidationTimers.clear();
  emit();
}

// ---- downloads

/** Hands a URL to the browser's download manager: a click on a download link, no navigation of the page. */
function startBrowserDownload(url: string, fileName: string): void {
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.rel = 'noopener';
  anchor.style.display = 'none';
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
}

async function runDownload(entry: Entry): Promise<void> {
  const run = ++entry.run;
  const stale = () => entry.run !== run;
  const controller = new AbortController();
  entry.abort = () => controller.abort();
  update(entry, { state: 'checking', error: null, startedAt: now(), finishedAt: null });
  try {
    const link = await unwrap(
      api.POST('/api/v1/azure_blob/connections/{id}/blobs/link', {
        params: { path: { id: entry.item.connectionId } },
        body: { container: entry.item.container, name: entry.item.name, disposition: 'attachment' },
        signal: controller.signal,
      }),
    );
    if (stale()) return;
    startBrowserDownload(link.url, baseName(entry.item.name));
    finish(entry, 'done');
  } catch (error) {
    if (stale() || isAbort(error)) return;
    const problem = toProblem(error);
    finish(entry, 'failed', problem);
    throw problem;
  }
}

/** Downloads one blob through a single-use link: a plain navigation, so the browser's download manager writes it to disk. Throws ProblemError on failure (e.g. blob gone). */
export async function downloadBlob(source: {
  connectionId: number;
  container: string;
  name: string;
  size?: number | null;
}): Promise<void> {
  const entry: Entry = {
    item: {
      id: `t${nextId++}`,
      kind: 'download',
      batchId: `b${nextId++}`,
      connectionId: source.connectionId,
      container: source.container,
      name: source.name,
      requestedName: source.name,
      size: source.size ?? null,
      state: 'queued',
      bytesSent: 0,
      rate: null,
      remainingSeconds: null,
      error: null,
      decision: null,
      retryable: true,
      startedAt: null,
      finishedAt: null,
    },
    file: null,
    run: 0,
    abort: null,
    meter: new RateMeter(),
    keepBothIndex: 0,
    askedSeq: 0,
  };
  entries.push(entry);
  byId.set(entry.item.id, entry);
  await runDownload(entry);
}

// ---- listings to refresh

const invalidationTimers = new Map<string, ReturnType<typeof setTimeout>>();

/**
 * Refreshes the container's listings and the blob's properties. While more uploads into the
 * same container are on their way, at most once a second, so a folder of 1,000 small files does
 * not refetch its listing 1,000 times; the last upload refreshes at once.
 */
function invalidateBlobs(item: TransferItem): void {
  const client = queryClient;
  if (!client) return;
  void client.invalidateQueries({ queryKey: ['blob-properties', item.connectionId, item.container, item.name] });
  const key = `${item.connectionId}\n${item.container}`;
  const refresh = () => void client.invalidateQueries({ queryKey: ['blobs', item.connectionId, item.container] });
  const more = entries.some(
    (e) =>
      e.item.kind === 'upload' &&
      e.item.connectionId === item.connectionId &&
      e.item.container === item.container &&
      activeStates.has(e.item.state),
  );
  if (!more) {
    const timer = invalidationTimers.get(key);
    if (timer !== undefined) clearTimeout(timer);
    invalidationTimers.delete(key);
    refresh();
    return;
  }
  if (!invalidationTimers.has(key)) {
    invalidationTimers.set(
      key,
      setTimeout(() => {
        invalidationTimers.delete(key);
        refresh();
      }, 1_000),
    );
  }
}

// ---- a steady clock for rates, and the tab's unload guard

let ticker: ReturnType<typeof setInterval> | null = null;

/** While uploads run, samples them once a second, so a stalled upload's rate falls to zero. */
function syncTicker(needed: boolean): void {
  if (needed && ticker === null) {
    ticker = setInterval(() => {
      const at = now();
      let changed = false;
      for (const e of entries) {
        if (e.item.state !== 'uploading') continue;
        e.meter.add(at, e.item.bytesSent);
        const rate = e.meter.rate();
        if (rate !== e.item.rate) {
          e.item = { ...e.item, rate, remainingSeconds: secondsRemaining(e.item.size, e.item.bytesSent, rate) };
          changed = true;
        }
      }
      if (changed) emit();
    }, 1_000);
  } else if (!needed && ticker !== null) {
    clearInterval(ticker);
    ticker = null;
  }
}

function onBeforeUnload(event: BeforeUnloadEvent): void {
  event.preventDefault();
  // Older browsers ask only when returnValue is set.
  event.returnValue = '';
}

let guarding = false;

function syncUnloadGuard(needed: boolean): void {
  if (typeof window === 'undefined' || needed === guarding) return;
  guarding = needed;
  if (needed) window.addEventListener('beforeunload', onBeforeUnload);
  else window.removeEventListener('beforeunload', onBeforeUnload);
}

// ---- the session

onSessionChange((session, reason) => {
  if (session) return;
  if (reason === 'expired') {
    const problem = sessionEnded();
    for (const e of entries) {
      if (!activeStates.has(e.item.state)) continue;
      e.run += 1;
      e.abort?.();
      e.abort = null;
      e.item = { ...e.item, state: 'failed', error: problem, rate: null, remainingSeconds: null, finishedAt: now() };
    }
    emit();
  } else {
    // Signed out (here or in another tab): the next user of this tab must not see these.
    resetTransfers();
  }
});

// A fake XMLHttpRequest for upload tests: records what was opened, the headers and the body
// sent, and lets the test drive upload progress and the answer. Install with installFakeXhr()
// (restored by vi.unstubAllGlobals()).
import { vi } from 'vitest';

type Handler = ((event: ProgressEvent) => void) | null;

function progressEvent(type: string, loaded: number, total: number): ProgressEvent {
  return { type, loaded, total, lengthComputable: true } as ProgressEvent;
}

export class FakeXhr {
  static instances: FakeXhr[] = [];

  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown = undefined;
  sent = false;
  aborted = false;
  readyState = 0;
  status = 0;
  statusText = '';
  responseText = '';
  upload: { onprogress: Handler } = { onprogress: null };
  onload: Handler = null;
  onerror: Handler = null;
  ontimeout: Handler = null;
  onabort: Handler = null;

  constructor() {
    FakeXhr.instances.push(this);
  }

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
    this.readyState = 1;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }

  send(body?: unknown): void {
    this.body = body;
    this.sent = true;
  }

  abort(): void {
    if (this.readyState === 4 || this.aborted) return;
    this.aborted = true;
    this.readyState = 4;
    this.onabort?.(progressEvent('abort', 0, 0));
  }

  // ---- test controls

  /** The query of the URL opened. */
  get query(): URLSearchParams {
    return new URL(this.url, 'http://localhost').searchParams;
  }

  /** Reports `loaded` bytes of the body sent. */
  progress(loaded: number, total = (this.body as Blob | undefined)?.size ?? loaded): void {
    this.upload.onprogress?.(progressEvent('progress', loaded, total));
  }

  /** Answers with a status and a JSON body. */
  respond(status: number, body?: unknown, statusText = ''): void {
    this.status = status;
    this.statusText = statusText;
    this.responseText = body === undefined ? '' : JSON.stringify(body);
    this.readyState = 4;
    this.onload?.(progressEvent('load', 0, 0));
  }

  /** Fails as a broken connection does (no answer). */
  failNetwork(): void {
    this.readyState = 4;
    this.onerror?.(progressEvent('error', 0, 0));
  }
}

/** Replaces XMLHttpRequest with FakeXhr for the current test; returns the class (see `instances`). */
export function installFakeXhr(): typeof FakeXhr {
  FakeXhr.instances = [];
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
  return FakeXhr;
}

/** The requests sent and not answered yet. */
export function pendingXhrs(): FakeXhr[] {
  return FakeXhr.instances.filter((x) => x.sent && x.readyState !== 4);
}

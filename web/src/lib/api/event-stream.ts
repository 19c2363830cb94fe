// Server-sent events read with fetch() and a ReadableStream: EventSource cannot send the
// Authorization header, and a bearer token never goes in a URL. The parser follows the
// WHATWG "event stream interpretation": lines end in LF, CRLF or CR (a CRLF may be split
// across two chunks), `:` starts a comment, `data:` lines join with "\n", a blank line
// dispatches, and an event left unfinished when the stream ends is dropped.

/** One dispatched event: its type (`message` when the frame named none), data and id. */
export interface StreamEvent {
  event: string;
  data: string;
  id: string;
}

export interface EventStreamParser {
  /** Feeds decoded text, any amount, cut anywhere. */
  push(text: string): void;
  /** The stream ended: drops an unfinished event (no blank line after it). */
  end(): void;
}

/** An incremental parser that calls `onEvent` for each complete event. */
export function createEventStreamParser(onEvent: (event: StreamEvent) => void): EventStreamParser {
  let buffer = '';
  let started = false; // a byte-order mark is stripped at the very start only
  let skipLeadingLf = false; // the previous chunk ended in CR: a LF first in this one ends no line
  let type = '';
  let data: string[] = [];
  let lastId = '';

  const dispatch = () => {
    if (data.length > 0) onEvent({ event: type || 'message', data: data.join('\n'), id: lastId });
    type = '';
    data = [];
  };

  const line = (text: string) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return; // a comment (keep-alive)
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) lastId = value;
    // `retry` and unknown fields are ignored: the reader decides when to reconnect.
  };

  return {
    push(text) {
      if (!text) return;
      if (!started) {
        started = true;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      if (skipLeadingLf && text.startsWith('\n')) text = text.slice(1);
      skipLeadingLf = false;
      buffer += text;
      const ends = /\r\n|\r|\n/g;
      let start = 0;
      for (let match = ends.exec(buffer); match; match = ends.exec(buffer)) {
        line(buffer.slice(start, match.index));
        start = match.index + match[0].length;
        // A CR last in the chunk: a LF first in the next one belongs to it and ends no second line.
        if (match[0] === '\r' && start === buffer.length) skipLeadingLf = true;
      }
      buffer = buffer.slice(start);
    },
    end() {
      buffer = '';
      type = '';
      data = [];
    },
  };
}

/**
 * Reads a response body of server-sent events to its end, calling `onEvent` for each event.
 * Bytes are decoded as UTF-8 across chunk boundaries. Resolves when the stream ends; rejects
 * with an AbortError when `signal` aborts. `onChunk` hears every chunk (keep-alive comments
 * included), for a watchdog of a connection gone silent.
 */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: StreamEvent) => void,
  signal?: AbortSignal,
  onChunk?: () => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = createEventStreamParser(onEvent);
  const onAbort = () => void reader.cancel().catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal?.aborted) throw new DOMException('The event stream was closed', 'AbortError');
      const { done, value } = await reader.read();
      if (done) break;
      onChunk?.();
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
    if (signal?.aborted) throw new DOMException('The event stream was closed', 'AbortError');
    parser.end();
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
}

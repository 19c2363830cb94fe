import { describe, expect, it } from 'vitest';

import { createEventStreamParser, readEventStream, type StreamEvent } from '@/lib/api/event-stream';

function parseChunks(chunks: string[]): StreamEvent[] {
  const events: StreamEvent[] = [];
  const parser = createEventStreamParser((e) => events.push(e));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return events;
}

/** Every way of cutting `text` in two. */
function everySplit(text: string): [string, string][] {
  return Array.from({ length: text.length + 1 }, (_, i) => [text.slice(0, i), text.slice(i)]);
}

/** A body that delivers `chunks` (bytes) one read at a time. */
function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
  });
}

const run = { id: 41, job_id: 12, status: 'running', progress: { files_done: 3 } };
const stream =
  `event: progress\ndata: ${JSON.stringify(run)}\n\n` +
  ': keep-alive\n\n' +
  `event: end\ndata: ${JSON.stringify({ ...run, status: 'succeeded' })}\n\n`;

describe('createEventStreamParser', () => {
  it('reads event and data frames, skipping comments', () => {
    const events = parseChunks([stream]);
    expect(events.map((e) => e.event)).toEqual(['progress', 'end']);
    expect(JSON.parse(events[0]!.data)).toEqual(run);
    expect(JSON.parse(events[1]!.data).status).toBe('succeeded');
  });

  it('gives the same events wherever the stream is cut in two', () => {
    const whole = parseChunks([stream]);
    for (const [a, b] of everySplit(stream)) {
      expect(parseChunks([a, b]), JSON.stringify([a.slice(-12), b.slice(0, 12)])).toEqual(whole);
    }
  });

  it('gives the same events when every character arrives alone', () => {
    expect(parseChunks([...stream])).toEqual(parseChunks([stream]));
  });

  it('accepts CRLF and CR line ends, also with the CRLF split across chunks', () => {
    const crlf = stream.replace(/\n/g, '\r\n');
    const cr = stream.replace(/\n/g, '\r');
    const whole = parseChunks([stream]);
    expect(parseChunks([crlf])).toEqual(whole);
    expect(parseChunks([cr])).toEqual(whole);
    for (const [a, b] of everySplit(crlf)) expect(parseChunks([a, b])).toEqual(whole);
    for (const [a, b] of everySplit(cr)) expect(parseChunks([a, b])).toEqual(whole);
  });

  it('joins several data lines with newlines and strips one space after the colon', () => {
    expect(parseChunks(['data:  two spaces\ndata:none\ndata\n\n'])).toEqual([
      { event: 'message', data: ' two spaces\nnone\n', id: '' },
    ]);
  });

  it('dispatches only at a blank line, and drops an event the stream left unfinished', () => {
    const events: StreamEvent[] = [];
    const parser = createEventStreamParser((e) => events.push(e));
    parser.push('event: progress\ndata: {"a":1}\n');
    expect(events).toEqual([]);
    parser.push('\nevent: end\ndata: {"a":2}\n');
    expect(events).toHaveLength(1);
    parser.end();
    expect(events).toHaveLength(1);
  });

  it('ignores an event with no data, a byte-order mark, retry and unknown fields, and keeps the last id', () => {
    expect(parseChunks(['\ufeffevent: ping\n\n', 'id: 7\nretry: 10\nfoo: bar\nevent: progress\ndata: x\n\n'])).toEqual([
      { event: 'progress', data: 'x', id: '7' },
    ]);
  });
});

describe('readEventStream', () => {
  it('decodes UTF-8 split inside a character and reads to the end', async () => {
    const bytes = new TextEncoder().encode('event: progress\ndata: {"path":"rapports/été.csv"}\n\n');
    const at = bytes.indexOf(0xc3) + 1; // between the two bytes of "é"
    const events: StreamEvent[] = [];
    await readEventStream(streamOf([bytes.slice(0, at), bytes.slice(at)]), (e) => events.push(e));
    expect(events).toEqual([{ event: 'progress', data: '{"path":"rapports/été.csv"}', id: '' }]);
  });

  it('stops with an AbortError when its signal aborts', async () => {
    const controller = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('event: progress\ndata: 1\n\n'));
      },
    });
    const events: StreamEvent[] = [];
    const reading = readEventStream(
      body,
      (e) => {
        events.push(e);
        controller.abort();
      },
      controller.signal,
    );
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(events).toHaveLength(1);
  });
});

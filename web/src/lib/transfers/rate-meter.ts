// The speed of one transfer, smoothed over the last few seconds: the bytes moved between the
// oldest and newest sample of a sliding window. A browser hands the first megabytes to its
// socket buffers at once; a window (rather than the last event) keeps that burst from showing
// as a rate the transfer will never reach, and a stall lets the rate fall instead of freezing.

export interface RateSample {
  at: number; // ms
  bytes: number;
}

export class RateMeter {
  private samples: RateSample[] = [];

  constructor(
    private readonly windowMs = 3_000,
    private readonly minSpanMs = 500,
  ) {}

  /** Records the bytes moved so far at a time (ms). */
  add(at: number, bytes: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && at <= last.at) {
      last.bytes = Math.max(last.bytes, bytes);
      return;
    }
    this.samples.push({ at, bytes });
    // Keep one sample at or before the window's start, so the span covers the whole window.
    const start = at - this.windowMs;
    while (this.samples.length > 2 && (this.samples[1]?.at ?? Infinity) <= start) this.samples.shift();
  }

  /** Bytes per second over the window, or null until the samples span long enough. */
  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < this.minSpanMs) return null;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }

  reset(): void {
    this.samples = [];
  }
}

/** Seconds left at a rate, or null when the rate is unknown or zero. */
export function secondsRemaining(total: number | null, done: number, rate: number | null): number | null {
  if (total === null || rate === null || rate <= 0) return null;
  return Math.max(0, (total - done) / rate);
}

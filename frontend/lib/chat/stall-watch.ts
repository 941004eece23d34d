// Tells a stalled answer from a dead connection.
//
// A dead connection sends no bytes at all; follow-task.ts drops it after its idle timeout and reconnects. A stalled
// answer is different: the connection is fine (the API's `: ping` comments keep arriving) but no answer events come,
// for example while the worker generating it has died or frozen and another worker is about to take it over. Only
// answer events (content, reasoning, snapshot, terminal) end a stall; bytes and pings do not.

/**
 * How long an answer may send no events before it is shown as stalled.
 *
 * Long enough that an ordinary pause between tokens never trips it (models send text many times a second, and the
 * simulator's slowest test answers a few times a second), short enough that a user sees "Stalled" before the
 * backend's worker lease (about 10 s) expires and another worker takes the answer over, so the takeover that
 * follows (the text continuing, or the answer restarting) has been announced. Well under the connection's own idle
 * timeout (45 s), which is what tells a dead connection.
 */
export const STALL_AFTER_MS = 8_000;

export type StallTimers = {
  setTimeout: (callback: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
};

const realTimers: StallTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * A countdown restarted by every answer event. `onStall(true)` when it runs out, `onStall(false)` when an event
 * arrives after that. Idle until `start()`: before an answer's first event the model may still be getting ready,
 * and the app already shows that it is waiting for the answer.
 */
export class StallWatch {
  private handle: unknown = null;
  private stalledNow = false;

  constructor(
    private readonly onStall: (stalled: boolean) => void,
    private readonly afterMs: number = STALL_AFTER_MS,
    private readonly timers: StallTimers = realTimers,
  ) {}

  get stalled(): boolean {
    return this.stalledNow;
  }

  get watching(): boolean {
    return this.handle !== null;
  }

  /** Start (or restart) the countdown without an event, e.g. when a connection opens on an answer under way. */
  start(): void {
    this.clearTimer();
    this.handle = this.timers.setTimeout(() => {
      this.handle = null;
      this.stalledNow = true;
      this.onStall(true);
    }, this.afterMs);
  }

  /** An answer event arrived: a stall is over, and the countdown starts again. */
  event(): void {
    this.start();
    if (this.stalledNow) {
      this.stalledNow = false;
      this.onStall(false);
    }
  }

  /** The connection closed or the answer ended: no countdown, and no stall to report (the connection state says). */
  stop(): void {
    this.clearTimer();
    this.stalledNow = false;
  }

  private clearTimer(): void {
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = null;
  }
}

// The stall countdown, on a clock the test moves by hand.
import { expect, test } from "@playwright/test";

import { StallWatch, type StallTimers } from "@/lib/chat/stall-watch";

/** Timers that fire only when the test advances the clock. */
function manualClock(): StallTimers & { advance: (ms: number) => void; pending: () => number } {
  let now = 0;
  let next = 0;
  const due = new Map<number, { at: number; callback: () => void }>();
  return {
    setTimeout: (callback, ms) => {
      const handle = ++next;
      due.set(handle, { at: now + ms, callback });
      return handle;
    },
    clearTimeout: (handle) => void due.delete(handle as number),
    advance(ms) {
      now += ms;
      for (const [handle, timer] of [...due].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at > now) break;
        due.delete(handle);
        timer.callback();
      }
    },
    pending: () => due.size,
  };
}

function watched(afterMs = 1_000) {
  const clock = manualClock();
  const changes: boolean[] = [];
  const watch = new StallWatch((stalled) => changes.push(stalled), afterMs, clock);
  return { clock, changes, watch };
}

test("an answer silent for the whole interval is stalled, and the next event ends the stall", () => {
  const { clock, changes, watch } = watched();
  watch.event();
  clock.advance(999);
  expect(changes).toEqual([]);
  expect(watch.stalled).toBe(false);
  clock.advance(1);
  expect(changes).toEqual([true]);
  expect(watch.stalled).toBe(true);

  watch.event();
  expect(changes).toEqual([true, false]);
  expect(watch.stalled).toBe(false);
  // And the countdown runs again from that event.
  clock.advance(1_000);
  expect(changes).toEqual([true, false, true]);
});

test("every event restarts the countdown, so a steady answer never stalls", () => {
  const { clock, changes, watch } = watched();
  watch.event();
  for (let i = 0; i < 20; i++) {
    clock.advance(600);
    watch.event();
  }
  expect(changes).toEqual([]);
  expect(clock.pending()).toBe(1);
});

test("a stall is reported once, however long it lasts", () => {
  const { clock, changes, watch } = watched();
  watch.start();
  clock.advance(10_000);
  clock.advance(10_000);
  expect(changes).toEqual([true]);
});

test("nothing is watched before start or the first event, nor after stop", () => {
  const { clock, changes, watch } = watched();
  clock.advance(5_000);
  expect(watch.watching).toBe(false);
  expect(changes).toEqual([]);

  watch.start();
  clock.advance(500);
  watch.stop();
  clock.advance(5_000);
  expect(changes).toEqual([]);
  expect(clock.pending()).toBe(0);
});

test("stop forgets a stall without reporting its end (the connection state takes over)", () => {
  const { clock, changes, watch } = watched();
  watch.start();
  clock.advance(1_000);
  watch.stop();
  expect(watch.stalled).toBe(false);
  // The next connection starts afresh: its first event is not the end of a stall.
  watch.event();
  expect(changes).toEqual([true]);
});

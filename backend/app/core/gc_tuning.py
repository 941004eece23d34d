"""Garbage-collector settings for the long-running server processes (API and worker).

Measured at 1,000 streams (`make bench BENCH_ARGS="--levels 1000@10"`, with a gc.callbacks probe): under
CPython's defaults each worker process spent 1.7 to 1.9 s of its 30 s in the collector, in 27 to 32
pauses over 10 ms, up to 360 ms of wall time on the saturated machine, and the API processes paused for
up to 250 ms; every event waiting in a paused process waits that long. Two standard measures:
- freeze what startup created (modules, classes, pydantic and SQLAlchemy metadata: 100,000 to 150,000
  objects that live as long as the process), so that full collections stop re-scanning it;
- collect the young generation every 50,000 net allocations instead of 700, and the oldest generation
  after 100 collections of the middle one instead of 10 (CPython still waits, too, until a quarter of
  it is new), so that a few hundred tracked objects per stream do not trigger collection after
  collection. With these, a worker spent 0.3 s in the collector over the same level.
Garbage without reference cycles is freed at once either way; only cyclic garbage waits longer.
"""

import gc

THRESHOLDS = (50_000, 20, 100)


def tune_for_serving() -> None:
    """Call once the process has finished starting up."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)

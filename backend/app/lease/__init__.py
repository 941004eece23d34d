"""The lease of an answer: who generates it, how it is stopped, and how another worker takes it over.

One mechanism, in this package:

- **Holding.** A worker generates an answer only while it holds the answer's lease in Redis: a hash (owner,
  epoch, stop flag, upstream cursor) and a deadline in one sorted set of every answer in progress. The worker
  renews the deadlines of all its leases together every few seconds (``LeaseKeeper``).
- **Fencing.** Every append to the answer's event stream carries the holder's epoch, and the append script
  refuses an append from any other epoch. A worker that was frozen past its deadline and wakes after a takeover
  can never write into the stream again; PostgreSQL refuses its writes the same way (``message.lease_epoch``).
- **Stopping.** A stop sets the flag on the lease and is broadcast: the holder stops at once, and the flag
  comes back with every append and renewal in case the broadcast was missed. An answer nobody holds any more
  (its worker died) is ended by whoever asked, at once.
- **Takeover.** Every worker process looks for expired deadlines about once a second and takes those answers
  over, one taker per expiry (the take is one atomic script). The taker continues the upstream response
  where the model allows it (Responses API background mode), else restarts the answer after a ``snapshot``
  event that tells viewers so; after ``MAX_TAKEOVERS`` the answer ends ``failed`` with its partial text.
- **Handing over.** A worker shutting down hands its unfinished leases back (deadline now), so another worker
  takes them over at once instead of after the lease runs out.

Epochs are Redis' clock in microseconds at the take, so they keep increasing even across a Redis that lost
its data; PostgreSQL keeps the last epoch of each answer and accepts only writes from it or a newer one.
"""

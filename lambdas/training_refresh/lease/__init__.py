"""Mutual exclusion between gold loads and resets: the refresh lease.

The problem
-----------
A reset must never copy a partially loaded gold state, a gold load must not write while a
reset copies. Both workflows span several Lambda invocations with no connection that
lives from start to end, so a connection-scoped MySQL lock (``GET_LOCK``) alone cannot
cover a run.

The design
----------
* **Lease rows** in ``IMS_REFRESH_LEASE`` (created when missing) say who is running:
  ``(HOLDER, RUN_ID, ACQUIRED_AT, RENEWED_AT, EXPIRES_AT)`` with ``HOLDER`` either
  ``gold-load`` or ``reset``. Times come from the database server's clock
  (``UTC_TIMESTAMP(6)``), so the clocks of different Lambdas never matter. A lease is
  *live* while ``EXPIRES_AT`` lies in the future; every renewal moves it to now + TTL.
* **A short critical section** (``GET_LOCK`` on a name derived from the database name,
  held for milliseconds, one transaction) makes every check-then-write on the lease rows
  atomic, so a gold load and a reset can never both see "the other side is idle".
* **Gold loads (shared side)**: ``acquire_gold_load_lease`` (plan) and
  ``renew_gold_load_lease`` (before every chunk) insert or extend the run's row when no
  live reset lease exists; otherwise they wait a bounded time and then raise
  ``ResetInProgressError``. Any number of gold-load rows may be live at once.
  ``release_gold_load_lease`` (report) deletes the row.
* **Holders name their execution** (``holder``): every row records the Step Functions
  execution ARN of its run; a waiting run asks ``DescribeExecution`` and takes the lease
  over at once from a holder whose execution has ended (all that run's rows go). TTLs are
  the last resort, for holders that cannot be checked. A local run that is given up
  (Ctrl-C, SIGTERM, ``--timeout``) deletes its rows (``release_run``) and takes none after.
* **Reset (exclusive side)**: ``acquire_reset_lease`` waits a bounded time while any
  live gold-load lease exists and then raises ``GoldLoadInProgressError`` (the reset has
  touched nothing). Otherwise it writes the single reset row. A reset row of *another*
  run is taken over at once, live or not: runs have no liveness signal between steps,
  and a reset killed mid-run must never block the next one. Taking over is safe because
  every later step of a reset re-checks, inside the critical section, that its own row
  is still there and live (``renew_reset_lease``, ``holding_reset_lease``); an older
  reset that was taken over therefore fails with ``ResetSupersededError`` before it can
  rename anything, and the newest reset (which copies the same gold state, since no gold
  load can run while any reset row is live) does the swap. The renames that publish a
  staging copy or swap the training tables run *inside* the critical section after that
  check, so no takeover or gold load can slip in between check and rename.
* **Killed runs that cannot be checked**: a killed gold load's row expires TTL after its
  last renewal (then resets may proceed; a later renewal by that run, if it was merely
  slow, re-acquires unless a reset is live). A killed reset's row is taken over by the
  next reset at once, or expires after its TTL; until then gold loads wait/fail with a
  message saying so.

Why the TTL is 20 minutes by default: a gold load renews before every chunk, and a chunk
runs inside one Lambda invocation (15 minutes at most), so a lease that outlives any
invocation plus Step Functions' retry pauses cannot expire while a chunk of a live run is
still being written or between two chunks of a run that is merely retrying. A reset
renews at every copy, publish and swap, whose statements are also bounded by the Lambda
limit. Shorter TTLs (tests use seconds) are configurable through the environment
(``settings.LeaseSettings``).

What the lease does not cover: writers that do not take it (manual SQL on the gold
copies). Leases are advisory, like every MySQL named lock.

Every public function runs its own short transaction on the connection it is given, so
call it with no transaction open there (e.g. before ``replace_customers``, not inside it).

Modules: ``times`` (how long leases live and waits last), ``table`` (the lease rows and
the critical section), ``gold_load`` (the shared side), ``reset`` (the exclusive side).
"""

from training_refresh.lease.gold_load import (
    GoldLoadLease,
    acquire_gold_load_lease,
    release_gold_load_lease,
    renew_gold_load_lease,
)
from training_refresh.lease.reset import (
    ResetLease,
    acquire_reset_lease,
    holding_reset_lease,
    release_reset_lease,
    renew_reset_lease,
)
from training_refresh.lease.table import LEASE_TABLE, LeaseRow, live_leases, release_run
from training_refresh.lease.times import (
    DEFAULT_GOLD_LOAD_TIMES,
    DEFAULT_RESET_TIMES,
    LeaseTimes,
)

__all__ = [
    "DEFAULT_GOLD_LOAD_TIMES",
    "DEFAULT_RESET_TIMES",
    "LEASE_TABLE",
    "GoldLoadLease",
    "LeaseRow",
    "LeaseTimes",
    "ResetLease",
    "acquire_gold_load_lease",
    "acquire_reset_lease",
    "holding_reset_lease",
    "live_leases",
    "release_gold_load_lease",
    "release_reset_lease",
    "release_run",
    "renew_gold_load_lease",
    "renew_reset_lease",
]

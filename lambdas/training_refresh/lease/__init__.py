"""Who is running: the refresh lease of resets and gold-changing runs.

The problem
-----------
Two resets must never swap over each other, and a dead run must never block the next.
Both workflows span several Lambda invocations with no connection that lives from start
to end, so a connection-scoped MySQL lock (``GET_LOCK``) alone cannot cover a run.

What the lease no longer does (issue 11 item 3): keep resets and gold loads apart. A reset
copies one *published* gold state and re-checks the gold generation inside its swap,
holding the gold publish lock that every publication holds around its RENAME
(``gold_state.store.publish_instant``, ``reset.swap``); a publication in between makes it
copy the changed tables again. So a reset never waits for a gold load's work, a gold load
never for a reset's, and the two take turns only for the instant of a RENAME.

The design
----------
* **Lease rows** in ``IMS_REFRESH_LEASE`` (created when missing) say who is running:
  ``(HOLDER, RUN_ID, ACQUIRED_AT, RENEWED_AT, EXPIRES_AT)`` with ``HOLDER`` either
  ``gold-load`` (every gold-changing run) or ``reset``. Times come from the database
  server's clock (``UTC_TIMESTAMP(6)``), so the clocks of different Lambdas never matter.
  A lease is *live* while ``EXPIRES_AT`` lies in the future; every renewal moves it to
  now + TTL.
* **A short critical section** (``GET_LOCK`` on a name derived from the database name,
  held for milliseconds, one transaction) makes every check-then-write on the lease rows
  atomic.
* **Gold-changing runs**: ``acquire_gold_load_lease`` (plan) and
  ``renew_gold_load_lease`` (before every chunk) insert or extend the run's row;
  ``release_gold_load_lease`` (report) deletes it.
* **Holders name their execution** (``holder``): every row records the Step Functions
  execution ARN of its run; a waiting run asks ``DescribeExecution`` and takes the lease
  over at once from a holder whose execution has ended (all that run's rows go). TTLs are
  the last resort, for holders that cannot be checked. A local run that is given up
  (Ctrl-C, SIGTERM, ``--timeout``) deletes its rows (``release_run``) and takes none after.
* **Reset (one at a time)**: ``acquire_reset_lease`` writes the single reset row at once.
  A reset row of *another* run is taken over at once, live or not: runs have no liveness
  signal between steps, and a reset killed mid-run must never block the next one. Taking
  over is safe because every later step of a reset re-checks, inside the critical
  section, that its own row is still there and live (``renew_reset_lease``,
  ``holding_reset_lease``); an older reset that was taken over therefore fails with
  ``ResetSupersededError`` before it can rename anything. The renames that publish a
  staging copy or swap the training tables run *inside* the critical section after that
  check, so no takeover can slip in between check and rename.

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

"""The reset workflow: copy every gold copy into its training table on the server, then swap
all of them atomically.

For each training table ``T`` (gold copy ``T_GOLD``) a reset works with three tables whose
names follow from ``T`` alone, so the next run always finds what a crashed run left:

* ``T__RESET_FILL`` - ``CREATE TABLE ... LIKE T``, then ``INSERT INTO ... (cols) SELECT
  cols FROM T_GOLD``: the copy runs entirely inside MySQL, no row passes through Lambda.
* ``T__RESET_NEW`` - the FILL table renamed once its INSERT has committed, so a NEW table
  is always a complete copy (a half-filled table never carries the NEW name).
* ``T__RESET_OLD`` - what ``T`` was before the swap, dropped right after it.

The swap is **one** ``RENAME TABLE T1 TO T1__RESET_OLD, T1__RESET_NEW TO T1, ...`` over all
tables of the run. MySQL takes the metadata locks of every table first and renames them
all in one step, so any statement of another session sees all old tables or all new ones,
never a mix, never a missing table. Because the RENAME must wait for running statements
and open transactions on the training tables (and queues new ones behind it while it
waits), it runs with a short ``lock_wait_timeout`` and is retried a few times with pauses
in between; if trainees still hold the tables, it fails with SwapBlockedError and the
training tables stay as they were.

Crash safety, step by step: until the RENAME every training table is untouched; the
RENAME is atomic (and crash-safe on MariaDB >= 10.6 and MySQL 8); after it, only leftover
FILL/NEW/OLD tables remain, which ``clean_leftovers`` drops at the start of the next reset.

Identifiers come only from the validated table configuration (``select_tables`` accepts
nothing else) and are backtick-quoted.

Modules: ``tables`` (names, choosing tables, column checks, session helpers), ``prepare``,
``copy``, ``swap`` and ``report``, one per step of the state machine.
"""

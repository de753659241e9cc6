"""A local run's liveness signal: a named lock its process holds for the whole run.

A lease row of a Step Functions execution can be checked (``DescribeExecution``); a row of
a local run (``ims-refresh run ...``) cannot from another process, so it used to block
others until its TTL. A local run therefore holds ``GET_LOCK`` on a name derived from the
training database and its run id, on a connection its process keeps open from before
its first lease to after its last (``holding_run_lock``), and its lease rows record that
name (``RUN_LOCK``). MySQL releases a named lock when the session ends, which it notices
at once when a killed process's socket closes. A waiter that finds a row whose run lock
is free (``IS_USED_LOCK`` is NULL) knows the process is gone and takes the row over at
once (``table.wait_until``). Rows without a run lock (runs in AWS) are never judged so.

If the lock's connection alone is lost while the process lives (a network failure), its
rows may be taken over too; the run's later steps then find its lease taken
(StaleGoldBuildError at publish for a gold load, ResetSupersededError for a reset).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress

from training_refresh.adapters.mysql import Cursor, MySqlSettings, connect, lock_name
from training_refresh.errors import TrainingDatabaseBusyError

NAMESPACE = "ims_run"


def run_lock_name(database: str, run_id: str) -> str:
    return lock_name(NAMESPACE, database, run_id)


@contextmanager
def holding_run_lock(settings: MySqlSettings, run_id: str) -> Iterator[str]:
    """Hold run ``run_id``'s lock on a connection of its own for the body; its name.

    Connects without selecting the database (which a first run may not have created yet):
    named locks are server-wide, the name carries the database."""
    if not settings.database:
        raise TrainingDatabaseBusyError("a run lock needs the training database's name")
    name = run_lock_name(settings.database, run_id)
    connection = connect(settings.without_database(), workflow_session=False)
    with closing(connection), connection.cursor() as cursor:
        cursor.execute("SELECT GET_LOCK(%s, 0)", (name,))
        if cursor.fetchall()[0][0] != 1:
            raise TrainingDatabaseBusyError(f"the run lock {name!r} is held already")
        try:
            yield name
        finally:
            with suppress(Exception):  # closing the session releases it anyway
                cursor.execute("SELECT RELEASE_LOCK(%s)", (name,))
                cursor.fetchall()


def free_run_locks(cursor: Cursor, names: list[str]) -> set[str]:
    """Which of the run locks ``names`` no session holds (their processes are gone)."""
    free: set[str] = set()
    for name in names:
        cursor.execute("SELECT IS_USED_LOCK(%s)", (name,))
        if cursor.fetchall()[0][0] is None:
            free.add(name)
    return free

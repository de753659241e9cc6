"""The gold-undo step: put the gold copies and the catalog back to the state before the
last gold-changing run, by RENAME only (``gold_state.publication.publish_undo``).

The rule for undoing an undo (docs/design.md §1.4): an undo is never itself undone. Each
undo walks one step further back along the runs that changed the gold copies (load A,
load B, undo -> after A, undo -> before A); to get a run's result back after undoing it,
run that load or removal again. How far back an undo can go is the number of kept states
(``manifest.DEFAULT_KEEP_STATES``); beyond that StateNoLongerKeptError, nothing changed.
After the RENAME the live catalog is written to S3 (``gold_ops.catalog_file``).
"""

from __future__ import annotations

from collections.abc import Callable

from training_refresh.adapters.mysql import Connection, connected
from training_refresh.adapters.object_store import ObjectStore
from training_refresh.gold_ops.catalog_file import write_catalog_file
from training_refresh.gold_ops.writer import managed_tables, take_gold_writer, writer_guard
from training_refresh.gold_state.manifest import undone_run
from training_refresh.gold_state.publication import publish_undo
from training_refresh.gold_state.store import read_manifest
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease import LeaseTimes
from training_refresh.messages.gold_undo import GoldUndoEvent, GoldUndone
from training_refresh.run_files import now_iso
from training_refresh.table_groups import TableGroupSet


def undo_gold(
    event: GoldUndoEvent,
    *,
    connect_mysql: Callable[[], Connection],
    store: ObjectStore | None,
    work_bucket: str | None,
    table_groups: TableGroupSet,
    lease_times: LeaseTimes,
    on_step: OnStep = ignore_step,
) -> GoldUndone:
    """Take the writer's lease, then publish the undo. NothingToUndoError or
    StateNoLongerKeptError (bad input, exit code 2) leave everything as it was."""
    run_id = event.execution.name
    started_at = event.execution.start_time or now_iso()
    with connected(connect_mysql) as connection:
        take_gold_writer(connection, run_id, lease_times, on_step)
        with connection.cursor() as cursor:
            before = read_manifest(cursor)
        on_step("gold-undo-before-rename")
        outcome, restored = publish_undo(
            connection,
            run_id=run_id,
            managed_tables=managed_tables(table_groups),
            guard=writer_guard(connect_mysql, run_id, lease_times),
        )
        file_warnings = write_catalog_file(store, work_bucket, connection)
    return GoldUndone(
        run_id=run_id,
        started_at=started_at,
        generation=outcome.state.generation,
        previous_generation=outcome.previous_generation,
        undone_run_id=undone_run(before),
        undone_workflow=before.current.workflow,
        restored_generation=restored.content_generation,
        restored_run_id=restored.content_run_id,
        tables_changed=list(outcome.state.summary.tables_changed),
        rename_attempts=outcome.attempts,
        locked_seconds=outcome.locked_seconds,
        dropped=list(outcome.dropped),
        warnings=[*outcome.warnings, *file_warnings],
    )

"""The restore step: put some customers' rows of every training table back to their gold
rows, in one MySQL transaction, leaving every other customer's rows as they are.

``ims-refresh run reset --customers N,N,...`` (or ``--scenarios FILE``) and the reset
state machine with the input ``{"customers": "s3://bucket/key"}`` (a scenario file, never
a list in the payload) come here. The step

1. reads the file (ScenarioFileError: bad input, nothing touched);
2. takes the reset lease (a restore is a reset's turn: no other reset runs meanwhile; it
   takes over an older reset's lease like a reset does);
3. finds which of the customers a gold copy holds (directly, by the customer column):
   the others are reported and left untouched; when none is, CustomersNotInGoldError
   (bad input, nothing changed);
4. holding the gold publish lock (``gold_state.store.publish_instant``: no gold
   publication renames a gold copy meanwhile, so every row comes from one published gold
   state, whose generation the result names), in **one transaction** on its own
   connection runs ``restore_sql.restore_statements`` (deletes, then inserts of the gold
   rows) and, after checking it still holds the reset lease, commits. The lock is held
   for the transaction only (well under a second for a class, ``docs/benchmarks.md``).
   InnoDB makes the change visible at the commit only, so a reader sees
   each restored customer entirely before or entirely after, never half.

The trainees' other rows are never read for writing, so they stay exactly as they were.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from training_refresh.adapters.mysql import (
    Connection,
    Cursor,
    connected,
    quote_identifier,
    rollback_quietly,
    translated_errors,
)
from training_refresh.adapters.object_store import ObjectStore
from training_refresh.errors import BadInputError, CustomersNotInGoldError
from training_refresh.gold_ops.remove import read_customers
from training_refresh.gold_state.store import current_generation, publish_instant
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease import (
    DEFAULT_RESET_TIMES,
    LeaseTimes,
    acquire_reset_lease,
    renew_reset_lease,
)
from training_refresh.messages.restore import CustomersRestored, RestoreEvent, TableRestored
from training_refresh.reset.restore_sql import restore_statements
from training_refresh.reset.tables import existing_tables, select_tables
from training_refresh.run_files import now_iso
from training_refresh.table_groups import TableGroupSet, TableSpec

MAX_RESTORE_CUSTOMERS = 10_000
"""More customers than a class holds: a restore of more is a full reset's job (and their
numbers would make each statement's IN list too long to plan quickly)."""
NOT_IN_GOLD_SAMPLE_SIZE = 100


def restore_customers(
    event: RestoreEvent,
    *,
    store: ObjectStore,
    connect_mysql: Callable[[], Connection],
    table_groups: TableGroupSet,
    lease_times: LeaseTimes = DEFAULT_RESET_TIMES,
    on_step: OnStep = ignore_step,
) -> CustomersRestored:
    run_id = event.execution.name
    started_at = event.execution.start_time or now_iso()
    request = event.request
    if request.tables is not None or request.allow_empty is not None:
        raise BadInputError(
            "'customers' restores every enabled training table: leave out 'tables' and "
            "'allow_empty'"
        )
    location, customers = read_customers(store, request.customers)
    if len(customers) > MAX_RESTORE_CUSTOMERS:
        raise BadInputError(
            f"{location.uri} names {len(customers)} customers; a restore takes at most "
            f"{MAX_RESTORE_CUSTOMERS} (reset every table instead)"
        )
    specs = select_tables(table_groups, None)
    with connected(connect_mysql) as lease_connection:
        lease = acquire_reset_lease(lease_connection, run_id, lease_times, on_step=on_step)
        with connected(connect_mysql) as connection:
            with connection.cursor() as cursor, translated_errors("reading the gold copies"):
                present = _in_gold(cursor, specs, customers)
            if not present:
                raise CustomersNotInGoldError(
                    f"none of the {len(customers)} customer(s) of {location.uri} is in the "
                    "gold copies; nothing was changed"
                )
            restored, seconds, generation = _restore(
                connection,
                specs,
                sorted(present),
                check_lease=lambda: renew_reset_lease(lease_connection, run_id, lease_times),
                on_step=on_step,
            )
    not_in_gold = sorted(set(customers) - present)
    return CustomersRestored(
        run_id=run_id,
        started_at=started_at,
        customers_file=location.uri,
        customers_requested=len(customers),
        customers_restored=len(present),
        customers_not_in_gold=len(not_in_gold),
        not_in_gold_sample=not_in_gold[:NOT_IN_GOLD_SAMPLE_SIZE],
        tables=restored,
        gold_generation=generation,
        transaction_seconds=seconds,
        superseded_resets=list(lease.superseded_runs),
    )


def _in_gold(cursor: Cursor, specs: Sequence[TableSpec], customers: Sequence[int]) -> set[int]:
    """The customers some gold copy with a customer column holds a row of."""
    direct = [spec for spec in specs if spec.customer_scope.through_table is None]
    present = existing_tables(cursor, [spec.gold_table for spec in direct])
    found: set[int] = set()
    slots = ", ".join(["%s"] * len(customers))
    for spec in direct:
        if spec.gold_table not in present:
            continue
        column = quote_identifier(spec.customer_scope.column.upper())
        cursor.execute(
            f"SELECT DISTINCT {column} FROM {quote_identifier(spec.gold_table)} "
            f"WHERE {column} IN ({slots})",
            list(customers),
        )
        found.update(int(row[0]) for row in cursor.fetchall())
    return found


def _restore(
    connection: Connection,
    specs: Sequence[TableSpec],
    customers: Sequence[int],
    *,
    check_lease: Callable[[], None],
    on_step: OnStep,
) -> tuple[list[TableRestored], float, int]:
    """Run every statement in one transaction, holding the gold publish lock; commit
    after ``check_lease``. Returns the tables, the transaction's seconds and the gold
    generation the rows came from."""
    deleted = {spec.training_table: 0 for spec in specs}
    inserted = dict(deleted)
    with connection.cursor() as cursor, publish_instant(cursor):
        started = time.monotonic()
        with translated_errors("restoring customers"):
            generation = current_generation(cursor)
            connection.begin()
        try:
            with translated_errors("restoring customers"):
                for statement in restore_statements(specs):
                    text, parameters = statement.bound(customers)
                    rows = cursor.execute(text, parameters)
                    counts = deleted if statement.kind == "delete" else inserted
                    counts[statement.table] += rows
                on_step("restore-before-commit")
                check_lease()
                connection.commit()
        except BaseException:
            rollback_quietly(connection)
            raise
    seconds = round(time.monotonic() - started, 3)
    tables = [
        TableRestored(
            table=spec.training_table,
            rows_deleted=deleted[spec.training_table],
            rows_inserted=inserted[spec.training_table],
        )
        for spec in specs
    ]
    return tables, seconds, generation

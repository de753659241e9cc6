"""The reset's first step: validate the tables, take the reset lease, clean up."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import JsonValue

from training_refresh.adapters.mysql import Connection, connected
from training_refresh.errors import BadInputError, EmptyGoldCopyError
from training_refresh.gold_state.store import current_generation
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease import DEFAULT_RESET_TIMES, LeaseTimes, acquire_reset_lease
from training_refresh.messages.common import requested_names
from training_refresh.messages.reset import PrepareResetEvent, ResetPlan
from training_refresh.reset.copy import clean_leftovers
from training_refresh.reset.stage import staged_for
from training_refresh.reset.tables import empty_gold_copies, largest_first, select_tables
from training_refresh.run_files import now_iso
from training_refresh.table_groups import TableGroupSet


def prepare_reset(
    event: PrepareResetEvent,
    *,
    connect_mysql: Callable[[], Connection],
    table_groups: TableGroupSet,
    lease_times: LeaseTimes = DEFAULT_RESET_TIMES,
    on_step: OnStep = ignore_step,
) -> ResetPlan:
    """Validate the request (BadInputError before touching anything), take the reset lease
    (at once: gold loads never make a reset wait), drop what crashed resets left behind,
    refuse empty gold copies unless the request allows them (EmptyGoldCopyError), and
    record the published gold generation the copies start from (the swap re-checks it),
    and whether staged copies of that generation wait for every table (then none is
    copied: the staged path)."""
    run_id = event.execution.name
    specs = select_tables(table_groups, requested_names(event.request.tables, "training table"))
    allow_empty = _allow_empty(event.request.allow_empty)
    started_at = now_iso()
    with connected(connect_mysql) as connection:
        lease = acquire_reset_lease(connection, run_id, lease_times, on_step=on_step)
        dropped = clean_leftovers(connection, table_groups.all_tables())
        with connection.cursor() as cursor:
            empty = [] if allow_empty else empty_gold_copies(cursor, specs)
            if empty:
                raise EmptyGoldCopyError(
                    f"the gold copies of {', '.join(sorted(empty))} hold no rows, so the "
                    "reset would empty those training tables. Nothing was swapped; load "
                    "customers first (gold load), or reset with --allow-empty (request "
                    "allow_empty: true) to publish them empty"
                )
            in_copy_order = largest_first(cursor, specs)
            gold_generation = current_generation(cursor)
            staged = staged_for(cursor, specs, gold_generation)
    tables = [spec.training_table for spec in in_copy_order]
    return ResetPlan(
        run_id=run_id,
        tables=tables,
        started_at=started_at,
        waited_for_gold_loads_seconds=lease.waited_seconds,
        waited_for_gold_loads=list(lease.waited_for),
        superseded_resets=list(lease.superseded_runs),
        leftovers_dropped=dropped,
        gold_generation=gold_generation,
        staged=staged,
        copy_tables=[] if staged else tables,
    )


def _allow_empty(raw: JsonValue) -> bool:
    if raw is None:
        return False
    if not isinstance(raw, bool):
        raise BadInputError("'allow_empty' must be true or false")
    return raw

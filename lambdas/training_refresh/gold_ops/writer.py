"""Holding the gold writer's side of the lease while a gold-changing run publishes.

Until the dedicated gold writer lease lands (issue 11 item 2), a removal or an undo takes
the gold-load side of the refresh lease (``lease.gold_load``). Resets never wait for it
(they re-check the gold generation at their swap, ``reset.swap``). Two gold-changing runs
cannot publish over each other either way: a publication refuses a build of an older
generation (StaleGoldBuildError) and an undo reads the manifest inside the same RENAME.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from training_refresh.adapters.mysql import Connection, connected
from training_refresh.gold_state import names
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease import LeaseTimes, acquire_gold_load_lease, renew_gold_load_lease
from training_refresh.table_groups import TableGroupSet


def managed_tables(groups: TableGroupSet) -> list[str]:
    """Every table a gold state holds: each gold copy (enabled or not) and the catalog."""
    return [*(spec.gold_table for spec in groups.all_tables()), names.CATALOG_TABLE]


def take_gold_writer(
    connection: Connection, run_id: str, times: LeaseTimes, on_step: OnStep = ignore_step
) -> None:
    """Take the writer's side for ``run_id``."""
    acquire_gold_load_lease(connection, run_id, times, on_step=on_step)


class writer_guard:
    """The ``guard`` of a publication (reusable): on entry, checks that ``run_id`` still
    holds a live lease (renewing it), so no reset can have started since it was taken."""

    def __init__(
        self, connect_mysql: Callable[[], Connection], run_id: str, times: LeaseTimes
    ) -> None:
        self._connect = connect_mysql
        self._run_id = run_id
        self._times = times

    def __enter__(self) -> None:
        with connected(self._connect) as connection:
            renew_gold_load_lease(connection, self._run_id, self._times)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

"""``ims-refresh run reset``: validate, then execute the reset state machine locally."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ims_refresh.exit_codes import ExitCode
from ims_refresh.local_execution import execute_locally
from ims_refresh.reset_summary import print_reset_summary, print_stage_summary
from ims_refresh.settings import LocalDatabases, SettingsError, local_databases
from ims_refresh.table_names import resolve_tables
from training_refresh.adapters.mysql import MySqlSettings, connect, quote_identifier
from training_refresh.errors import BadInputError
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.messages.reset import reset_request
from training_refresh.reset.tables import select_tables
from training_refresh.table_groups import TableGroupSet, load_table_groups


def _validate(tables: str | None) -> list[str] | None:
    """Check the table names exactly as the workflow would, before anything is started."""
    chosen = resolve_tables(tables, "reset")
    select_tables(load_table_groups(), chosen)
    return chosen


@dataclass(frozen=True)
class TableComparison:
    table: str
    training_rows: int
    gold_rows: int
    equal: bool
    """Same row count and the same CHECKSUM TABLE."""


def compare_training_with_gold(
    url: MySqlSettings, groups: TableGroupSet | None = None
) -> list[TableComparison]:
    """Row counts and CHECKSUM TABLE of every enabled training table and its gold copy."""
    specs = (groups or load_table_groups()).enabled_tables()
    comparisons = []
    with connect(url, workflow_session=False) as connection, connection.cursor() as cursor:
        for spec in specs:
            measured = []
            for table in (spec.training_table, spec.gold_table):
                cursor.execute(f"SELECT COUNT(*) FROM {quote_identifier(table)}")
                rows = int(cursor.fetchone()[0])
                cursor.execute(f"CHECKSUM TABLE {quote_identifier(table)}")
                measured.append((rows, cursor.fetchone()[1]))
            (training_rows, training_sum), (gold_rows, gold_sum) = measured
            comparisons.append(
                TableComparison(
                    spec.training_table,
                    training_rows,
                    gold_rows,
                    training_rows == gold_rows and training_sum == gold_sum,
                )
            )
    return comparisons


def print_training_vs_gold(url: MySqlSettings, out: TextIO) -> bool:
    """Print whether every training table equals its gold copy; True when all do."""
    comparisons = compare_training_with_gold(url)
    for c in comparisons:
        verdict = "equal" if c.equal else "DIFFERENT"
        print(
            f"  {c.table:<22} {c.training_rows:>9} rows, gold copy {c.gold_rows:>9} rows: "
            f"{verdict} (row count and CHECKSUM TABLE)",
            file=out,
        )
    return all(c.equal for c in comparisons)


def run_reset(
    *,
    tables: str | None,
    report_dir: Path,
    timeout: float,
    allow_empty: bool = False,
    databases: LocalDatabases | None = None,
    on_step: OnStep = ignore_step,
) -> ExitCode:
    """Execute the reset state machine locally; exit code per docs/design.md §6.

    ``tables`` is the comma-separated ``--tables`` value (None: every enabled table). Bad
    table names are rejected here, before any database is touched (exit 2). An empty gold
    copy fails the reset (exit 1, nothing swapped) unless ``allow_empty``.
    """
    try:
        chosen = _validate(tables)
        databases = databases or local_databases()
    except (BadInputError, SettingsError) as error:
        print(f"ims-refresh: bad input: {error}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    request = reset_request(chosen, allow_empty=allow_empty)
    return execute_locally(
        "reset",
        lambda _runtime: request,
        databases=databases,
        report_dir=report_dir,
        timeout=timeout,
        print_summary=print_reset_summary,
        on_step=on_step,
    )


def run_reset_stage(
    *,
    report_dir: Path,
    timeout: float,
    databases: LocalDatabases | None = None,
    on_step: OnStep = ignore_step,
) -> ExitCode:
    """Execute the reset-stage state machine locally (no wait first): stage the next
    reset's copies of the published gold state; exit 0 also when it skipped."""
    try:
        databases = databases or local_databases()
    except SettingsError as error:
        print(f"ims-refresh: bad input: {error}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    return execute_locally(
        "reset-stage",
        lambda _runtime: {},
        databases=databases,
        report_dir=report_dir,
        timeout=timeout,
        print_summary=print_stage_summary,
        on_step=on_step,
    )

"""``ims-refresh run reset``: validate, then execute the reset state machine locally."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ims_refresh.exit_codes import ExitCode
from ims_refresh.local.mysql_setup import connect
from ims_refresh.local_execution import execute_locally
from ims_refresh.settings import LocalDatabases, MySqlUrl, SettingsError, local_databases
from training_refresh.errors import BadInputError
from training_refresh.gold_merge import quote_identifier
from training_refresh.reset import select_tables
from training_refresh.run_reports import requested_names
from training_refresh.table_configs import TableConfigSet, load_table_configs


def _validate(tables: str | None) -> list[str] | None:
    """Check the table names exactly as the workflow would, before anything is started."""
    chosen = requested_names(tables, "training table")
    select_tables(load_table_configs(), chosen)
    return chosen


def print_reset_summary(report: dict[str, Any], out: TextIO) -> None:
    """The short human summary of a reset run report."""
    tables = report.get("tables", [])
    print(
        f"reset {report['status']} - run {report['run_id']}, {len(tables)} table(s), "
        f"{report.get('rows_copied', 0)} rows, {report.get('duration_seconds', 0):.1f} s",
        file=out,
    )
    lease = report.get("lease") or {}
    if lease.get("waited_for_gold_loads"):
        print(
            f"  waited {lease.get('waited_for_gold_loads_seconds', 0):.1f} s for gold load(s) "
            f"{', '.join(lease['waited_for_gold_loads'])}",
            file=out,
        )
    if lease.get("superseded_resets"):
        print(f"  took over from reset(s) {', '.join(lease['superseded_resets'])}", file=out)
    if report.get("leftovers_dropped"):
        print(
            f"  dropped leftovers of an earlier reset: {', '.join(report['leftovers_dropped'])}",
            file=out,
        )
    for table in tables:
        print(
            f"  {table['table']:<22} {table.get('rows_written', 0):>9} rows  "
            f"{table['status']:<12} copy {table.get('copy_seconds', 0.0):.2f} s",
            file=out,
        )
    swap = report.get("swap") or {}
    if swap.get("status") == "swapped":
        print(
            f"  all tables swapped in one RENAME ({swap.get('attempts', 1)} attempt(s), "
            f"{swap.get('duration_seconds', 0.0):.2f} s)",
            file=out,
        )
    for warning in report.get("warnings", []):
        print(f"warning: {warning}", file=out)
    for error in report.get("errors", []):
        where = error.get("table") or error.get("step") or "reset"
        print(f"error [{where}] {error.get('name')}: {error.get('message')}", file=out)


@dataclass(frozen=True)
class TableComparison:
    table: str
    training_rows: int
    gold_rows: int
    equal: bool
    """Same row count and the same CHECKSUM TABLE."""


def compare_training_with_gold(
    url: MySqlUrl, configs: TableConfigSet | None = None
) -> list[TableComparison]:
    """Row counts and CHECKSUM TABLE of every enabled training table and its gold copy."""
    specs = (configs or load_table_configs()).enabled_tables()
    comparisons = []
    with connect(url) as connection, connection.cursor() as cursor:
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


def print_training_vs_gold(url: MySqlUrl, out: TextIO) -> bool:
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
    databases: LocalDatabases | None = None,
) -> ExitCode:
    """Execute the reset state machine locally; exit code per DESIGN §6.

    ``tables`` is the comma-separated ``--tables`` value (None: every enabled table). Bad
    table names are rejected here, before any database is touched (exit 2).
    """
    try:
        chosen = _validate(tables)
        databases = databases or local_databases()
    except (BadInputError, SettingsError) as error:
        print(f"ims-refresh: bad input: {error}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    request: dict[str, Any] = {} if chosen is None else {"tables": chosen}
    return execute_locally(
        "reset",
        lambda _runtime: request,
        databases=databases,
        report_dir=report_dir,
        timeout=timeout,
        print_summary=print_reset_summary,
    )

"""``ims-refresh demo``: the whole job on the local default databases, end to end."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

import psycopg

from ims_refresh.exit_codes import ExitCode
from ims_refresh.gold_load_command import run_gold_load
from ims_refresh.output import collecting, offer
from ims_refresh.reset_command import print_training_vs_gold, run_reset
from ims_refresh.seed_progress import watching_seed
from ims_refresh.settings import LocalDatabases, local_databases
from ims_refresh.synthetic_warehouse import (
    DEMO_AS_OF,
    SeedSummary,
    build_warehouse,
    customer_numbers,
    write_sample_scenario,
)

DEMO_SEED = 20261122
MISSING_DEMO_CUSTOMERS = (999_999_999_999_001, 999_999_999_999_002)
"""Two customer numbers the warehouse never holds, so the demo shows how missing
customers are reported."""


def seed_document(database: str, summary: SeedSummary) -> dict[str, Any]:
    """``seed-warehouse --json``: what was built, rows per table."""
    return {
        "warehouse": database,
        "customers": summary.customers,
        "profile": summary.profile,
        "seed": summary.seed,
        "rows_per_table": dict(summary.rows_per_table),
        "total_rows": summary.total_rows,
    }


def print_seed_summary(database: str, summary: SeedSummary, out: TextIO) -> None:
    print(
        f"warehouse {database} rebuilt: {summary.customers:,} customers, "
        f"{summary.total_rows:,} rows (profile {summary.profile}, seed {summary.seed})",
        file=out,
    )
    for table, rows in summary.rows_per_table.items():
        print(f"  {table:<36} {rows:>12,} rows", file=out)


def seed_local_warehouse(customers: int, profile: str, seed: int | None) -> ExitCode:
    databases = local_databases()
    with watching_seed(databases.warehouse_database, customers) as watch:
        summary = build_warehouse(
            databases.warehouse_url,
            customers,
            seed if seed is not None else DEMO_SEED,
            profile,
            on_progress=watch.update,
        )
    print_seed_summary(databases.warehouse_database, summary, sys.stdout)
    offer(seed_document(databases.warehouse_database, summary))
    return ExitCode.SUCCESS


def run_demo(customers: int, scenario_customers: int, report_dir: Path) -> ExitCode:
    databases = local_databases()
    print(
        f"1. seeding a synthetic warehouse of {customers} customers in PostgreSQL "
        f"database {databases.warehouse_database} (stands in for Redshift)"
    )
    with watching_seed(databases.warehouse_database, customers) as watch:
        seeded = build_warehouse(
            databases.warehouse_url, customers, DEMO_SEED, "demo", on_progress=watch.update
        )
    with psycopg.connect(databases.warehouse_url) as connection:
        known = customer_numbers(connection)
    scenario = report_dir / "demo-scenarios.csv"
    report_dir.mkdir(parents=True, exist_ok=True)
    chosen = write_sample_scenario(scenario, known, scenario_customers, DEMO_SEED)
    with scenario.open("a", encoding="utf-8") as extra:
        for number in MISSING_DEMO_CUSTOMERS:
            extra.write(f"{number},not in the warehouse\n")
    print(
        f"2. sample scenario {scenario}: {len(chosen)} customers plus "
        f"{len(MISSING_DEMO_CUSTOMERS)} unknown ones"
    )
    print(
        f"3. gold load as of {DEMO_AS_OF.isoformat()} into MySQL database "
        f"{databases.training.database}"
    )
    with collecting() as reports:
        code = _load_and_reset(scenario, report_dir, databases)
    document: dict[str, Any] = {
        "warehouse": seed_document(databases.warehouse_database, seeded),
        "scenario_file": str(scenario),
        "reports": reports.documents,
        "training_equals_gold": None,
    }
    if code == ExitCode.SUCCESS:
        print("5. training tables compared with their gold copies:")
        document["training_equals_gold"] = print_training_vs_gold(databases.training, sys.stdout)
        if not document["training_equals_gold"]:
            print("demo: a training table differs from its gold copy", file=sys.stderr)
            code = ExitCode.FAILED
    offer(document)
    if code != ExitCode.SUCCESS:
        return code
    print("demo finished: the training database holds the anonymized scenario customers")
    return ExitCode.SUCCESS


def _load_and_reset(scenario: Path, report_dir: Path, databases: LocalDatabases) -> ExitCode:
    sys.stdout.flush()
    loaded = run_gold_load(
        scenarios=scenario,
        as_of=DEMO_AS_OF.isoformat(),
        tables=None,
        report_dir=report_dir,
        timeout=1800.0,
        databases=databases,
    )
    if loaded != ExitCode.SUCCESS:
        return loaded
    print("4. reset: copy every gold copy into its training table, swapped in at once")
    sys.stdout.flush()
    return run_reset(tables=None, report_dir=report_dir, timeout=1800.0, databases=databases)

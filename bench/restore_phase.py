"""Restore phase: ``run reset --customers`` of 10 customers over a full training set
(issue 16 item 1).

The gold copies hold what the last 10,000-customer load left (at least 1,000,000 rows)
and the training tables a copy of them (``INSERT ... SELECT``, untimed). Each repeat picks
10 other customers of the gold set, makes trainees' changes to them (a changed customer,
a deleted order with its auths, an added order with an auth), then restores them through
the product's own path (``restore_command.run_restore``: the local reset state machine,
the restore step's one transaction) and checks that their rows equal gold again.

Measured: the restore transaction (the report's ``transaction_seconds``: from BEGIN to
COMMIT, the only time the change is under way) and the whole local run (runtime start,
upload of the customers file, lease, report). Target: the transaction under 1 s.

The plan: every statement of the restore (``reset.restore_sql.restore_statements``, bound
to the 10 customers) is EXPLAINed; each table it reaches must be reached by an index
(``type`` neither ``ALL``, a full table scan, nor ``index``, a full index scan). The
plans are kept in the results.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import time
from pathlib import Path
from typing import Any

from bench.common import MIN_RESET_ROWS, gold_rows, log
from bench.limit import mysql_connection
from ims_refresh.restore_command import run_restore
from ims_refresh.settings import LocalDatabases, MySqlUrl
from training_refresh.adapters.mysql import quote_identifier as q
from training_refresh.reset.restore_sql import restore_statements
from training_refresh.table_groups import TableGroupSet, TableSpec

RESTORED_CUSTOMERS = 10
PICK_SEED = 20261216
FULL_SCANS = frozenset({"ALL", "index"})
BENCH_ORDER = 990_000_000_000


def copy_gold_into_training(training: MySqlUrl, configs: TableGroupSet) -> int:
    """Training tables = gold copies (untimed set-up); returns the training rows."""
    rows = 0
    with (
        mysql_connection(training, database=training.database) as connection,
        connection.cursor() as cursor,
    ):
        for spec in configs.enabled_tables():
            cursor.execute(f"TRUNCATE TABLE {q(spec.training_table)}")
            cursor.execute(
                f"INSERT INTO {q(spec.training_table)} SELECT * FROM {q(spec.gold_table)}"
            )
            rows += int(cursor.rowcount)
        connection.commit()
    return rows


def _customers_with_orders(training: MySqlUrl) -> list[int]:
    with (
        mysql_connection(training, database=training.database) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT DISTINCT CUSTOMER_NO FROM IMS_ORDER_GOLD ORDER BY CUSTOMER_NO")
        return [int(row[0]) for row in cursor.fetchall()]


def _break(training: MySqlUrl, customers: list[int], repeat: int) -> None:
    """Trainees' changes to ``customers``: what the restore then puts back."""
    listed = ", ".join(str(c) for c in customers)
    with (
        mysql_connection(training, database=training.database) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"UPDATE IMS_CUSTOMER SET CITY = 'Bench Town' WHERE CUSTOMER_NO IN ({listed})"
        )
        cursor.execute(
            f"SELECT MIN(ORDER_NO) FROM IMS_ORDER WHERE CUSTOMER_NO IN ({listed}) "
            "GROUP BY CUSTOMER_NO"
        )
        for (order,) in cursor.fetchall():
            cursor.execute("DELETE FROM IMS_AUTH WHERE ORDER_NO = %s", (order,))
            cursor.execute("DELETE FROM IMS_ORDER WHERE ORDER_NO = %s", (order,))
        for offset, customer in enumerate(customers):
            order = BENCH_ORDER + repeat * 1000 + offset
            cursor.execute(
                "INSERT INTO IMS_ORDER (ORDER_NO, CUSTOMER_NO, ORDER_STATUS) "
                "VALUES (%s, %s, 'NEW')",
                (order, customer),
            )
            cursor.execute(
                "INSERT INTO IMS_AUTH (AUTH_ID, ORDER_NO, AUTH_STATUS) VALUES (%s, %s, 'OK')",
                (order, order),
            )
        connection.commit()


def _equal_to_gold(training: MySqlUrl, specs: list[TableSpec], customers: list[int]) -> bool:
    listed = ", ".join(str(c) for c in customers)
    with (
        mysql_connection(training, database=training.database) as connection,
        connection.cursor() as cursor,
    ):
        for spec in specs:
            sides = []
            pairs = ((spec.training_table, "IMS_ORDER"), (spec.gold_table, "IMS_ORDER_GOLD"))
            for table, parent in pairs:
                if spec.customer_scope.through_table is None:
                    where = f"CUSTOMER_NO IN ({listed})"
                else:
                    where = (
                        f"ORDER_NO IN (SELECT ORDER_NO FROM {q(parent)} "
                        f"WHERE CUSTOMER_NO IN ({listed}))"
                    )
                cursor.execute(f"SELECT * FROM {q(table)} WHERE {where}")
                sides.append(sorted(cursor.fetchall()))
            if sides[0] != sides[1]:
                return False
    return True


def restore_plans(
    training: MySqlUrl, specs: list[TableSpec], customers: list[int]
) -> list[dict[str, Any]]:
    """EXPLAIN of every restore statement: per table reached, its access type and key."""
    plans = []
    with (
        mysql_connection(training, database=training.database) as connection,
        connection.cursor() as cursor,
    ):
        for statement in restore_statements(specs):
            text, parameters = statement.bound(customers)
            cursor.execute("EXPLAIN " + text, parameters)
            names = [d[0] for d in cursor.description]
            reached = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            plans.append(
                {
                    "table": statement.table,
                    "kind": statement.kind,
                    "reaches": [
                        {"table": r["table"], "type": r["type"], "key": r["key"], "rows": r["rows"]}
                        for r in reached
                    ],
                }
            )
    return plans


def full_scans(plans: list[dict[str, Any]]) -> list[str]:
    return [
        f"{plan['kind']} {plan['table']}: {reach['table']} {reach['type']}"
        for plan in plans
        for reach in plan["reaches"]
        if reach["type"] in FULL_SCANS
    ]


def restore_phase(
    *,
    training: MySqlUrl,
    warehouse_url: str,
    configs: TableGroupSet,
    repeats: int,
    work: Path,
) -> dict[str, Any]:
    """Restores of 10 customers over a full training set; see the module."""
    baseline = gold_rows(training, configs)
    if sum(baseline.values()) < MIN_RESET_ROWS:
        raise RuntimeError(f"the gold copies hold {sum(baseline.values())} rows, too few")
    training_rows = copy_gold_into_training(training, configs)
    log(f"restore of {RESTORED_CUSTOMERS} customers over {training_rows:,} training rows")
    specs = list(configs.enabled_tables())
    candidates = _customers_with_orders(training)
    picks = random.Random(PICK_SEED).sample(candidates, RESTORED_CUSTOMERS * repeats)
    plans = restore_plans(training, specs, sorted(picks[:RESTORED_CUSTOMERS]))
    databases = LocalDatabases(training=training, warehouse_url=warehouse_url)
    runs = []
    for repeat in range(repeats):
        customers = sorted(picks[repeat * RESTORED_CUSTOMERS : (repeat + 1) * RESTORED_CUSTOMERS])
        _break(training, customers, repeat)
        reports = work / f"restore-{repeat}"
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = run_restore(
                customers=",".join(map(str, customers)),
                scenarios=None,
                report_dir=reports,
                timeout=600.0,
                databases=databases,
            )
        seconds = time.perf_counter() - started
        if code != 0 or not _equal_to_gold(training, specs, customers):
            raise RuntimeError(f"the restore failed or left rows unlike gold:\n{out.getvalue()}")
        report = json.loads(next(reports.glob("restore-*.json")).read_text("utf-8"))
        runs.append(
            {
                "seconds": round(seconds, 3),
                "transaction_seconds": report["transaction_seconds"],
                "rows_deleted": report["rows_deleted"],
                "rows_inserted": report["rows_inserted"],
            }
        )
        log(f"restore {repeat + 1}: {seconds:.2f} s, transaction {report['transaction_seconds']} s")
    return {
        "customers": RESTORED_CUSTOMERS,
        "training_rows": training_rows,
        "runs": runs,
        "plans": plans,
    }


def summarize_restore(restore: dict[str, Any]) -> tuple[dict[str, float], dict[str, Any]]:
    """The headline figures and the ``restore`` section of the results."""
    runs = restore["runs"]
    transaction = min(r["transaction_seconds"] for r in runs)
    scans = full_scans(restore["plans"])
    figures = {
        "restore_10_customers_transaction_seconds": round(transaction, 3),
        "restore_full_table_scans": float(len(scans)),
    }
    section = {
        "customers": restore["customers"],
        "training_rows": restore["training_rows"],
        "transaction_seconds_best": round(transaction, 3),
        "transaction_seconds_all": [r["transaction_seconds"] for r in runs],
        "local_run_seconds_best": round(min(r["seconds"] for r in runs), 3),
        "local_run_seconds_all": [r["seconds"] for r in runs],
        "rows_deleted_per_run": [r["rows_deleted"] for r in runs],
        "rows_inserted_per_run": [r["rows_inserted"] for r in runs],
        "full_scans": scans,
        "plans": restore["plans"],
    }
    return figures, section

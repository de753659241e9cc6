"""``make bench``: speed and memory of the gold load and the reset against physical limits.

A script, not a test. On the local MariaDB and PostgreSQL, in databases of its own
(``ims_bench_warehouse``, ``ims_bench_training``, ``ims_bench_limit``, ``ims_bench_training_3x``;
the defaults are never touched), it measures side by side, in one run:

1. Gold load of 1,000 and 10,000 customers out of a bench-profile warehouse of 50,000
   (built once, reused while size, seed and generator are unchanged), each in a fresh
   subprocess through ``gold_load_command.run_gold_load`` (moto runs the ASL, the Lambda
   handlers run in process), against the *limit*: the same rows fetched with the same
   extraction SQL through a server-side cursor and bulk-loaded with LOAD DATA LOCAL INFILE.
2. Reset of the resulting >1,000,000 gold rows through the reset state machine, against a
   bare INSERT ... SELECT of the same tables and a client-side copy through pymysql.
3. Peak RSS of the gold-load processes.
4. The atomic publication over that full gold set: loads of 1,000 and 10,000 new customers
   (each undone afterwards), the build copy alone and the publish instant
   (``publication_phase``). ``--phase publication`` runs only this one (on the gold set a
   previous run left, or one 10,000-customer load first) and updates only its keys in
   ``results.json``.
5. Restore of some customers, then the staged reset (issue 17) on that gold set and on one
   at least 3x as large (``reset_growth``): ``--phase reset-staged`` runs only this one.

Each kind of run is repeated ``--repeats`` times (the reset and its INSERT ... SELECT
baseline ``--reset-pair-repeats`` times); the runs of a repeat are interleaved, so each
repeat gives its own ratio of runs made back to back, and a target ratio is the median of
those. Seconds are the best of the repeats (noise from other processes only ever adds
time). Prints a table, writes ``bench/results.json`` and ``bench/chart.png``. See
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench import bench_warehouse as wh
from bench.chart import draw_chart
from bench.common import (
    AS_OF,
    BENCH_DIR,
    MIN_RESET_ROWS,
    SIZES,
    check_services,
    fresh_training_database,
    gold_rows,
    gold_rows_if_any,
    log,
)
from bench.gold_load_phase import gold_load_phase, product_gold_load
from bench.limit import local_infile_allowed
from bench.publication_phase import publication_phase
from bench.reset_growth import ensure_growth_gold, summarize_growth
from bench.reset_phase import reset_phase
from bench.reset_staged_phase import reset_staged_phase, summarize_reset_staged
from bench.restore_phase import restore_phase, summarize_restore
from bench.summary import print_table, summarize, update_publication, update_section
from ims_refresh.reset_command import compare_training_with_gold
from ims_refresh.settings import MySqlUrl
from ims_refresh.synthetic_warehouse import customer_numbers, write_sample_scenario
from training_refresh.gold_load.work import CUSTOMERS_PER_CHUNK
from training_refresh.table_groups import TableGroupSet, load_table_groups


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--reset-pair-repeats",
        type=int,
        default=7,
        help="runs of the reset and of the parallel INSERT ... SELECT it is compared with",
    )
    parser.add_argument(
        "--staged-repeats",
        type=int,
        default=5,
        help="staged resets on each gold set (the 1x and the 3x one), taking turns",
    )
    parser.add_argument("--warehouse-customers", type=int, default=wh.WAREHOUSE_CUSTOMERS)
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results.json")
    parser.add_argument("--chart", type=Path, default=BENCH_DIR / "chart.png")
    parser.add_argument(
        "--phase",
        choices=("all", "publication", "restore", "reset-staged"),
        default="all",
        help="'publication' / 'restore' / 'reset-staged': only that phase, keeping the others",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        help="record the first 10,000-customer gold load with py-spy (raw format) to this file",
    )
    arguments = parser.parse_args()
    started = time.perf_counter()
    training_url = os.environ.get("IMS_BENCH_TRAINING_DB_URL", wh.TRAINING_URL)
    training = MySqlUrl.parse(training_url)
    check_services(training)
    configs = load_table_groups()

    log(f"warehouse {wh.WAREHOUSE_DB}: {arguments.warehouse_customers:,} customers, bench profile")
    warehouse = wh.ensure_warehouse(arguments.warehouse_customers)
    log("built it" if warehouse["built"] else "reused it (same size, seed and generator)")
    with psycopg.connect(wh.WAREHOUSE_URL) as conn:
        available = customer_numbers(conn)
    only = {
        "publication": publication_only,
        "restore": restore_only,
        "reset-staged": reset_staged_only,
    }.get(arguments.phase)
    if only is not None:
        return only(arguments, training, training_url, configs, available)
    fresh_training_database(training, configs)
    use_local_infile = local_infile_allowed(training)

    with tempfile.TemporaryDirectory(prefix="ims-bench-") as folder:
        work = Path(folder)
        scenarios = {}
        for size in SIZES:
            path = work / f"scenario-{size}.csv"
            scenarios[size] = (path, sorted(write_sample_scenario(path, available, size)))
        gold = gold_load_phase(
            training=training,
            training_url=training_url,
            configs=configs,
            scenarios=scenarios,
            repeats=arguments.repeats,
            work=work,
            use_local_infile=use_local_infile,
            py_spy=arguments.py_spy,
        )
    rows = gold_rows(training, configs)
    if sum(rows.values()) < MIN_RESET_ROWS:
        raise RuntimeError(f"the gold copies hold {sum(rows.values())} rows, fewer than wanted")
    log(f"reset of {sum(rows.values()):,} gold rows")
    reset = reset_phase(
        training=training,
        configs=configs,
        repeats=arguments.repeats,
        pair_repeats=arguments.reset_pair_repeats,
    )
    equal = all(c.equal for c in compare_training_with_gold(training, configs))
    if not equal:
        raise RuntimeError("after the reset a training table differs from its gold copy")
    log(f"atomic publication over {sum(rows.values()):,} gold rows")
    with tempfile.TemporaryDirectory(prefix="ims-bench-") as folder:
        publication = publication_phase(
            training=training,
            training_url=training_url,
            configs=configs,
            available=available,
            repeats=arguments.repeats,
            work=Path(folder),
            use_local_infile=use_local_infile,
        )

    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "repeats": arguments.repeats,
        "statistic": (
            "ratios: median over repeats of each repeat's own ratio (its runs back to back);"
            " seconds: best of repeats; RSS: largest"
        ),
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "warehouse": {k: v for k, v in warehouse.items() if k != "rows_per_table"},
        "gold_rows_before_reset": rows,
        "as_of": AS_OF,
        "customers_per_chunk": CUSTOMERS_PER_CHUNK,
        "training_equals_gold_after_reset": equal,
        "bench_seconds": round(time.perf_counter() - started, 1),
    }
    results = summarize(gold, reset, meta, publication)
    _add_restore(results, training, configs, arguments.repeats)
    _add_reset_staged(
        results,
        arguments,
        training=training,
        training_url=training_url,
        configs=configs,
        available=available,
        reuse=False,
    )
    arguments.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    draw_chart(results, arguments.chart)
    print_table(results)
    print(f"\nwrote {arguments.output} and {arguments.chart}")
    print(f"make bench took {meta['bench_seconds']:.0f} s")
    return 0


def publication_only(
    arguments: argparse.Namespace,
    training: MySqlUrl,
    training_url: str,
    configs: TableGroupSet,
    available: list[int],
) -> int:
    """``--phase publication``: the publication phase alone; its keys replace those of the
    existing results (the gold-load figures it compares with are read from them)."""
    results = json.loads(arguments.output.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="ims-bench-") as folder:
        work = Path(folder)
        if sum(gold_rows_if_any(training, configs).values()) < MIN_RESET_ROWS:
            log("no full gold set: one untimed 10,000-customer load first")
            fresh_training_database(training, configs)
            scenario = work / "gold-set.csv"
            write_sample_scenario(scenario, available, max(SIZES))
            product_gold_load(scenario, work / "reports", training_url, None)
        publication = publication_phase(
            training=training,
            training_url=training_url,
            configs=configs,
            available=available,
            repeats=arguments.repeats,
            work=work,
            use_local_infile=local_infile_allowed(training),
        )
    update_publication(results, publication)
    arguments.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    draw_chart(results, arguments.chart)
    print_table(results)
    print(f"\nupdated the publication keys of {arguments.output} and drew {arguments.chart}")
    return 0


def _add_restore(
    results: dict[str, Any], training: MySqlUrl, configs: TableGroupSet, repeats: int
) -> None:
    """Run the restore phase on the gold set left by the phases before; add its keys."""
    with tempfile.TemporaryDirectory(prefix="ims-bench-") as folder:
        restore = restore_phase(
            training=training,
            warehouse_url=wh.WAREHOUSE_URL,
            configs=configs,
            repeats=repeats,
            work=Path(folder),
        )
    figures, section = summarize_restore(restore)
    update_section(results, figures, "restore", section)


def restore_only(
    arguments: argparse.Namespace,
    training: MySqlUrl,
    training_url: str,
    configs: TableGroupSet,
    available: list[int],
) -> int:
    """``--phase restore``: the restore phase alone (on the gold set a previous run left,
    or one 10,000-customer load first); its keys replace those of the existing results."""
    results = json.loads(arguments.output.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="ims-bench-") as folder:
        work = Path(folder)
        if sum(gold_rows_if_any(training, configs).values()) < MIN_RESET_ROWS:
            log("no full gold set: one untimed 10,000-customer load first")
            fresh_training_database(training, configs)
            scenario = work / "gold-set.csv"
            write_sample_scenario(scenario, available, max(SIZES))
            product_gold_load(scenario, work / "reports", training_url, None)
    _add_restore(results, training, configs, arguments.repeats)
    arguments.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_table(results)
    print(f"\nupdated the restore keys of {arguments.output}")
    return 0


def _add_reset_staged(
    results: dict[str, Any],
    arguments: argparse.Namespace,
    *,
    training: MySqlUrl,
    training_url: str,
    configs: TableGroupSet,
    available: list[int],
    reuse: bool,
) -> None:
    """Staged resets on the gold set left by the phases before (1x) and on one at least
    three times as large (``reset_growth``; reused when ``reuse`` and present); add the
    keys of both."""
    rows_1x = sum(gold_rows(training, configs).values())
    with tempfile.TemporaryDirectory(prefix="ims-bench-") as folder:
        large = ensure_growth_gold(
            training=training,
            training_url=training_url,
            configs=configs,
            available=available,
            rows_1x=rows_1x,
            work=Path(folder),
            reuse=reuse,
        )
    trainings = {"1x": training, "3x": large}
    runs = reset_staged_phase(
        trainings=trainings, configs=configs, repeats=arguments.staged_repeats
    )
    for label, url in trainings.items():
        if not all(c.equal for c in compare_training_with_gold(url, configs)):
            raise RuntimeError(
                f"after a staged reset ({label}) a training table differs from its gold copy"
            )
    figures, section = summarize_reset_staged(runs["1x"])
    update_section(results, figures, "reset_staged", section)
    figures, section = summarize_growth(runs["1x"], runs["3x"])
    update_section(results, figures, "reset_staged_growth", section)


def reset_staged_only(
    arguments: argparse.Namespace,
    training: MySqlUrl,
    training_url: str,
    configs: TableGroupSet,
    available: list[int],
) -> int:
    """``--phase reset-staged``: staged resets on the gold set a previous run left (or one
    10,000-customer load first) and on the 3x one (reused when present); its keys replace
    those of the existing results."""
    results = json.loads(arguments.output.read_text(encoding="utf-8"))
    if sum(gold_rows_if_any(training, configs).values()) < MIN_RESET_ROWS:
        log("no full gold set: one untimed 10,000-customer load first")
        fresh_training_database(training, configs)
        with tempfile.TemporaryDirectory(prefix="ims-bench-") as folder:
            scenario = Path(folder) / "gold-set.csv"
            write_sample_scenario(scenario, available, max(SIZES))
            product_gold_load(scenario, Path(folder) / "reports", training_url, None)
    _add_reset_staged(
        results,
        arguments,
        training=training,
        training_url=training_url,
        configs=configs,
        available=available,
        reuse=True,
    )
    arguments.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_table(results)
    draw_chart(results, arguments.chart)
    print(f"\nupdated the reset-staged keys of {arguments.output} and drew {arguments.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``make bench``: speed and memory of the gold load and the reset against physical limits.

A script, not a test. On the local MariaDB and PostgreSQL, in databases of its own
(``ims_bench_warehouse``, ``ims_bench_training``, ``ims_bench_limit``; the defaults are
never touched), it measures side by side, in one run:

1. Gold load of 1,000 and 10,000 customers out of a bench-profile warehouse of 50,000
   (built once, reused while size, seed and generator are unchanged), each in a fresh
   subprocess through ``gold_load_command.run_gold_load`` (moto runs the ASL, the Lambda
   handlers run in process), against the *limit*: the same rows fetched with the same
   extraction SQL through a server-side cursor and bulk-loaded with LOAD DATA LOCAL INFILE.
2. Reset of the resulting >1,000,000 gold rows through the reset state machine, against a
   bare INSERT ... SELECT of the same tables and a client-side copy through pymysql.
3. Peak RSS of the gold-load processes.

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
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pymysql

from bench import bench_warehouse as wh
from bench.limit import local_infile_allowed, mysql_connection, run_limit
from bench.reset_baselines import client_copy, insert_select
from ims_refresh.local.mysql_setup import ensure_training_tables
from ims_refresh.local.runtime import LocalRuntime
from ims_refresh.reset_command import compare_training_with_gold
from ims_refresh.settings import LocalDatabases, MySqlUrl
from ims_refresh.synthetic_warehouse import customer_numbers, write_sample_scenario
from training_refresh.adapters.mysql import quote_identifier
from training_refresh.gold_load.work import CUSTOMERS_PER_CHUNK
from training_refresh.table_groups import TableGroupSet, load_table_groups

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "bench"
AS_OF = "2026-11-20"
"""After every row the bench profile generates (activity ends mid-November 2026), so the
extraction keeps every order and auth; in the past, so the gold load accepts it."""
SIZES = (1_000, 10_000)
MIN_RESET_ROWS = 1_000_000

TARGETS: dict[str, tuple[str, float]] = {
    "gold_load_ratio_to_limit": ("<=", 2.0),
    "reset_ratio_to_insert_select": ("<=", 1.15),
    "reset_speedup_vs_client_copy": (">=", 5.0),
    "peak_rss_mb_10k": ("<=", 512.0),
    "rss_growth_1k_to_10k": ("<=", 1.5),
}


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC).strftime('%H:%M:%S')}] {message}", file=sys.stderr)


# --- set-up ------------------------------------------------------------------------------


def check_services(training: MySqlUrl) -> None:
    try:
        with psycopg.connect(wh.POSTGRES + "postgres", connect_timeout=5):
            pass
        with mysql_connection(training, database=None, connect_timeout=5):
            pass
    except (psycopg.Error, pymysql.Error) as error:
        sys.exit(f"bench: a local database is not reachable ({error}); run `make services`")


def fresh_training_database(training: MySqlUrl, configs: TableGroupSet) -> None:
    with mysql_connection(training, database=None) as connection, connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote_identifier(training.database)}")
    ensure_training_tables(training, configs)


def truncate_gold(training: MySqlUrl, configs: TableGroupSet) -> None:
    with (
        mysql_connection(training, database=training.database) as connection,
        connection.cursor() as cursor,
    ):
        for spec in configs.enabled_tables():
            cursor.execute(f"TRUNCATE TABLE {quote_identifier(spec.gold_table)}")


def gold_rows(training: MySqlUrl, configs: TableGroupSet) -> dict[str, int]:
    counts = {}
    with (
        mysql_connection(training, database=training.database) as connection,
        connection.cursor() as cursor,
    ):
        for spec in configs.enabled_tables():
            cursor.execute(f"SELECT COUNT(*) FROM {quote_identifier(spec.gold_table)}")
            counts[spec.gold_table] = int(cursor.fetchone()[0])
    return counts


# --- gold load ---------------------------------------------------------------------------


def product_gold_load(
    scenario: Path, report_dir: Path, training_url: str, py_spy: Path | None
) -> dict[str, Any]:
    child = [
        sys.executable,
        "-m",
        "bench.gold_load_child",
        "--scenario",
        str(scenario),
        "--as-of",
        AS_OF,
        "--training-url",
        training_url,
        "--warehouse-url",
        wh.WAREHOUSE_URL,
        "--report-dir",
        str(report_dir),
    ]
    if py_spy is not None:
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        command = [spy, "record", "--rate", "50", "--format", "raw", "-o", str(py_spy)]
        command += [*os.environ.get("IMS_BENCH_PY_SPY_OPTIONS", "").split(), "--"]
        command = [*command, *child]
    else:
        command = child
    completed = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr[-4000:])
        raise RuntimeError(f"the gold load of {scenario.name} failed")
    # The child's last JSON line (py-spy, when it wraps the child, prints after it).
    line = [x for x in completed.stdout.splitlines() if x.startswith("{")][-1]
    result: dict[str, Any] = json.loads(line)
    report = result.pop("report")
    result["rows"] = sum(
        table.get("rows_written", 0)
        for config in report.get("configs", [])
        for table in config.get("tables", {}).values()
    )
    result["rows_per_table"] = {
        name: table.get("rows_written", 0)
        for config in report.get("configs", [])
        for name, table in config.get("tables", {}).items()
    }
    result["report_duration_seconds"] = report.get("duration_seconds")
    return result


def gold_load_phase(
    *,
    training: MySqlUrl,
    training_url: str,
    configs: TableGroupSet,
    scenarios: dict[int, tuple[Path, list[int]]],
    repeats: int,
    work: Path,
    use_local_infile: bool,
    py_spy: Path | None,
) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Per repeat and size: the product's load and the limit, in alternating order.

    The largest size runs last in every repeat, so the gold copies end up holding it.
    """
    runs: dict[int, dict[str, list[dict[str, Any]]]] = {
        size: {"product": [], "limit": []} for size in scenarios
    }
    for repeat in range(repeats):
        for size, (scenario, customers) in sorted(scenarios.items()):

            def product(
                size: int = size, scenario: Path = scenario, repeat: int = repeat
            ) -> dict[str, Any]:
                truncate_gold(training, configs)
                spy = (
                    py_spy if (py_spy is not None and repeat == 0 and size == max(SIZES)) else None
                )
                return product_gold_load(scenario, work / "reports", training_url, spy)

            def limit(customers: list[int] = customers) -> dict[str, Any]:
                result = run_limit(
                    warehouse_url=wh.WAREHOUSE_URL,
                    training=training,
                    scratch_database=wh.LIMIT_DB,
                    configs=configs,
                    customers=customers,
                    chunk_size=CUSTOMERS_PER_CHUNK,
                    as_of=AS_OF,
                    use_local_infile=use_local_infile,
                )
                return dict(vars(result))

            order: list[tuple[str, Callable[[], dict[str, Any]]]] = [
                ("limit", limit),
                ("product", product),
            ]
            if repeat % 2:
                order.reverse()
            for kind, run in order:
                result = run()
                runs[size][kind].append(result)
                log(
                    f"repeat {repeat + 1}/{repeats}: gold load {size:>6} customers, {kind:<7} "
                    f"{result['seconds']:7.2f} s, {result['rows']} rows"
                    + (f", peak RSS {result['peak_rss_mb']:.0f} MB" if kind == "product" else "")
                )
            product_rows, limit_rows = runs[size]["product"][-1], runs[size]["limit"][-1]
            if product_rows["rows"] != limit_rows["rows"]:
                raise RuntimeError(
                    f"{size} customers: the gold load wrote {product_rows['rows']} rows but the "
                    f"limit moved {limit_rows['rows']}: they must move the same rows"
                )
    return runs


# --- reset -------------------------------------------------------------------------------


def reset_phase(
    *, training: MySqlUrl, configs: TableGroupSet, repeats: int, pair_repeats: int
) -> dict[str, list[dict[str, Any]]]:
    """Per repeat: the reset state machine, bare INSERT ... SELECT, client copy (rotated).

    The reset and the parallel INSERT ... SELECT it is compared with take ~3 s each and
    vary by +-0.5 s here, so that pair runs ``pair_repeats`` times (at least ``repeats``);
    the serial INSERT ... SELECT and the 25-second client copy run ``repeats`` times."""
    specs = list(configs.enabled_tables())
    databases = LocalDatabases(training=training, warehouse_url=wh.WAREHOUSE_URL)
    ensure_training_tables(training, configs)
    runs: dict[str, list[dict[str, Any]]] = {
        "state_machine": [],
        "insert_select_serial": [],
        "insert_select_parallel": [],
        "client": [],
    }
    started = time.perf_counter()
    with LocalRuntime(databases) as runtime:
        runs_startup = time.perf_counter() - started

        def state_machine() -> dict[str, Any]:
            name = f"bench-reset-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
            t0 = time.perf_counter()
            outcome = runtime.execute("reset", {}, name=name, timeout=3600)
            seconds = time.perf_counter() - t0
            if outcome.status != "SUCCEEDED":
                raise RuntimeError(f"reset {name} ended {outcome.status}: {outcome.cause}")
            report = runtime.read_json_if_exists(
                f"s3://ims-refresh-local-work/reports/reset/{name}.json"
            )
            return {
                "seconds": seconds,
                "rows": int((report or {}).get("rows_copied", 0)),
                "copy_seconds": {
                    t["table"]: t.get("copy_seconds") for t in (report or {}).get("tables", [])
                },
                "swap_seconds": ((report or {}).get("swap") or {}).get("duration_seconds"),
            }

        order: list[tuple[str, Callable[[], dict[str, Any]]]] = [
            ("state_machine", state_machine),
            (
                "insert_select_serial",
                lambda: insert_select(training, wh.LIMIT_DB, specs, parallel=False),
            ),
            (
                "insert_select_parallel",
                lambda: insert_select(training, wh.LIMIT_DB, specs, parallel=True),
            ),
            ("client", lambda: client_copy(training, wh.LIMIT_DB, specs)),
        ]
        pair = {"state_machine", "insert_select_parallel"}
        rounds = max(repeats, pair_repeats)
        for repeat in range(rounds):
            shift = repeat % len(order)
            for kind, run in order[shift:] + order[:shift]:
                if repeat >= repeats and kind not in pair:
                    continue
                result = run()
                runs[kind].append(result)
                log(
                    f"repeat {repeat + 1}/{rounds}: reset {kind:<22} {result['seconds']:7.2f} s, "
                    f"{result['rows']} rows"
                )
    runs["runtime_startup"] = [{"seconds": runs_startup}]
    return runs


# --- results -----------------------------------------------------------------------------


def best(runs: list[dict[str, Any]], key: str = "seconds") -> float:
    return float(min(run[key] for run in runs))


def paired_ratios(
    numerators: list[dict[str, Any]], denominators: list[dict[str, Any]]
) -> list[float]:
    """Each repeat's ratio of two runs made back to back (zip stops at the shorter list)."""
    return [
        round(top["seconds"] / bottom["seconds"], 3)
        for top, bottom in zip(numerators, denominators, strict=False)
    ]


def summarize(
    gold: dict[int, dict[str, list[dict[str, Any]]]],
    reset: dict[str, list[dict[str, Any]]],
    meta: dict[str, Any],
) -> dict[str, Any]:
    small, large = min(gold), max(gold)
    gold_sizes = {}
    for size, runs in sorted(gold.items()):
        product, limit = best(runs["product"]), best(runs["limit"])
        per_repeat = paired_ratios(runs["product"], runs["limit"])
        rows = runs["product"][0]["rows"]
        gold_sizes[str(size)] = {
            "rows": rows,
            "rows_per_table": runs["product"][0]["rows_per_table"],
            "product_seconds_best": round(product, 3),
            "product_seconds_all": [round(r["seconds"], 3) for r in runs["product"]],
            "product_rows_per_second": round(rows / product),
            "limit_seconds_best": round(limit, 3),
            "limit_seconds_all": [round(r["seconds"], 3) for r in runs["limit"]],
            "limit_fetch_seconds_best": round(best(runs["limit"], "fetch_seconds"), 3),
            "limit_load_seconds_best": round(best(runs["limit"], "load_seconds"), 3),
            "limit_method": runs["limit"][0]["method"],
            "limit_rows_per_second": round(rows / limit),
            "ratio_to_limit": round(statistics.median(per_repeat), 3),
            "ratio_to_limit_per_repeat": per_repeat,
            "ratio_to_limit_best_of_each": round(product / limit, 3),
            "peak_rss_mb_all": [round(r["peak_rss_mb"], 1) for r in runs["product"]],
            "baseline_rss_mb_all": [round(r["baseline_rss_mb"], 1) for r in runs["product"]],
        }
    peak_small = max(r["peak_rss_mb"] for r in gold[small]["product"])
    peak_large = max(r["peak_rss_mb"] for r in gold[large]["product"])
    state_machine, client = best(reset["state_machine"]), best(reset["client"])
    bare_serial, bare_parallel = (
        best(reset["insert_select_serial"]),
        best(reset["insert_select_parallel"]),
    )
    # The strict reading: the faster way the server can do the same copies.
    bare = min(bare_serial, bare_parallel)
    bare_used = "parallel" if bare_parallel <= bare_serial else "serial"
    reset_rows = reset["state_machine"][0]["rows"]
    paired = paired_ratios(reset["state_machine"], reset[f"insert_select_{bare_used}"])
    client_paired = paired_ratios(reset["client"], reset["state_machine"])
    results: dict[str, Any] = {
        "gold_load_ratio_to_limit": gold_sizes[str(large)]["ratio_to_limit"],
        "reset_ratio_to_insert_select": round(statistics.median(paired), 3),
        "reset_speedup_vs_client_copy": round(statistics.median(client_paired), 2),
        "peak_rss_mb_10k": round(peak_large, 1),
        "rss_growth_1k_to_10k": round(peak_large / peak_small, 3),
    }
    results["targets"] = {
        key: {
            "target": f"{op} {bound:g}",
            "value": results[key],
            "met": _met(results[key], op, bound),
        }
        for key, (op, bound) in TARGETS.items()
    }
    results["gold_load"] = gold_sizes
    results["reset"] = {
        "rows": reset_rows,
        "state_machine_seconds_best": round(state_machine, 3),
        "state_machine_seconds_all": [round(r["seconds"], 3) for r in reset["state_machine"]],
        "ratio_to_insert_select_per_repeat": paired,
        "ratio_to_insert_select_best_of_each": round(state_machine / bare, 3),
        "speedup_vs_client_copy_per_repeat": client_paired,
        "speedup_vs_client_copy_best_of_each": round(client / state_machine, 2),
        "state_machine_rows_per_second": round(reset_rows / state_machine),
        "insert_select_seconds_best": round(bare, 3),
        "insert_select_used": bare_used,
        "insert_select_serial_seconds_all": [
            round(r["seconds"], 3) for r in reset["insert_select_serial"]
        ],
        "insert_select_parallel_seconds_all": [
            round(r["seconds"], 3) for r in reset["insert_select_parallel"]
        ],
        "client_copy_seconds_best": round(client, 3),
        "client_copy_seconds_all": [round(r["seconds"], 3) for r in reset["client"]],
        "client_copy_rows_per_second": round(reset_rows / client),
        "copy_seconds_per_table_last_run": reset["state_machine"][-1]["copy_seconds"],
        "swap_seconds_last_run": reset["state_machine"][-1]["swap_seconds"],
        "local_runtime_startup_seconds": round(reset["runtime_startup"][0]["seconds"], 3),
    }
    results["memory"] = {
        "peak_rss_mb_1k": round(peak_small, 1),
        "peak_rss_mb_10k": round(peak_large, 1),
        "baseline_rss_mb": round(
            statistics.median(
                r["baseline_rss_mb"] for runs in gold.values() for r in runs["product"]
            ),
            1,
        ),
        "what_it_covers": (
            "ru_maxrss of a fresh process that imports the product, starts the local "
            "runtime (moto: Step Functions, S3, Secrets Manager), executes the gold-load "
            "state machine with every Lambda handler and the local Data API in process; "
            "largest of the repeats"
        ),
    }
    results["run"] = meta
    return results


def _met(value: float, op: str, bound: float) -> bool:
    return value <= bound if op == "<=" else value >= bound


def print_table(results: dict[str, Any]) -> None:
    lines = ["", f"{'measure':<44}{'value':>14}  target      met"]
    for key, target in results["targets"].items():
        lines.append(
            f"{key:<44}{target['value']:>14}  {target['target']:<10}  "
            f"{'yes' if target['met'] else 'NO'}"
        )
    lines.append("")
    for size, g in results["gold_load"].items():
        lines.append(
            f"gold load {int(size):>6,} customers {g['rows']:>10,} rows: product "
            f"{g['product_seconds_best']:7.2f} s ({g['product_rows_per_second']:>7,} rows/s), "
            f"limit {g['limit_seconds_best']:6.2f} s ({g['limit_rows_per_second']:>7,} rows/s), "
            f"ratio {g['ratio_to_limit']:.2f} (median of repeats)"
        )
    r = results["reset"]
    lines.append(
        f"reset {r['rows']:>10,} rows: state machine {r['state_machine_seconds_best']:.2f} s, "
        f"INSERT...SELECT {r['insert_select_seconds_best']:.2f} s, "
        f"client copy {r['client_copy_seconds_best']:.2f} s (best of each); ratios per repeat "
        f"{', '.join(f'{x:.2f}' for x in r['ratio_to_insert_select_per_repeat'])}"
    )
    m = results["memory"]
    lines.append(
        f"peak RSS: 1k {m['peak_rss_mb_1k']:.0f} MB, 10k {m['peak_rss_mb_10k']:.0f} MB "
        f"(process after imports: {m['baseline_rss_mb']:.0f} MB)"
    )
    print("\n".join(lines))


def draw_chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib  # noqa: PLC0415 - only needed here

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, (gold_ax, reset_ax, memory_ax) = plt.subplots(
        1, 3, figsize=(13, 4.2), gridspec_kw={"width_ratios": [1.2, 1.2, 0.8]}
    )
    sizes = list(results["gold_load"])
    x = range(len(sizes))
    product = [results["gold_load"][s]["product_seconds_best"] for s in sizes]
    limit = [results["gold_load"][s]["limit_seconds_best"] for s in sizes]
    width = 0.38
    gold_ax.bar([i - width / 2 for i in x], product, width, label="gold load (state machine)")
    gold_ax.bar([i + width / 2 for i in x], limit, width, label="limit: cursor + LOAD DATA")
    for i, s in enumerate(sizes):
        g = results["gold_load"][s]
        gold_ax.annotate(
            f"x{g['ratio_to_limit']:.2f}", (i - width / 2, product[i]), ha="center", va="bottom"
        )
    gold_ax.set_xticks(
        list(x), [f"{int(s):,} customers\n{results['gold_load'][s]['rows']:,} rows" for s in sizes]
    )
    gold_ax.set_ylabel("seconds (best of runs)")
    gold_ax.set_title("Gold load vs physical limit")
    gold_ax.legend(fontsize=8)

    r = results["reset"]
    labels = [
        "reset\n(state machine)",
        f"bare INSERT…SELECT\n({r['insert_select_used']})",
        "client copy\n(pymysql)",
    ]
    values = [
        r["state_machine_seconds_best"],
        r["insert_select_seconds_best"],
        r["client_copy_seconds_best"],
    ]
    bars = reset_ax.bar(labels, values, color=["tab:blue", "tab:orange", "tab:gray"])
    reset_ax.bar_label(bars, fmt="%.1f s")
    reset_ax.set_title(f"Reset of {r['rows']:,} gold rows")
    reset_ax.set_ylabel("seconds (best of runs)")

    m = results["memory"]
    bars = memory_ax.bar(["1,000", "10,000"], [m["peak_rss_mb_1k"], m["peak_rss_mb_10k"]])
    memory_ax.bar_label(bars, fmt="%.0f MB")
    memory_ax.axhline(512, color="tab:red", linestyle="--", linewidth=1)
    memory_ax.text(0.5, 520, "target 512 MB", ha="center", color="tab:red", fontsize=8)
    memory_ax.set_ylim(0, 600)
    memory_ax.set_title("Peak RSS of the gold-load process")
    memory_ax.set_xlabel("customers")
    figure.suptitle(
        f"IMS training refresh benchmarks ({results['run']['date']}, seconds best of "
        f"{results['run']['repeats']}, ratios median of repeats, {results['run']['cpus']} CPUs,"
        " shared machine)",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


# --- main --------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--reset-pair-repeats",
        type=int,
        default=7,
        help="runs of the reset and of the parallel INSERT ... SELECT it is compared with",
    )
    parser.add_argument("--warehouse-customers", type=int, default=wh.WAREHOUSE_CUSTOMERS)
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results.json")
    parser.add_argument("--chart", type=Path, default=BENCH_DIR / "chart.png")
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
    results = summarize(gold, reset, meta)
    arguments.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    draw_chart(results, arguments.chart)
    print_table(results)
    print(f"\nwrote {arguments.output} and {arguments.chart}")
    print(f"make bench took {meta['bench_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

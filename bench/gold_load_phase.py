"""Gold-load phase: the product's load in a fresh process against the physical limit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import bench_warehouse as wh
from bench.common import AS_OF, ROOT, SIZES, log, truncate_gold
from bench.limit import run_limit
from ims_refresh.settings import MySqlUrl
from training_refresh.gold_load.work import CUSTOMERS_PER_CHUNK
from training_refresh.table_groups import TableGroupSet


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
    publication = report.get("publication") or {}
    result["publish_locked_seconds"] = publication.get("locked_seconds")
    result["publish_rename_attempts"] = publication.get("rename_attempts")
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
                    scratch_database=wh.limit_database(training.database),
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

"""Staged reset phase (issue 17): a reset publishing staged copies against a bare copy.

Per repeat, on the gold set the phases before left: stage the next reset's copies (the
``reset-stage`` step's ``stage_copies``, untimed), run the reset state machine (which must
take the staged path), then the bare parallel ``INSERT ... SELECT`` of the same rows it
would otherwise have run. The staged publish is the reset's swap (``swap.duration_seconds``
of its report: re-check of the staged records and gold generation, one RENAME, drop of the
olds); ``seconds_to_swap`` and the whole state machine are recorded beside it.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from typing import Any

from bench import bench_warehouse as wh
from bench.common import log
from bench.limit import mysql_connection
from bench.reset_baselines import insert_select
from ims_refresh.local.runtime import LocalRuntime
from ims_refresh.settings import LocalDatabases, MySqlUrl
from training_refresh.reset.stage import stage_copies
from training_refresh.table_groups import TableGroupSet


def _stage(training: MySqlUrl, configs: TableGroupSet) -> float:
    specs = list(configs.enabled_tables())
    with mysql_connection(training, database=training.database) as connection:
        result = stage_copies(connection, specs)
    if result.status == "skipped":
        raise RuntimeError("staging skipped: another staging holds the stage lock")
    return float(result.seconds or 0.0)


def reset_staged_phase(
    *, training: MySqlUrl, configs: TableGroupSet, repeats: int
) -> dict[str, list[dict[str, Any]]]:
    """Per repeat: stage (untimed), a staged reset, the bare parallel INSERT ... SELECT."""
    specs = list(configs.enabled_tables())
    databases = LocalDatabases(training=training, warehouse_url=wh.WAREHOUSE_URL)
    runs: dict[str, list[dict[str, Any]]] = {"staged_reset": [], "insert_select_parallel": []}
    with LocalRuntime(databases) as runtime:
        for repeat in range(repeats):
            stage_seconds = _stage(training, configs)
            name = f"bench-staged-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
            t0 = time.perf_counter()
            outcome = runtime.execute("reset", {}, name=name, timeout=3600)
            seconds = time.perf_counter() - t0
            if outcome.status != "SUCCEEDED":
                raise RuntimeError(f"reset {name} ended {outcome.status}: {outcome.cause}")
            report = runtime.read_json_if_exists(
                f"s3://ims-refresh-local-work/reports/reset/{name}.json"
            )
            swap = (report or {}).get("swap") or {}
            if swap.get("path") != "staged":
                raise RuntimeError(f"reset {name} took the {swap.get('path')} path, not staged")
            runs["staged_reset"].append(
                {
                    "seconds": seconds,
                    "publish_seconds": float(swap.get("duration_seconds") or 0.0),
                    "seconds_to_swap": swap.get("seconds_to_swap"),
                    "stage_seconds": stage_seconds,
                }
            )
            bare = insert_select(training, wh.LIMIT_DB, specs, parallel=True)
            runs["insert_select_parallel"].append(bare)
            log(
                f"repeat {repeat + 1}/{repeats}: staged publish "
                f"{runs['staged_reset'][-1]['publish_seconds']:.3f} s (reset {seconds:.2f} s, "
                f"staging {stage_seconds:.2f} s), INSERT ... SELECT {bare['seconds']:.2f} s"
            )
    return runs


def summarize_reset_staged(
    runs: dict[str, list[dict[str, Any]]],
) -> tuple[dict[str, float], dict[str, Any]]:
    """Headline ``reset_publish_ratio_to_insert_select`` (median over repeats of each
    repeat's staged publish ÷ its INSERT ... SELECT) and the section ``reset_staged``."""
    staged, bare = runs["staged_reset"], runs["insert_select_parallel"]
    ratios = [s["publish_seconds"] / b["seconds"] for s, b in zip(staged, bare, strict=True)]
    section = {
        "publish_seconds_all": [round(s["publish_seconds"], 3) for s in staged],
        "seconds_to_swap_all": [s["seconds_to_swap"] for s in staged],
        "staged_reset_seconds_all": [round(s["seconds"], 3) for s in staged],
        "stage_seconds_all": [round(s["stage_seconds"], 3) for s in staged],
        "insert_select_parallel_seconds_all": [round(b["seconds"], 3) for b in bare],
        "rows": bare[0]["rows"] if bare else 0,
        "ratio_to_insert_select_per_repeat": [round(r, 3) for r in ratios],
    }
    return {"reset_publish_ratio_to_insert_select": round(statistics.median(ratios), 3)}, section

"""Staged reset phase (issue 17): a reset publishing staged copies against a bare copy.

Per repeat, on each gold set given (``reset_growth``: the one the phases before left and
one three times as large): stage the next reset's copies (the ``reset-stage`` step's
``stage_copies``, untimed), run the reset state machine (which must take the staged path),
then the bare parallel ``INSERT ... SELECT`` of the same rows it would otherwise have run.
The staged publish is the reset's swap until the tables are swapped
(``swap.duration_seconds`` of its report: re-check of the staged records and gold
generation, one RENAME); the drop of the old tables after it (``old_tables_drop_seconds``),
``seconds_to_swap`` and the whole state machine are recorded beside it.
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


def _staged_reset(
    runtime: LocalRuntime, training: MySqlUrl, configs: TableGroupSet
) -> dict[str, Any]:
    """Stage (untimed), then one staged reset."""
    stage_seconds = _stage(training, configs)
    name = f"bench-staged-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
    t0 = time.perf_counter()
    outcome = runtime.execute("reset", {}, name=name, timeout=3600)
    seconds = time.perf_counter() - t0
    if outcome.status != "SUCCEEDED":
        raise RuntimeError(f"reset {name} ended {outcome.status}: {outcome.cause}")
    report = runtime.read_json_if_exists(f"s3://ims-refresh-local-work/reports/reset/{name}.json")
    swap = (report or {}).get("swap") or {}
    if swap.get("path") != "staged":
        raise RuntimeError(f"reset {name} took the {swap.get('path')} path, not staged")
    return {
        "seconds": seconds,
        "publish_seconds": float(swap.get("duration_seconds") or 0.0),
        "seconds_to_swap": swap.get("seconds_to_swap"),
        "drop_seconds": swap.get("old_tables_drop_seconds"),
        "stage_seconds": stage_seconds,
    }


def _staged_repeat(
    runtime: LocalRuntime, training: MySqlUrl, configs: TableGroupSet
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Stage (untimed), one staged reset, then the bare parallel INSERT ... SELECT."""
    staged = _staged_reset(runtime, training, configs)
    specs = list(configs.enabled_tables())
    bare = insert_select(training, wh.limit_database(training.database), specs, parallel=True)
    return staged, bare


def reset_staged_phase(
    *, trainings: dict[str, MySqlUrl], configs: TableGroupSet, repeats: int
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per repeat and gold set (``trainings``: label -> database holding it): stage
    (untimed), a staged reset, the bare parallel INSERT ... SELECT. The gold sets take turns
    within a repeat, in an order that alternates between repeats, so load from other
    processes falls on both alike; one local runtime per run (its start is not timed).
    First one untimed staged reset per gold set, so in every timed one the training tables
    it replaces hold that gold set too (a fresh database's are empty)."""
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        label: {"staged_reset": [], "insert_select_parallel": []} for label in trainings
    }
    for training in trainings.values():
        databases = LocalDatabases(training=training, warehouse_url=wh.WAREHOUSE_URL)
        with LocalRuntime(databases) as runtime:
            _staged_reset(runtime, training, configs)
    for repeat in range(repeats):
        order = list(trainings.items())
        for label, training in order if repeat % 2 == 0 else reversed(order):
            databases = LocalDatabases(training=training, warehouse_url=wh.WAREHOUSE_URL)
            with LocalRuntime(databases) as runtime:
                staged, bare = _staged_repeat(runtime, training, configs)
            runs[label]["staged_reset"].append(staged)
            runs[label]["insert_select_parallel"].append(bare)
            log(
                f"repeat {repeat + 1}/{repeats}, {label} ({bare['rows']:,} rows): staged publish "
                f"{staged['publish_seconds']:.3f} s (reset {staged['seconds']:.2f} s, staging "
                f"{staged['stage_seconds']:.2f} s), INSERT ... SELECT {bare['seconds']:.2f} s"
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
        "old_tables_drop_seconds_all": [s["drop_seconds"] for s in staged],
        "staged_reset_seconds_all": [round(s["seconds"], 3) for s in staged],
        "stage_seconds_all": [round(s["stage_seconds"], 3) for s in staged],
        "insert_select_parallel_seconds_all": [round(b["seconds"], 3) for b in bare],
        "rows": bare[0]["rows"] if bare else 0,
        "ratio_to_insert_select_per_repeat": [round(r, 3) for r in ratios],
    }
    return {"reset_publish_ratio_to_insert_select": round(statistics.median(ratios), 3)}, section

"""Reset phase: the reset state machine against a bare INSERT ... SELECT and a client copy."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench import bench_warehouse as wh
from bench.common import log
from bench.reset_baselines import client_copy, insert_select
from ims_refresh.local.mysql_setup import ensure_training_tables
from ims_refresh.local.runtime import LocalRuntime
from ims_refresh.settings import LocalDatabases, MySqlUrl
from training_refresh.table_groups import TableGroupSet


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
                lambda: insert_select(
                    training, wh.limit_database(training.database), specs, parallel=False
                ),
            ),
            (
                "insert_select_parallel",
                lambda: insert_select(
                    training, wh.limit_database(training.database), specs, parallel=True
                ),
            ),
            ("client", lambda: client_copy(training, wh.limit_database(training.database), specs)),
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

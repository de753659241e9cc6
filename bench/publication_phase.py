"""Publication phase: the cost of the atomic path over a full gold set (issue 11 item 7).

The gold-load phase empties the gold copies before each load, so its build tables start
empty. Here the gold copies hold what the last 10,000-customer load left (at least
1,000,000 rows) and every load adds **new** customers (not in the gold copies yet): each
config's first call copies its whole live gold copies into build tables on the server,
merges its chunks there, and the publish step swaps everything in with one RENAME. After
each load ``ims-refresh run gold-undo`` (the product's own undo, untimed) brings the gold
copies back, so every run starts from the same gold set; the run fails if it does not.

Measured per size (1,000 and 10,000 new customers), interleaved with the limit for the
same rows as in the gold-load phase:

- the whole load (``run_gold_load`` in a fresh process) and its ratio to the limit;
- the extra seconds over the load of the same size into empty gold copies (phase 1; other
  customers, about as many rows: both row counts are in the results);
- the **publish instant**: how long the publishing RENAME held its locks (the report's
  ``publication.locked_seconds``), the only time readers of the gold copies wait;
- once per repeat, the build copy alone: ``gold_load.build.prepare_builds`` of every config
  at once (one connection each, as the Map runs them) over the full gold set, then dropped.
"""

from __future__ import annotations

import contextlib
import io
import random
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

from bench import bench_warehouse as wh
from bench.common import AS_OF, MIN_RESET_ROWS, SIZES, gold_rows, log
from bench.gold_load_phase import product_gold_load
from bench.limit import run_limit
from ims_refresh.gold_ops_command import run_gold_undo
from ims_refresh.settings import LocalDatabases, MySqlUrl
from training_refresh.adapters.mysql import connect
from training_refresh.gold_load.build import drop_run_builds, prepare_builds
from training_refresh.gold_load.work import CUSTOMERS_PER_CHUNK
from training_refresh.table_groups import TableGroupSet

NEW_CUSTOMERS_SEED = 20261206


def _scenario(path: Path, customers: list[int]) -> Path:
    path.write_text("customer_number\n" + "".join(f"{n}\n" for n in customers), "utf-8")
    return path


def build_copy_seconds(training: MySqlUrl, configs: TableGroupSet, tag: str) -> float:
    """Seconds to copy every enabled config's live gold copies into build tables, all
    configs at once, with the product's own code; the copies are dropped afterwards."""
    run_id = f"bench-build-{tag}"
    groups = configs.enabled_groups()

    def copy(group_index: int) -> None:
        with closing(connect(training)) as connection:
            prepare_builds(connection, groups[group_index], run_id, fresh=True)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(groups)) as pool:
        list(pool.map(copy, range(len(groups))))
    seconds = time.perf_counter() - started
    with closing(connect(training)) as connection:
        drop_run_builds(connection, run_id)
    return seconds


def _undo(training: MySqlUrl, report_dir: Path) -> None:
    """The product's gold-undo: takes back the load just measured (untimed)."""
    databases = LocalDatabases(training=training, warehouse_url=wh.WAREHOUSE_URL)
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = run_gold_undo(report_dir=report_dir, timeout=600.0, databases=databases)
    if code != 0:
        raise RuntimeError(f"the gold undo after a measured load failed:\n{out.getvalue()}")


def publication_phase(
    *,
    training: MySqlUrl,
    training_url: str,
    configs: TableGroupSet,
    available: list[int],
    repeats: int,
    work: Path,
    use_local_infile: bool,
) -> dict[str, Any]:
    """Loads of new customers over the full gold set, each undone; see the module."""
    baseline = gold_rows(training, configs)
    if sum(baseline.values()) < MIN_RESET_ROWS:
        raise RuntimeError(f"the gold copies hold {sum(baseline.values())} rows, too few")
    in_gold = _gold_customers(training)
    new = sorted(set(available) - in_gold)
    chosen = sorted(random.Random(NEW_CUSTOMERS_SEED).sample(new, max(SIZES)))
    scenarios = {
        size: (_scenario(work / f"new-{size}.csv", chosen[:size]), chosen[:size]) for size in SIZES
    }
    runs: dict[int, dict[str, list[dict[str, Any]]]] = {
        size: {"product": [], "limit": []} for size in SIZES
    }
    builds: list[float] = []
    for repeat in range(repeats):
        builds.append(build_copy_seconds(training, configs, str(repeat)))
        log(f"repeat {repeat + 1}/{repeats}: build copy of the gold set {builds[-1]:6.2f} s")
        for size, (scenario, customers) in sorted(scenarios.items()):

            def product(scenario: Path = scenario) -> dict[str, Any]:
                result = product_gold_load(scenario, work / "reports", training_url, None)
                _undo(training, work / "undo-reports")
                if gold_rows(training, configs) != baseline:
                    raise RuntimeError("the undo did not bring the gold set back")
                return result

            def limit(customers: list[int] = customers) -> dict[str, Any]:
                return dict(
                    vars(
                        run_limit(
                            warehouse_url=wh.WAREHOUSE_URL,
                            training=training,
                            scratch_database=wh.limit_database(training.database),
                            configs=configs,
                            customers=customers,
                            chunk_size=CUSTOMERS_PER_CHUNK,
                            as_of=AS_OF,
                            use_local_infile=use_local_infile,
                        )
                    )
                )

            order: list[tuple[str, Callable[[], dict[str, Any]]]] = [
                ("product", product),
                ("limit", limit),
            ]
            if repeat % 2:
                order.reverse()
            for kind, run in order:
                result = run()
                runs[size][kind].append(result)
                locked = result.get("publish_locked_seconds")
                log(
                    f"repeat {repeat + 1}/{repeats}: {size:>6} new customers over the gold set, "
                    f"{kind:<7} {result['seconds']:7.2f} s, {result['rows']} rows"
                    + (f", publish instant {locked:.3f} s" if kind == "product" else "")
                )
            if runs[size]["product"][-1]["rows"] != runs[size]["limit"][-1]["rows"]:
                raise RuntimeError(f"{size} new customers: the load and the limit moved other rows")
    return {"gold_rows": baseline, "runs": runs, "build_copy_seconds": builds}


def _gold_customers(training: MySqlUrl) -> set[int]:
    with closing(connect(training)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT CUSTOMER_NO FROM `IMS_CUSTOMER_GOLD`")
        return {int(row[0]) for row in cursor.fetchall()}


def summarize_publication(
    publication: dict[str, Any], gold_sizes: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The ``gold_publication`` section of the results (``gold_sizes``: phase 1's)."""
    sizes: dict[str, Any] = {}
    for size, runs in sorted(publication["runs"].items()):
        product = min(r["seconds"] for r in runs["product"])
        limit = min(r["seconds"] for r in runs["limit"])
        paired = [
            round(p["seconds"] / q["seconds"], 3)
            for p, q in zip(runs["product"], runs["limit"], strict=False)
        ]
        locked = [r["publish_locked_seconds"] for r in runs["product"]]
        empty = gold_sizes[str(size)]
        sizes[str(size)] = {
            "rows": runs["product"][0]["rows"],
            "product_seconds_best": round(product, 3),
            "product_seconds_all": [round(r["seconds"], 3) for r in runs["product"]],
            "limit_seconds_best": round(limit, 3),
            "limit_seconds_all": [round(r["seconds"], 3) for r in runs["limit"]],
            "ratio_to_limit": round(statistics.median(paired), 3),
            "ratio_to_limit_per_repeat": paired,
            "empty_gold_product_seconds_best": empty["product_seconds_best"],
            "empty_gold_rows": empty["rows"],
            "extra_seconds_vs_empty_gold": round(product - empty["product_seconds_best"], 3),
            "publish_locked_seconds_all": [round(x, 4) for x in locked],
            "publish_locked_seconds_max": round(max(locked), 4),
            "rename_attempts_all": [r["publish_rename_attempts"] for r in runs["product"]],
            "peak_rss_mb_all": [round(r["peak_rss_mb"], 1) for r in runs["product"]],
        }
    builds = publication["build_copy_seconds"]
    return {
        "gold_rows_before_each_load": publication["gold_rows"],
        "gold_rows_total": sum(publication["gold_rows"].values()),
        "build_copy_seconds_best": round(min(builds), 3),
        "build_copy_seconds_all": [round(x, 3) for x in builds],
        "sizes": sizes,
        "what_it_covers": (
            "loads of customers not yet in the gold copies over a gold set of the last "
            "10,000-customer load, each undone afterwards (untimed) so every load starts "
            "from the same gold set; seconds best of repeats, ratios median of each "
            "repeat's own ratio; the publish instant is the report's "
            "publication.locked_seconds (how long the RENAME held its locks)"
        ),
    }

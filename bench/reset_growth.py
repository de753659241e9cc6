"""Growth of the staged publish with the training set (issue 17 item 4).

The staged reset runs on two gold sets in the same bench run: the one the gold-load phase
left in the training database (10,000 customers, "1x") and one of ``GROWTH_CUSTOMERS``
customers of the same warehouse, loaded by the product's gold load into a database of its
own (``<training database>_3x``), at least ``GROWTH_MIN_ROWS_RATIO`` times the rows. Same
tables, same code path (``reset_staged_phase``), same repeats, taking turns. Headline
``reset_publish_growth_3x`` = median staged publish at 3x ÷ median at 1x.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.common import fresh_training_database, gold_rows, gold_rows_if_any, log
from bench.gold_load_phase import product_gold_load
from ims_refresh.settings import MySqlUrl
from ims_refresh.synthetic_warehouse import write_sample_scenario
from training_refresh.table_groups import TableGroupSet

GROWTH_CUSTOMERS = 31_000
"""Three times the gold-load phase's 10,000 customers gives just under three times its
rows (30,000: 3,346,002 rows against 3 x 1,118,443 = 3,355,329); 31,000 gives 3,456,568."""
GROWTH_MIN_ROWS_RATIO = 3.0


def growth_training(training: MySqlUrl) -> MySqlUrl:
    """The database holding the larger gold set: ``<training database>_3x``."""
    return training.model_copy(update={"database": f"{training.database}_3x"})


def _url_of(training_url: str, database: str) -> str:
    parts = urlsplit(training_url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def ensure_growth_gold(
    *,
    training: MySqlUrl,
    training_url: str,
    configs: TableGroupSet,
    available: list[int],
    rows_1x: int,
    work: Path,
    reuse: bool,
) -> MySqlUrl:
    """The larger gold set, loaded (untimed) through the product's gold load unless
    ``reuse`` and the database already holds enough gold rows; its database."""
    large = growth_training(training)
    wanted = GROWTH_MIN_ROWS_RATIO * rows_1x
    rows = sum(gold_rows_if_any(large, configs).values())
    if reuse and rows >= wanted:
        log(f"{large.database}: reusing its gold set of {rows:,} rows")
        return large
    log(f"{large.database}: gold load of {GROWTH_CUSTOMERS:,} customers (untimed)")
    fresh_training_database(large, configs)
    scenario = work / "growth-gold-set.csv"
    write_sample_scenario(scenario, available, GROWTH_CUSTOMERS)
    product_gold_load(scenario, work / "reports", _url_of(training_url, large.database), None)
    rows = sum(gold_rows(large, configs).values())
    if rows < wanted:
        raise RuntimeError(
            f"{large.database}: {GROWTH_CUSTOMERS:,} customers gave {rows:,} gold rows, fewer "
            f"than {GROWTH_MIN_ROWS_RATIO:g} x {rows_1x:,}: raise GROWTH_CUSTOMERS"
        )
    return large


def summarize_growth(
    small: dict[str, list[dict[str, Any]]], large: dict[str, list[dict[str, Any]]]
) -> tuple[dict[str, float], dict[str, Any]]:
    """Headline ``reset_publish_growth_3x`` and the section ``reset_staged_growth``."""
    publish = {
        size: [s["publish_seconds"] for s in runs["staged_reset"]]
        for size, runs in (("1x", small), ("3x", large))
    }
    medians = {size: statistics.median(values) for size, values in publish.items()}
    rows = {
        size: runs["insert_select_parallel"][0]["rows"]
        for size, runs in (("1x", small), ("3x", large))
    }
    section: dict[str, Any] = {"rows_ratio": round(rows["3x"] / rows["1x"], 3)}
    for size, runs in (("1x", small), ("3x", large)):
        staged, bare = runs["staged_reset"], runs["insert_select_parallel"]
        section[size] = {
            "rows": rows[size],
            "publish_seconds_median": round(medians[size], 3),
            "publish_seconds_all": [round(v, 3) for v in publish[size]],
            "old_tables_drop_seconds_all": [s["drop_seconds"] for s in staged],
            "seconds_to_swap_all": [s["seconds_to_swap"] for s in staged],
            "staged_reset_seconds_all": [round(s["seconds"], 3) for s in staged],
            "stage_seconds_all": [round(s["stage_seconds"], 3) for s in staged],
            "insert_select_parallel_seconds_all": [round(b["seconds"], 3) for b in bare],
        }
    growth = round(medians["3x"] / medians["1x"], 3)
    return {"reset_publish_growth_3x": growth}, section

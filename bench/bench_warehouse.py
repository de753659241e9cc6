"""The benchmark's own databases: a bench-profile warehouse built once and reused."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from ims_refresh import synthetic_warehouse
from ims_refresh.synthetic_warehouse import DEFAULT_SEED, build_warehouse

POSTGRES = "postgresql://postgres@127.0.0.1:5432/"
WAREHOUSE_DB = "ims_bench_warehouse"
WAREHOUSE_URL = POSTGRES + WAREHOUSE_DB
TRAINING_DB = "ims_bench_training"
TRAINING_URL = "mysql://root@127.0.0.1:3306/" + TRAINING_DB
LIMIT_DB = "ims_bench_limit"
LIMIT_DB_ENV = "IMS_BENCH_LIMIT_DB"
WAREHOUSE_CUSTOMERS = 50_000
SEED = DEFAULT_SEED
PROFILE = "bench"


def limit_database(training_database: str) -> str:
    """The scratch database of a bench run on ``training_database``: ``IMS_BENCH_LIMIT_DB``
    when set, ``ims_bench_limit`` beside the default training database, else
    ``<training database>_limit``, so two runs on different training databases never share
    a scratch database (their limit and baseline tables would overwrite each other)."""
    chosen = os.environ.get(LIMIT_DB_ENV)
    if chosen:
        return chosen
    return LIMIT_DB if training_database == TRAINING_DB else f"{training_database}_limit"


def _generator_fingerprint() -> str:
    """Changes whenever the generator or the warehouse schema does (so we rebuild)."""
    package = Path(synthetic_warehouse.__file__).parent
    digest = hashlib.sha256()
    for module in sorted(package.glob("synthetic_*.py")):
        digest.update(module.read_bytes())
    digest.update((package / "data" / "warehouse_schema.sql").read_bytes())
    return digest.hexdigest()[:16]


def wanted_marker(customers: int) -> dict[str, Any]:
    return {
        "customers": customers,
        "seed": SEED,
        "profile": PROFILE,
        "generator": _generator_fingerprint(),
    }


def _current_marker() -> dict[str, Any] | None:
    with psycopg.connect(POSTGRES + "postgres", autocommit=True) as server:
        row = server.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (WAREHOUSE_DB,),
        ).fetchone()
    if row is None or not row[0]:
        return None
    try:
        marker: dict[str, Any] = json.loads(row[0])
    except ValueError:
        return None
    return marker


def ensure_warehouse(customers: int = WAREHOUSE_CUSTOMERS) -> dict[str, Any]:
    """Build ``ims_bench_warehouse`` unless it already holds this size, seed and generator.

    The database comment records what was built; it is written only after the build's
    transaction committed, so a killed build is rebuilt next time.
    """
    wanted = wanted_marker(customers)
    if _current_marker() == wanted:
        return {"built": False, "seconds": 0.0, **wanted}
    started = time.perf_counter()
    summary = build_warehouse(WAREHOUSE_URL, customers, seed=SEED, profile=PROFILE)
    seconds = time.perf_counter() - started
    with psycopg.connect(WAREHOUSE_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(WAREHOUSE_DB), sql.Literal(json.dumps(wanted, sort_keys=True))
            )
        )
    return {
        "built": True,
        "seconds": round(seconds, 1),
        "rows": summary.total_rows,
        "rows_per_table": dict(summary.rows_per_table),
        **wanted,
    }


if __name__ == "__main__":
    print(json.dumps(ensure_warehouse(), indent=2))

"""A gold load changes the gold copies only by publishing, all its loaded configs at once.

Kill tests run the load in a subprocess whose step hook (``on_step``) stops at the n-th
pass of a named point (see LOAD_RUNNER), then SIGKILL it there.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from support import (
    gold_load_arguments,
    mysql_query,
    mysql_url_text,
    table_checksums,
    warehouse_customers,
    write_scenario,
)

from ims_refresh.cli import main
from ims_refresh.run_report import print_gold_load_summary
from ims_refresh.settings import LocalDatabases, LocalEnvName
from ims_refresh.synthetic_warehouse import DEMO_AS_OF
from training_refresh.adapters.mysql import connect
from training_refresh.env_names import EnvName
from training_refresh.gold_state import names
from training_refresh.gold_state.store import read_manifest
from training_refresh.table_groups import load_table_groups

AS_OF = DEMO_AS_OF.isoformat()
GROUPS = load_table_groups()
GOLD_TABLES = [spec.gold_table for spec in GROUPS.all_tables()]
PREFERENCES = "IMS_MASON_PREFERENCES_GOLD"


@pytest.fixture
def env(databases: LocalDatabases, monkeypatch: pytest.MonkeyPatch) -> LocalDatabases:
    monkeypatch.setenv(LocalEnvName.TRAINING_DB_URL, mysql_url_text(databases.training))
    monkeypatch.setenv(LocalEnvName.WAREHOUSE_URL, databases.warehouse_url)
    return databases


def load(tmp_path: Path, customers: list[int], name: str, *extra: str) -> int:
    scenario = write_scenario(tmp_path / f"{name}.csv", customers)
    return main(gold_load_arguments(tmp_path / "reports", scenario, AS_OF, *extra))


def latest_report(tmp_path: Path) -> dict[str, Any]:
    reports = sorted((tmp_path / "reports").glob("gold-load-*.json"), key=os.path.getmtime)
    return json.loads(reports[-1].read_text("utf-8"))


def build_tables(db: LocalDatabases) -> set[str]:
    return {str(r[0]) for r in mysql_query(db.training, "SHOW TABLES") if "__B" in str(r[0])}


def manifest(db: LocalDatabases) -> Any:
    with connect(db.training) as connection, connection.cursor() as cursor:
        return read_manifest(cursor)


def summary(report: dict[str, Any]) -> str:
    out = io.StringIO()
    print_gold_load_summary(report, out)
    return out.getvalue()


def test_a_load_publishes_every_config_in_one_generation_and_leaves_no_build_table(
    env: LocalDatabases, tmp_path: Path
) -> None:
    customers = warehouse_customers(env.warehouse_url, 12)
    # When a gold load runs
    assert load(tmp_path, customers, "first") == 0
    # Then one publication holds every gold copy, and nothing of the run is left beside them
    state = manifest(env).current
    assert (state.generation, state.workflow, state.undo_target) == (1, "gold-load", 0)
    assert sorted(state.versions) == sorted([*GOLD_TABLES, names.CATALOG_TABLE])
    assert build_tables(env) == set()
    assert mysql_query(env.training, "SELECT COUNT(*) FROM IMS_CUSTOMER_GOLD") == [(12,)]
    # And the report and the summary say what was published and how long readers waited
    report = latest_report(tmp_path)
    publication = report["publication"]
    assert publication["published"] is True and publication["generation"] == 1
    assert sorted(publication["tables_published"]) == sorted([*GOLD_TABLES, names.CATALOG_TABLE])
    assert publication["rename_attempts"] == 1 and publication["locked_seconds"] >= 0
    assert "published: gold generation 1, 7 table(s) in one RENAME" in summary(report)
    # And the state it replaced is kept: an undo brings back the empty gold copies
    assert main(["--report-dir", str(tmp_path / "reports"), "run", "gold-undo"]) == 0
    assert mysql_query(env.training, "SELECT COUNT(*) FROM IMS_CUSTOMER_GOLD") == [(0,)]


def test_a_dry_run_publishes_nothing(env: LocalDatabases, tmp_path: Path) -> None:
    customers = warehouse_customers(env.warehouse_url, 5)
    assert load(tmp_path, customers, "first") == 0
    before = table_checksums(env.training, GOLD_TABLES)
    assert load(tmp_path, warehouse_customers(env.warehouse_url, 5, 5), "preview", "--dry-run") == 0
    assert manifest(env).current.generation == 1
    assert table_checksums(env.training, GOLD_TABLES) == before
    assert build_tables(env) == set()


@pytest.fixture
def own_env(
    training_db: Any, own_warehouse_url: str, monkeypatch: pytest.MonkeyPatch
) -> LocalDatabases:
    monkeypatch.setenv(LocalEnvName.TRAINING_DB_URL, mysql_url_text(training_db))
    monkeypatch.setenv(LocalEnvName.WAREHOUSE_URL, own_warehouse_url)
    return LocalDatabases(training=training_db, warehouse_url=own_warehouse_url)


def test_a_failed_config_is_not_published_and_the_others_are(
    own_env: LocalDatabases, tmp_path: Path
) -> None:
    # Given gold copies of 10 customers
    assert load(tmp_path, warehouse_customers(own_env.warehouse_url, 10), "first") == 0
    before = table_checksums(own_env.training, GOLD_TABLES)
    # And a warehouse whose preferences table has gone
    with psycopg.connect(own_env.warehouse_url, autocommit=True) as warehouse:
        warehouse.execute("ALTER TABLE oframe_prd_s.ims_mason_preferences RENAME TO gone")
    # When ten more customers are loaded
    assert load(tmp_path, warehouse_customers(own_env.warehouse_url, 10, 10), "second") == 1
    # Then the failed config's gold copy is exactly as before, every other one changed
    after = table_checksums(own_env.training, GOLD_TABLES)
    assert after[PREFERENCES] == before[PREFERENCES]
    assert all(after[t] != before[t] for t in GOLD_TABLES if t != PREFERENCES)
    # And the report says which configs were published and which not
    report = latest_report(tmp_path)
    published = {c["config"]: c["published"] for c in report["configs"]}
    assert published == {g: g != "mason_preferences" for g in published}
    assert report["publication"]["configs_not_published"] == ["mason_preferences"]
    assert report["publication"]["generation"] == 2
    assert PREFERENCES not in report["publication"]["tables_published"]
    assert "  mason_preferences  failed" in summary(report)
    # And the failed config's build tables are gone too
    assert build_tables(own_env) == set()


def test_readers_during_a_publish_see_the_old_or_the_new_gold_never_a_mix(
    env: LocalDatabases, tmp_path: Path
) -> None:
    # Given gold copies of 20 customers, and readers that read every gold copy in one statement
    assert load(tmp_path, warehouse_customers(env.warehouse_url, 20), "first") == 0
    counts = ", ".join(f"(SELECT COUNT(*) FROM `{t}`)" for t in GOLD_TABLES)
    probe = f"SELECT {counts}, (SELECT MAX(GENERATION) FROM `{names.STATE_TABLE}`)"
    before = mysql_query(env.training, probe)[0]
    stop = threading.Event()
    seen: list[tuple[Any, ...]] = []
    failures: list[BaseException] = []

    def read() -> None:
        try:
            with connect(env.training) as reader, reader.cursor() as cursor:
                while not stop.is_set():
                    cursor.execute(probe)
                    seen.append(cursor.fetchone())
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        # When 20 more customers are loaded and published
        assert load(tmp_path, warehouse_customers(env.warehouse_url, 20, 20), "second") == 0
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    after = mysql_query(env.training, probe)[0]
    # Then every reading was the state before or the state after, nothing in between
    assert not failures
    assert before != after and len(seen) > 10
    assert set(seen) <= {before, after}
    assert before in seen and after in seen


# --- killed loads ----------------------------------------------------------------------

LOAD_RUNNER = """
import sys, threading, time
from pathlib import Path

from ims_refresh.gold_load_command import run_gold_load

marker, point, nth = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
scenario, report_dir, as_of = Path(sys.argv[4]), Path(sys.argv[5]), sys.argv[6]
passes = []
lock = threading.Lock()


def stop_here(name):
    if name != point:
        return
    with lock:
        passes.append(name)
        stop = len(passes) == nth
    if stop:
        marker.write_text(name)
        time.sleep(600)


code = run_gold_load(
    scenarios=scenario, as_of=as_of, tables=None, report_dir=report_dir, timeout=600,
    on_step=stop_here,
)
sys.exit(int(code))
"""


@pytest.fixture
def killable_load(databases: LocalDatabases, tmp_path: Path) -> Iterator[Any]:
    runner = tmp_path / "load_runner.py"
    runner.write_text(LOAD_RUNNER, "utf-8")
    processes: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        LocalEnvName.TRAINING_DB_URL: mysql_url_text(databases.training),
        LocalEnvName.WAREHOUSE_URL: databases.warehouse_url,
        EnvName.CUSTOMERS_PER_CHUNK: "10",
    }

    def start_and_kill_at(scenario: Path, point: str, nth: int) -> None:
        marker = tmp_path / "stopped-at"
        marker.unlink(missing_ok=True)
        arguments = [str(marker), point, str(nth), str(scenario), str(tmp_path / "killed"), AS_OF]
        process = subprocess.Popen(
            [sys.executable, str(runner), *arguments],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        processes.append(process)
        deadline = time.monotonic() + 180
        while not marker.exists():
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, f"the load never reached {point}"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    yield start_and_kill_at
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    ("point", "nth", "published"),
    [
        ("extract-chunk:order_auth", 2, False),
        ("merge-chunk-written:customer", 3, False),
        ("gold-load-before-publish", 1, False),
        ("gold-publish-before-rename", 1, False),
        ("gold-publish-renamed", 1, True),
    ],
    ids=["extracting", "merging", "before publishing", "publishing", "just published"],
)
def test_a_load_killed_anywhere_leaves_the_gold_before_it_or_its_whole_result(
    env: LocalDatabases,
    tmp_path: Path,
    killable_load: Any,
    point: str,
    nth: int,
    published: bool,
) -> None:
    # Given gold copies of 20 customers
    customers = warehouse_customers(env.warehouse_url, 50)
    assert load(tmp_path, customers[:20], "first") == 0
    before = table_checksums(env.training, GOLD_TABLES)
    # When a load of 40 customers (10 of them loaded before) is killed with SIGKILL at `point`
    scenario = write_scenario(tmp_path / "second.csv", customers[10:50])
    killable_load(scenario, point, nth)
    killed = table_checksums(env.training, GOLD_TABLES)
    leftovers = build_tables(env)
    # And the same load is then run to its end
    assert main(gold_load_arguments(tmp_path / "reports", scenario, AS_OF)) == 0
    complete = table_checksums(env.training, GOLD_TABLES)
    # Then the killed load left every gold copy as before it, or (killed once its RENAME
    # had committed) exactly as the complete load leaves it; never anything in between
    assert killed == (complete if published else before)
    assert complete != before
    # And the next load dropped what the killed one left and leaves nothing beside the gold
    assert set(latest_report(tmp_path)["publication"]["leftovers_dropped"]) >= leftovers
    assert (not leftovers) == published
    assert build_tables(env) == set()
    stray = [str(r[0]) for r in mysql_query(env.training, "SHOW TABLES") if "__O" in str(r[0])]
    assert stray == []

"""One gold-changing run at a time (issue 11 item 2): a second gold load waits its bounded
time for the gold writer lease, or fails naming the running one; concurrent loads never
lose each other's writes.

The concurrent loads run in subprocesses (real local runs) whose step hook (``on_step``)
makes the first one hold its merges until the second reports that it waits.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymysql
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
from ims_refresh.settings import LocalDatabases, LocalEnvName
from ims_refresh.synthetic_warehouse import DEMO_AS_OF
from training_refresh.adapters.mysql import connect
from training_refresh.env_names import EnvName
from training_refresh.lease import acquire_gold_load_lease, live_leases, release_gold_load_lease
from training_refresh.table_groups import load_table_groups

AS_OF = DEMO_AS_OF.isoformat()
GOLD_TABLES = [spec.gold_table for spec in load_table_groups().all_tables()]

TURN_RUNNER = """
import sys, time
from pathlib import Path

from ims_refresh.gold_load_command import run_gold_load

scenario, report_dir, as_of = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
role, second_waits = sys.argv[4], Path(sys.argv[5])


def on_step(name):
    if role == "first" and name.startswith("merge-chunk:"):
        deadline = time.monotonic() + 60
        while not second_waits.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    if role == "second" and name == "gold-load-lease-wait":
        second_waits.touch()


sys.exit(int(run_gold_load(
    scenarios=scenario, as_of=as_of, tables=None, report_dir=report_dir, timeout=300,
    on_step=on_step,
)))
"""


@pytest.fixture
def env(databases: LocalDatabases, monkeypatch: pytest.MonkeyPatch) -> LocalDatabases:
    monkeypatch.setenv(LocalEnvName.TRAINING_DB_URL, mysql_url_text(databases.training))
    monkeypatch.setenv(LocalEnvName.WAREHOUSE_URL, databases.warehouse_url)
    return databases


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def gold_load_runs(db: LocalDatabases) -> list[str]:
    try:
        with connect(db.training) as connection:
            return [row.run_id for row in live_leases(connection) if row.holder == "gold-load"]
    except pymysql.MySQLError:  # the load has not created the database yet
        return []


def report_of(report_dir: Path) -> dict[str, Any]:
    [report] = sorted(report_dir.glob("gold-load-*.json"))
    return json.loads(report.read_text("utf-8"))


def customers_in_gold(db: LocalDatabases) -> int:
    return int(mysql_query(db.training, "SELECT COUNT(*) FROM IMS_CUSTOMER_GOLD")[0][0])


def test_two_gold_loads_started_together_take_turns_and_lose_nothing(
    env: LocalDatabases, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    # Given two scenarios that share ten customers
    customers = warehouse_customers(env.warehouse_url, 50)
    first_file = write_scenario(tmp_path / "first.csv", customers[:30])
    second_file = write_scenario(tmp_path / "second.csv", customers[20:50])
    runner = tmp_path / "turn_runner.py"
    runner.write_text(TURN_RUNNER, "utf-8")
    second_waits = tmp_path / "second-waits"
    environment = {
        **os.environ,
        LocalEnvName.TRAINING_DB_URL: mysql_url_text(env.training),
        LocalEnvName.WAREHOUSE_URL: env.warehouse_url,
        EnvName.CUSTOMERS_PER_CHUNK: "10",
        EnvName.GOLD_LOAD_WAIT_SECONDS: "120",
    }

    def start(scenario: Path, role: str) -> subprocess.Popen[bytes]:
        arguments = [str(scenario), str(tmp_path / role), AS_OF, role, str(second_waits)]
        process = subprocess.Popen(
            [sys.executable, str(runner), *arguments],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        processes.append(process)
        return process

    # When the first load has taken the gold writer lease and the second one starts
    first = start(first_file, "first")
    deadline = time.monotonic() + 120
    while not gold_load_runs(env):
        assert first.poll() is None, first.stderr.read() if first.stderr else ""
        assert time.monotonic() < deadline, "the first load never took its lease"
        time.sleep(0.1)
    [first_run] = gold_load_runs(env)
    second = start(second_file, "second")
    # Then both succeed: the second waited for the first (which held its merges until then)
    assert second.wait(timeout=240) == 0, second.stderr.read() if second.stderr else ""
    assert first.wait(timeout=60) == 0, first.stderr.read() if first.stderr else ""
    assert second_waits.exists()
    first_report, second_report = report_of(tmp_path / "first"), report_of(tmp_path / "second")
    assert second_report["lease_wait_seconds"] > 0
    assert first_report["run_id"] == first_run
    # And each published on top of the other: generations 1 and 2, nothing refused as stale
    assert first_report["publication"]["generation"] == 1
    assert second_report["publication"]["generation"] == 2
    together = table_checksums(env.training, GOLD_TABLES)
    assert customers_in_gold(env) == 50
    # And the gold equals what running them one after the other leaves
    assert main(gold_load_arguments(tmp_path / "again", first_file, AS_OF)) == 0
    assert main(gold_load_arguments(tmp_path / "again", second_file, AS_OF)) == 0
    assert table_checksums(env.training, GOLD_TABLES) == together


def test_a_gold_load_that_waited_in_vain_fails_naming_the_running_one(
    env: LocalDatabases,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given gold copies of ten customers and another gold-changing run that holds the gold
    # writer lease (it is loading), and a load allowed to wait 1 s for it
    customers = warehouse_customers(env.warehouse_url, 20)
    assert (
        main(
            gold_load_arguments(
                tmp_path / "first", write_scenario(tmp_path / "first.csv", customers[:10]), AS_OF
            )
        )
        == 0
    )
    before = table_checksums(env.training, GOLD_TABLES)
    monkeypatch.setenv(EnvName.GOLD_LOAD_WAIT_SECONDS, "1")
    with connect(env.training) as connection:
        acquire_gold_load_lease(connection, "gold-load-running")
        (row,) = live_leases(connection)
        try:
            # When the load runs
            capsys.readouterr()
            scenario = write_scenario(tmp_path / "second.csv", customers[10:])
            code = main(gold_load_arguments(tmp_path / "second", scenario, AS_OF))
        finally:
            release_gold_load_lease(connection, "gold-load-running")
    # Then it fails (exit 1) naming the running one: run id, started at, last seen
    out = capsys.readouterr().out
    assert code == 1, out
    [error] = report_of(tmp_path / "second")["errors"]
    assert error["name"] == "GoldChangeInProgressError"
    message = error["message"]
    assert f"run gold-load-running (started {row.acquired_at:%Y-%m-%d %H:%M:%S} UTC" in message
    assert f"last seen {row.renewed_at:%Y-%m-%d %H:%M:%S} UTC)" in message
    assert "GoldChangeInProgressError" in out
    # And it wrote nothing
    assert table_checksums(env.training, GOLD_TABLES) == before


KILLED_RUNNER = """
import sys, time
from pathlib import Path

from ims_refresh.gold_load_command import run_gold_load

scenario, report_dir, as_of, marker = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], Path(
    sys.argv[4]
)


def stop_here(name):
    if name.startswith("merge-chunk-written:"):
        marker.touch()
        time.sleep(600)


sys.exit(int(run_gold_load(
    scenarios=scenario, as_of=as_of, tables=None, report_dir=report_dir, timeout=600,
    on_step=stop_here,
)))
"""


def test_a_sigkilled_local_gold_load_never_holds_the_next_run_up(
    env: LocalDatabases,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    # Given a local gold load killed with SIGKILL in the middle of its merges
    customers = warehouse_customers(env.warehouse_url, 30)
    scenario = write_scenario(tmp_path / "s.csv", customers)
    runner = tmp_path / "killed_runner.py"
    runner.write_text(KILLED_RUNNER, "utf-8")
    marker = tmp_path / "merging"
    process = subprocess.Popen(
        [sys.executable, str(runner), str(scenario), str(tmp_path / "killed"), AS_OF, str(marker)],
        env={
            **os.environ,
            LocalEnvName.TRAINING_DB_URL: mysql_url_text(env.training),
            LocalEnvName.WAREHOUSE_URL: env.warehouse_url,
            EnvName.CUSTOMERS_PER_CHUNK: "10",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    processes.append(process)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the load never merged a chunk"
        time.sleep(0.05)
    with connect(env.training) as connection:
        (row,) = live_leases(connection)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    # Then its lease row is still there (a killed process releases nothing itself), naming
    # the run lock its process held
    assert row.holder == "gold-load"
    assert row.run_lock is not None
    with connect(env.training) as connection:
        assert [r.run_id for r in live_leases(connection)] == [row.run_id]
    # When the next gold load runs, allowed to wait no time at all for another writer
    monkeypatch.setenv(EnvName.GOLD_LOAD_WAIT_SECONDS, "0")
    assert main(gold_load_arguments(tmp_path / "next", scenario, AS_OF)) == 0
    # Then it took the killed run's lease over at once (its run lock was free), loaded
    # everything, and nothing of the killed run is held
    assert customers_in_gold(env) == 30
    with connect(env.training) as connection:
        assert live_leases(connection) == []

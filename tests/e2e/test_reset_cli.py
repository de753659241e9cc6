"""The reset end to end: reset_command.run_reset → local runtime → ASL → handlers → MariaDB.

Kill tests run the reset in a subprocess whose step hook (``on_step``) stops at a named
point (see RESET_RUNNER), then SIGKILL it there.
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

import psycopg
import pymysql
import pytest
from reset_support import (
    EXPECTED_TABLES,
    GOLD_TABLES,
    TRAINING_TABLES,
    all_tables,
    assert_training_equals_gold,
    checksums,
    connect,
    create_tables,
    fill,
    table_states,
)
from support import mysql_url_text

from ims_refresh.exit_codes import ExitCode
from ims_refresh.local.runtime import WORK_BUCKET, LocalRuntime
from ims_refresh.reset_command import (
    compare_training_with_gold,
    print_training_vs_gold,
    run_reset,
)
from ims_refresh.settings import LocalDatabases, LocalEnvName, MySqlUrl
from ims_refresh.synthetic_warehouse import DEMO_AS_OF
from training_refresh.env_names import EnvName
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease import (
    LEASE_TABLE,
    LeaseTimes,
    acquire_gold_load_lease,
    live_leases,
    release_gold_load_lease,
)
from training_refresh.reset.report import reset_report_location

NO_WAIT = LeaseTimes(ttl_seconds=60, wait_seconds=0)


@pytest.fixture
def db(databases: LocalDatabases) -> LocalDatabases:
    """Gold copies in state A, training tables holding what trainees left (state T)."""
    create_tables(databases.training)
    fill(databases.training, "A")
    fill(databases.training, "T", gold=False)
    return databases


@pytest.fixture(autouse=True)
def quick_lease_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(EnvName.RESET_WAIT_SECONDS, "1")
    monkeypatch.setenv(EnvName.LEASE_POLL_SECONDS, "0.1")


def reset(
    tmp_path: Path,
    databases: LocalDatabases,
    tables: str | None = None,
    on_step: OnStep = ignore_step,
) -> ExitCode:
    return run_reset(
        tables=tables,
        report_dir=tmp_path / "reports",
        timeout=120,
        databases=databases,
        on_step=on_step,
    )


def latest_report(tmp_path: Path) -> dict[str, Any]:
    reports = sorted((tmp_path / "reports").glob("reset-*.json"))
    return json.loads(reports[-1].read_text("utf-8"))


def live(url: MySqlUrl) -> list[tuple[str, str]]:
    with connect(url) as connection:
        return [(row.holder, row.run_id) for row in live_leases(connection)]


def test_a_reset_copies_every_gold_copy_and_reports_it(
    db: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given gold copies and training tables that trainees changed
    assert set(table_states(db.training).values()) == {"T"}
    # When the reset runs
    assert reset(tmp_path, db) == ExitCode.SUCCESS
    # Then every training table equals its gold copy and nothing else is left behind
    assert_training_equals_gold(db.training)
    assert all_tables(db.training) == EXPECTED_TABLES
    assert live(db.training) == []
    # And the run report lists rows and durations per table
    report = latest_report(tmp_path)
    assert report["workflow"] == "reset"
    assert report["status"] == "succeeded"
    gold_rows = checksums(db.training, GOLD_TABLES)
    assert {t["table"]: t["rows_written"] for t in report["tables"]} == {
        t: gold_rows[t + "_GOLD"][0] for t in TRAINING_TABLES
    }
    assert all(t["status"] == "swapped" for t in report["tables"])
    assert report["swap"]["status"] == "swapped"
    assert report["errors"] == []
    # And a summary was printed
    out = capsys.readouterr().out
    assert "reset succeeded" in out
    assert "IMS_CUSTOMER" in out
    assert "all tables swapped in one RENAME" in out
    # And the demo's check agrees: every training table equals its gold copy
    assert print_training_vs_gold(db.training, sys.stdout)
    assert capsys.readouterr().out.count(": equal (row count and CHECKSUM TABLE)") == 6
    fill(db.training, "B", gold=False, tables=["IMS_AUTH"])
    assert [c.table for c in compare_training_with_gold(db.training) if not c.equal] == ["IMS_AUTH"]


def test_named_tables_only(db: LocalDatabases, tmp_path: Path) -> None:
    # When only IMS_CUSTOMER is reset (names are trimmed around commas)
    assert reset(tmp_path, db, " IMS_CUSTOMER ,") == ExitCode.SUCCESS
    # Then only it equals its gold copy
    states = table_states(db.training)
    assert states.pop("IMS_CUSTOMER") == "A"
    assert set(states.values()) == {"T"}
    assert [t["table"] for t in latest_report(tmp_path)["tables"]] == ["IMS_CUSTOMER"]


@pytest.mark.parametrize(
    "tables",
    [
        "IMS_ORDER`; DROP TABLE IMS_CUSTOMER; --",
        "IMS_ORDER;DROP TABLE IMS_CUSTOMER",
        "'IMS_ORDER'",
        '"IMS_ORDER"',
        "`IMS_ORDER`",
        "IMS_ORD",
        "IMS_ORDER,NOT_A_TABLE",
        "IMS_ORDER_GOLD",
        "",
    ],
)
def test_bad_tables_exit_2_and_change_nothing(
    db: LocalDatabases, tmp_path: Path, tables: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the training database as it is
    before = checksums(db.training, TRAINING_TABLES + GOLD_TABLES)
    # When a reset names a table that is not exactly a configured one
    assert reset(tmp_path, db, tables) == ExitCode.BAD_INPUT
    # Then it says why, and nothing changed: no table, no lease table, no report
    assert "bad input" in capsys.readouterr().err
    assert checksums(db.training, TRAINING_TABLES + GOLD_TABLES) == before
    assert LEASE_TABLE not in all_tables(db.training)
    assert not (tmp_path / "reports").exists()


def test_bad_tables_in_the_state_machine_input_fail_as_bad_input(db: LocalDatabases) -> None:
    # Given the state machine started directly (as in AWS) with an injected table name
    before = checksums(db.training, TRAINING_TABLES + GOLD_TABLES)
    with LocalRuntime(db) as runtime:
        outcome = runtime.execute(
            "reset", {"tables": ["IMS_ORDER`; DROP TABLE IMS_AUTH; --"]}, name="bad", timeout=60
        )
        report = runtime.read_json_if_exists(reset_report_location(WORK_BUCKET, "bad").uri)
        largest_payload = runtime.largest_state_payload_bytes(outcome)
    # Then the execution fails with the bad-input error name and nothing changed
    assert outcome.status == "FAILED"
    assert outcome.error == "UnknownTableError"
    assert report["status"] == "bad_input"
    assert checksums(db.training, TRAINING_TABLES + GOLD_TABLES) == before
    assert LEASE_TABLE not in all_tables(db.training)
    # And every state payload stayed small
    assert largest_payload < 16_000


def test_a_column_mismatch_fails_the_run_naming_the_columns(
    db: LocalDatabases, tmp_path: Path
) -> None:
    # Given a training table that lacks a column its gold copy has
    with connect(db.training) as connection, connection.cursor() as cursor:
        cursor.execute("ALTER TABLE IMS_MASON_CRN DROP COLUMN BRAND_CODE")
    before = checksums(db.training, TRAINING_TABLES)
    # When the reset runs, Then it fails (exit 1) and the report names the column
    assert reset(tmp_path, db) == ExitCode.FAILED
    report = latest_report(tmp_path)
    assert report["status"] == "failed"
    [error] = report["errors"]
    assert error["name"] == "SchemaMismatchError"
    assert error["table"] == "IMS_MASON_CRN"
    assert "only in IMS_MASON_CRN_GOLD: BRAND_CODE" in error["message"]
    # And no training table changed (the other copies were built but never swapped)
    assert checksums(db.training, TRAINING_TABLES) == before
    assert all(t["status"] != "swapped" for t in report["tables"])
    # And the lease was given back, so the next reset after the fix is not blocked
    assert live(db.training) == []


def test_a_value_mysql_rejects_reaches_neither_the_report_nor_the_summary(
    db: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a gold copy that lost its primary key and holds one order twice
    with connect(db.training) as connection, connection.cursor() as cursor:
        cursor.execute("ALTER TABLE IMS_ORDER_GOLD DROP PRIMARY KEY")
        cursor.execute("SELECT MIN(ORDER_NO) FROM IMS_ORDER_GOLD")
        order_no = str(cursor.fetchone()[0])
        cursor.execute("INSERT INTO IMS_ORDER_GOLD SELECT * FROM IMS_ORDER_GOLD LIMIT 1")
    before = checksums(db.training, TRAINING_TABLES)
    # When the reset runs, MySQL refuses that table's copy ("Duplicate entry '<order>' ...")
    assert reset(tmp_path, db) == ExitCode.FAILED
    # Then the report names the table and the error, but the order number is nowhere
    report = latest_report(tmp_path)
    [error] = report["errors"]
    assert (error["table"], error["name"]) == ("IMS_ORDER", "TrainingDatabaseError")
    assert "Duplicate entry '<redacted>'" in error["message"]
    assert order_no not in json.dumps(report)
    assert order_no not in capsys.readouterr().out
    # And nothing was swapped
    assert checksums(db.training, TRAINING_TABLES) == before


# --- gold loads --------------------------------------------------------------------------


def test_a_reset_during_a_gold_load_runs_at_once_and_copies_the_published_gold(
    db: LocalDatabases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a gold load in progress (it holds its lease) and resets that would wait a minute
    monkeypatch.setenv(EnvName.RESET_WAIT_SECONDS, "60")
    with connect(db.training) as connection:
        acquire_gold_load_lease(connection, "gold-load-running", NO_WAIT)
    gold = checksums(db.training, GOLD_TABLES)
    # When a reset runs, Then it succeeds without waiting for the gold load
    assert reset(tmp_path, db) == ExitCode.SUCCESS
    report = latest_report(tmp_path)
    assert report["lease"]["waited_for_gold_loads"] == []
    # And it copied the published gold state (generation 0: nothing published yet)
    assert report["swap"]["gold_generation"] == 0
    assert report["swap"]["recopies"] == 0
    assert_training_equals_gold(db.training)
    assert checksums(db.training, GOLD_TABLES) == gold
    # And the gold load still holds its lease
    assert live(db.training) == [("gold-load", "gold-load-running")]


GOLD_LOAD_RUNNER = '''
"""A real local gold load whose chunks wait (a minute at most) until the reset is done."""
import sys, time
from pathlib import Path

from ims_refresh.gold_load_command import run_gold_load

scenario, report_dir, reset_done = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])


def hold_merges(name):
    if name.startswith("merge-chunk:"):
        deadline = time.monotonic() + 60
        while not reset_done.exists() and time.monotonic() < deadline:
            time.sleep(0.05)


sys.exit(int(run_gold_load(
    scenarios=scenario, as_of=sys.argv[4], tables=None, report_dir=report_dir, timeout=300,
    on_step=hold_merges,
)))
'''


def cli_env(databases: LocalDatabases, **extra: str) -> dict[str, str]:
    training = databases.training
    return {
        **os.environ,
        LocalEnvName.TRAINING_DB_URL: mysql_url_text(training),
        LocalEnvName.WAREHOUSE_URL: databases.warehouse_url,
        **extra,
    }


def live_gold_load_runs(url: MySqlUrl) -> list[str]:
    try:
        return [run for holder, run in live(url) if holder == "gold-load"]
    except pymysql.MySQLError:
        return []


@pytest.mark.slow
def test_a_reset_started_during_a_real_gold_load_does_not_wait_for_its_work(
    db: LocalDatabases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given gold copies in state A and a real gold load of every warehouse customer
    # running, whose chunks wait until the reset is done
    with psycopg.connect(db.warehouse_url) as warehouse:
        customers = [
            r[0]
            for r in warehouse.execute(
                "SELECT customer_no FROM oframe_prd_s.ims_customer"
            ).fetchall()
        ]
    scenario = tmp_path / "scenario.csv"
    scenario.write_text("customer_number\n" + "".join(f"{c}\n" for c in customers), "utf-8")
    runner = tmp_path / "gold_load_runner.py"
    runner.write_text(GOLD_LOAD_RUNNER, "utf-8")
    gold_before = checksums(db.training, GOLD_TABLES)
    gold_load = subprocess.Popen(
        [
            sys.executable,
            str(runner),
            str(scenario),
            str(tmp_path / "gold"),
            str(tmp_path / "reset-done"),
            DEMO_AS_OF.isoformat(),
        ],
        env=cli_env(db),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not live_gold_load_runs(db.training):
            assert gold_load.poll() is None, gold_load.stderr.read() if gold_load.stderr else ""
            assert time.monotonic() < deadline, "the gold load never took its lease"
            time.sleep(0.1)
        # When a reset (that would wait two minutes for gold loads) starts meanwhile
        monkeypatch.setenv(EnvName.RESET_WAIT_SECONDS, "120")
        assert reset(tmp_path, db) == ExitCode.SUCCESS
        # Then it succeeded while the gold load was still held in its merges
        assert gold_load.poll() is None
        (tmp_path / "reset-done").touch()
        assert gold_load.wait(timeout=120) == 0
    finally:
        if gold_load.poll() is None:
            gold_load.kill()
            gold_load.wait()
    report = latest_report(tmp_path)
    assert report["lease"]["waited_for_gold_loads"] == []
    assert report["swap"]["gold_generation"] == 0
    # And the training tables hold the gold state from before the load, which then published
    assert {f"{t}_GOLD": v for t, v in checksums(db.training, TRAINING_TABLES).items()} == (
        gold_before
    )
    assert checksums(db.training, GOLD_TABLES) != gold_before
    # And the next reset copies the load's published state
    assert reset(tmp_path, db) == ExitCode.SUCCESS
    assert latest_report(tmp_path)["swap"]["gold_generation"] == 1
    assert_training_equals_gold(db.training)


# --- killed resets -----------------------------------------------------------------------

RESET_RUNNER = """
import sys, time
from pathlib import Path

from ims_refresh.reset_command import run_reset

marker, point, report_dir = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])


def stop_here(name):
    if name == point:
        marker.write_text(name)
        time.sleep(600)


sys.exit(int(run_reset(tables=None, report_dir=report_dir, timeout=600, on_step=stop_here)))
"""


@pytest.fixture
def killable_reset(db: LocalDatabases, tmp_path: Path) -> Iterator[Any]:
    runner = tmp_path / "reset_runner.py"
    runner.write_text(RESET_RUNNER, "utf-8")
    processes: list[subprocess.Popen[bytes]] = []

    def start_and_kill_at(point: str) -> None:
        marker = tmp_path / "stopped-at"
        process = subprocess.Popen(
            [sys.executable, str(runner), str(marker), point, str(tmp_path / "killed")],
            env=cli_env(db),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        processes.append(process)
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, f"the reset never reached {point}"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    yield start_and_kill_at
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    ("point", "state_after_kill", "leftover_suffixes"),
    [
        ("copy-created:IMS_ORDER", "T", {"__RESET_FILL"}),
        ("swap-before-rename", "T", {"__RESET_NEW"}),
        ("swap-renamed", "A", {"__RESET_OLD"}),
    ],
)
def test_a_reset_killed_mid_copy_or_mid_swap_leaves_consistent_tables_and_the_next_one_succeeds(
    db: LocalDatabases,
    tmp_path: Path,
    killable_reset: Any,
    point: str,
    state_after_kill: str,
    leftover_suffixes: set[str],
) -> None:
    # Given a reset killed with SIGKILL at `point`
    killable_reset(point)
    # Then every training table is readable and all of them hold one state: the state
    # before the reset (killed before the RENAME) or the gold state (killed after it)
    assert table_states(db.training) == dict.fromkeys(TRAINING_TABLES, state_after_kill)
    leftovers = all_tables(db.training) - EXPECTED_TABLES
    assert {name[name.index("__") :] for name in leftovers} >= leftover_suffixes
    [(holder, killed_run)] = live(db.training)
    assert holder == "reset"
    # And a gold load meanwhile is not held up by it
    with connect(db.training) as connection:
        assert acquire_gold_load_lease(connection, "gold-load-1", NO_WAIT).waited_for == ()
        release_gold_load_lease(connection, "gold-load-1")
    # When the next reset runs
    assert reset(tmp_path, db) == ExitCode.SUCCESS
    # Then it took over the killed run's lease, dropped its leftovers and reset everything
    report = latest_report(tmp_path)
    assert report["lease"]["superseded_resets"] == [killed_run]
    assert set(report["leftovers_dropped"]) == leftovers
    assert_training_equals_gold(db.training)
    assert all_tables(db.training) == EXPECTED_TABLES
    assert live(db.training) == []

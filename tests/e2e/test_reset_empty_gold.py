"""A reset refuses to publish empty gold copies unless the operator allows it (issue 14 item
3, docs/design.md §1.2): exit 1, nothing swapped, the tables named; ``--allow-empty``
publishes them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from reset_support import (
    GOLD_TABLES,
    TRAINING_TABLES,
    checksums,
    connect,
    create_tables,
    fill,
    table_states,
)
from support import mysql_url_text

from ims_refresh.cli import main
from ims_refresh.exit_codes import ExitCode
from ims_refresh.local.runtime import WORK_BUCKET, LocalRuntime
from ims_refresh.reset_command import run_reset
from ims_refresh.settings import LocalDatabases, LocalEnvName, MySqlUrl
from training_refresh.env_names import EnvName
from training_refresh.lease import live_leases
from training_refresh.reset.report import reset_report_location

EMPTIED = ["IMS_AUTH", "IMS_MASON_CRN"]


@pytest.fixture
def db(databases: LocalDatabases) -> LocalDatabases:
    """Gold copies in state A except two emptied ones; trainees' state T in training."""
    create_tables(databases.training)
    fill(databases.training, "A")
    fill(databases.training, "T", gold=False)
    with connect(databases.training) as connection, connection.cursor() as cursor:
        for table in EMPTIED:
            cursor.execute(f"DELETE FROM `{table}_GOLD`")
    return databases


@pytest.fixture(autouse=True)
def quick_lease_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(EnvName.RESET_WAIT_SECONDS, "1")
    monkeypatch.setenv(EnvName.LEASE_POLL_SECONDS, "0.1")


def reset(
    tmp_path: Path, databases: LocalDatabases, *, tables: str | None = None, allow: bool = False
) -> ExitCode:
    return run_reset(
        tables=tables,
        report_dir=tmp_path / "reports",
        timeout=120,
        allow_empty=allow,
        databases=databases,
    )


def latest_report(tmp_path: Path) -> dict[str, Any]:
    reports = sorted((tmp_path / "reports").glob("reset-*.json"))
    return json.loads(reports[-1].read_text("utf-8"))


def no_lease_held(url: MySqlUrl) -> bool:
    with connect(url) as connection:
        return list(live_leases(connection)) == []


def test_empty_gold_copies_fail_the_reset_and_nothing_is_swapped(
    db: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two empty gold copies and training tables trainees worked in
    before = checksums(db.training, TRAINING_TABLES + GOLD_TABLES)
    # When a reset runs without --allow-empty
    code = reset(tmp_path, db)
    # Then it fails (exit 1), every table is as it was and the lease is given back
    assert code == ExitCode.FAILED
    assert checksums(db.training, TRAINING_TABLES + GOLD_TABLES) == before
    assert set(table_states(db.training).values()) == {"T"}
    assert no_lease_held(db.training)
    # And the report and the summary name the empty tables and the way out
    report = latest_report(tmp_path)
    assert report["status"] == "failed"
    [error] = report["errors"]
    assert error["name"] == "EmptyGoldCopyError"
    assert "IMS_AUTH, IMS_MASON_CRN" in error["message"]
    assert "--allow-empty" in error["message"]
    assert report["swap"]["status"] == "not run"
    assert "IMS_AUTH, IMS_MASON_CRN" in capsys.readouterr().out


def test_allow_empty_publishes_the_empty_gold_copies_with_a_warning(
    db: LocalDatabases, tmp_path: Path
) -> None:
    # When the operator allows empty gold copies
    assert reset(tmp_path, db, allow=True) == ExitCode.SUCCESS
    # Then every training table is its gold copy, the emptied ones empty, with a warning
    states = table_states(db.training)
    assert {states.pop(table) for table in EMPTIED} == {None}
    assert set(states.values()) == {"A"}
    assert checksums(db.training, EMPTIED) == dict.fromkeys(EMPTIED, (0, 0))
    warnings = latest_report(tmp_path)["warnings"]
    assert sorted(w for w in warnings if "is empty" in w) == [
        f"the gold copy of {t} is empty, so {t} is empty now" for t in EMPTIED
    ]


def test_only_the_requested_tables_are_checked(db: LocalDatabases, tmp_path: Path) -> None:
    # When a reset names only tables whose gold copies hold rows
    assert reset(tmp_path, db, tables="IMS_CUSTOMER,IMS_ORDER") == ExitCode.SUCCESS
    # Then those are reset and the rest stay as trainees left them
    states = table_states(db.training)
    assert (states.pop("IMS_CUSTOMER"), states.pop("IMS_ORDER")) == ("A", "A")
    assert set(states.values()) == {"T"}


def test_the_cli_option_reaches_the_workflow(
    db: LocalDatabases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the local databases in the environment, as an operator's shell has them
    monkeypatch.setenv(LocalEnvName.TRAINING_DB_URL, mysql_url_text(db.training))
    monkeypatch.setenv(LocalEnvName.WAREHOUSE_URL, db.warehouse_url)
    reports = ["--report-dir", str(tmp_path / "reports")]
    # When `run reset` runs without and then with --allow-empty
    refused = main(["run", "reset", *reports])
    allowed = main(["run", "reset", "--allow-empty", *reports])
    # Then the first refuses (exit 1) and the second publishes
    assert (refused, allowed) == (ExitCode.FAILED, ExitCode.SUCCESS)
    assert table_states(db.training)["IMS_CUSTOMER"] == "A"


@pytest.mark.parametrize("value", ["yes", 1, [True]])
def test_a_non_boolean_allow_empty_in_the_state_machine_input_is_bad_input(
    db: LocalDatabases, value: object
) -> None:
    # Given the state machine started directly (as in AWS) with a malformed allow_empty
    before = checksums(db.training, TRAINING_TABLES + GOLD_TABLES)
    with LocalRuntime(db) as runtime:
        outcome = runtime.execute("reset", {"allow_empty": value}, name="bad", timeout=60)
        report = runtime.read_json_if_exists(reset_report_location(WORK_BUCKET, "bad").uri)
    # Then the execution fails as bad input and nothing changed
    assert outcome.status == "FAILED"
    assert outcome.error == "BadInputError"
    assert report["status"] == "bad_input"
    assert "allow_empty" in report["errors"][0]["message"]
    assert checksums(db.training, TRAINING_TABLES + GOLD_TABLES) == before

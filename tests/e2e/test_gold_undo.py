"""gold-undo end to end: gold_ops_command.run_gold_undo → local runtime → ASL → handlers →
MariaDB; ``gold history`` reads what was kept."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from reset_support import GOLD_TABLES, all_tables, checksums, connect, create_tables, fill
from support import mysql_url_text

from ims_refresh import cli
from ims_refresh.exit_codes import ExitCode
from ims_refresh.gold_ops_command import run_gold_undo
from ims_refresh.settings import LocalDatabases, LocalEnvName, MySqlUrl
from training_refresh.gold_state import names
from training_refresh.gold_state.manifest import PublicationSummary
from training_refresh.gold_state.publication import publish_change
from training_refresh.gold_state.store import current_generation, read_manifest
from training_refresh.lease import LEASE_TABLE, live_leases


@pytest.fixture
def db(databases: LocalDatabases) -> LocalDatabases:
    create_tables(databases.training)
    fill(databases.training, "A")
    return databases


def publish_a_change(url: MySqlUrl, run_id: str, drop_rows: int) -> None:
    """What a gold-changing run publishes: every gold copy minus its ``drop_rows`` rows
    with the highest first key, built beside the live table and renamed in."""
    tag = names.run_tag(run_id)
    built = {}
    with connect(url) as connection:
        with connection.cursor() as cursor:
            based_on = current_generation(cursor)
            for table in GOLD_TABLES:
                build = names.build_table(table, tag)
                cursor.execute(f"CREATE TABLE `{build}` LIKE `{table}`")
                cursor.execute(f"INSERT INTO `{build}` SELECT * FROM `{table}`")
                cursor.execute(f"SHOW KEYS FROM `{build}` WHERE Key_name = 'PRIMARY'")
                key = cursor.fetchall()[0][4]
                cursor.execute(f"DELETE FROM `{build}` ORDER BY `{key}` DESC LIMIT {drop_rows}")
                built[table] = build
        publish_change(
            connection,
            run_id=run_id,
            workflow="gold-load",
            built=built,
            based_on_generation=based_on,
            summary=PublicationSummary(customers_loaded=drop_rows, scenario_file="s.csv"),
            managed_tables=[*GOLD_TABLES, names.CATALOG_TABLE],
            guard=nullcontext(),
        )


def gold(url: MySqlUrl) -> dict[str, tuple[int, int]]:
    return checksums(url, GOLD_TABLES)


def undo(tmp_path: Path, db: LocalDatabases) -> ExitCode:
    return run_gold_undo(report_dir=tmp_path / "reports", timeout=120, databases=db)


def latest_report(tmp_path: Path) -> dict[str, Any]:
    reports = sorted((tmp_path / "reports").glob("gold-undo-*.json"))
    return json.loads(reports[-1].read_text("utf-8"))


def test_undo_puts_back_exactly_the_gold_copies_before_the_last_run(
    db: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two published runs
    initial = gold(db.training)
    publish_a_change(db.training, "load-1", drop_rows=1)
    after_first = gold(db.training)
    publish_a_change(db.training, "load-2", drop_rows=2)
    assert gold(db.training) != after_first
    # When the last one is undone
    assert undo(tmp_path, db) == ExitCode.SUCCESS
    # Then the gold copies are CHECKSUM-equal to the state after the first run
    assert gold(db.training) == after_first
    report = latest_report(tmp_path)
    assert report["status"] == "succeeded"
    assert report["undone_run_id"] == "load-2" and report["restored_run_id"] == "load-1"
    assert sorted(report["tables_changed"]) == sorted(GOLD_TABLES)
    assert report["lease_released"] is True
    assert "took back gold-load run load-2" in capsys.readouterr().out
    # When undone again, Then the state before the first run is back, undo walks back
    assert undo(tmp_path, db) == ExitCode.SUCCESS
    assert gold(db.training) == initial
    assert latest_report(tmp_path)["restored_run_id"] is None
    with connect(db.training) as connection:
        assert live_leases(connection) == []
    left = {t for t in all_tables(db.training) if t.startswith(tuple(GOLD_TABLES))}
    assert left == set(GOLD_TABLES)  # no version table is kept that no undo can reach


def test_undo_with_nothing_to_undo_is_bad_input_and_changes_nothing(
    db: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = gold(db.training)
    tables = all_tables(db.training)
    assert undo(tmp_path, db) == ExitCode.BAD_INPUT
    assert gold(db.training) == before
    assert all_tables(db.training) - {LEASE_TABLE} == tables - {LEASE_TABLE}
    report = latest_report(tmp_path)
    assert report["status"] == "bad_input"
    assert report["errors"][0]["name"] == "NothingToUndoError"
    assert "nothing to undo" in report["errors"][0]["message"]
    assert "nothing was changed" in capsys.readouterr().out


def test_an_undo_beyond_the_kept_states_is_a_clear_error_and_changes_nothing(
    db: LocalDatabases, tmp_path: Path
) -> None:
    # Given four runs and three undos (three previous states are kept)
    for run in range(1, 5):
        publish_a_change(db.training, f"load-{run}", drop_rows=1)
    for _ in range(3):
        assert undo(tmp_path, db) == ExitCode.SUCCESS
    before = gold(db.training)
    # When undone once more, Then the state before load-1 is no longer kept: exit 2
    assert undo(tmp_path, db) == ExitCode.BAD_INPUT
    error = latest_report(tmp_path)["errors"][0]
    assert error["name"] == "StateNoLongerKeptError"
    assert "no longer kept" in error["message"]
    assert gold(db.training) == before


def test_gold_history_lists_the_kept_states_and_what_undo_restores(
    db: LocalDatabases, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(LocalEnvName.TRAINING_DB_URL, mysql_url_text(db.training))
    publish_a_change(db.training, "load-1", drop_rows=1)
    publish_a_change(db.training, "load-2", drop_rows=1)
    capsys.readouterr()
    # When the history is asked for as JSON
    assert cli.main(["gold", "history", "--json"]) == ExitCode.SUCCESS
    document = json.loads(capsys.readouterr().out)
    # Then the live state comes first, and the next undo restores the one after load-1
    assert [s["run_id"] for s in document["states"]] == ["load-2", "load-1", None]
    assert document["states"][0]["live"] and document["states"][1]["next_undo_restores"]
    assert "1 customer(s) loaded, file s.csv" in document["states"][0]["what_changed"]
    with connect(db.training) as connection, connection.cursor() as cursor:
        assert document["current_generation"] == read_manifest(cursor).current.generation
    # And as text, one line per state
    assert cli.main(["gold", "history"]) == ExitCode.SUCCESS
    text = capsys.readouterr().out
    assert "live" in text and "load-2" in text and "undo" in text

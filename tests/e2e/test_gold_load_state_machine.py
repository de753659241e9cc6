"""The gold-load state machine driven directly, as Automic or EventBridge would start it."""

from __future__ import annotations

from pathlib import Path

from ims_refresh.local.mysql_setup import ensure_training_tables
from ims_refresh.local.runtime import WORK_BUCKET, LocalRuntime
from ims_refresh.settings import LocalDatabases
from training_refresh.gold_load.work import WorkLocations
from training_refresh.table_groups import load_table_groups


def test_a_bad_scenario_file_in_s3_fails_the_execution_with_its_error_name(
    databases: LocalDatabases, tmp_path: Path
) -> None:
    # Given a scenario file with a bad line, uploaded without local validation
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_number\n7\nseven\n", "utf-8")
    ensure_training_tables(databases.training, load_table_groups())
    with LocalRuntime(databases) as runtime:
        uri = runtime.upload_scenario_file(bad)
        # When the state machine is started on it
        outcome = runtime.execute(
            "gold-load", {"scenarios": uri, "as_of": "2026-06-30"}, name="bad-input", timeout=120
        )
        report = runtime.read_json_if_exists(WorkLocations(WORK_BUCKET, "bad-input").report.uri)
    # Then the execution fails with the bad-input error name and the report says where
    assert outcome.status == "FAILED"
    assert outcome.error == "ScenarioFileError"
    assert report["status"] == "bad_input"
    assert "line 3" in report["errors"][0]["message"]


def test_a_missing_scenario_file_is_bad_input(databases: LocalDatabases) -> None:
    ensure_training_tables(databases.training, load_table_groups())
    with LocalRuntime(databases) as runtime:
        outcome = runtime.execute(
            "gold-load",
            {"scenarios": "s3://ims-refresh-local-scenarios/nope.csv", "as_of": "2026-06-30"},
            name="missing-file",
            timeout=120,
        )
    assert outcome.status == "FAILED"
    assert outcome.error == "ScenarioFileError"
    assert outcome.cause is not None
    assert "does not exist" in outcome.cause

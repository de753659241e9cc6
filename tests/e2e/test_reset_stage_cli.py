"""``ims-refresh run reset-stage`` and a reset through the local runtime on its staged
copies (issue 17): the reset-stage state machine, its report, the reset's staged path
(the copy Map over no table) and what the reports and summaries say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from reset_support import (
    EXPECTED_TABLES,
    TRAINING_TABLES,
    all_tables,
    assert_training_equals_gold,
    create_tables,
    fill,
    publish_state,
    table_states,
)

from ims_refresh.exit_codes import ExitCode
from ims_refresh.reset_command import run_reset, run_reset_stage
from ims_refresh.settings import LocalDatabases
from training_refresh.reset.stage import STAGE_TABLE, staged_name


@pytest.fixture
def db(databases: LocalDatabases) -> LocalDatabases:
    """Gold in state A, published as generation 1 in state B; training in state T."""
    create_tables(databases.training)
    fill(databases.training, "A")
    fill(databases.training, "T", gold=False)
    publish_state(databases.training, "gold-load-b", "B", TRAINING_TABLES)
    return databases


def latest(tmp_path: Path, workflow: str) -> dict[str, Any]:
    reports = sorted((tmp_path / "reports").glob(f"{workflow}-2*.json"))
    return json.loads(reports[-1].read_text("utf-8"))


def test_run_reset_stage_then_a_reset_takes_the_staged_path_and_says_so(
    db: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # When the operator stages the next reset's copies
    assert run_reset_stage(report_dir=tmp_path / "reports", timeout=120, databases=db) == 0
    # Then the report says what was staged, of which generation, since when
    stage = latest(tmp_path, "reset-stage")
    assert stage["workflow"] == "reset-stage" and stage["status"] == "staged"
    assert stage["gold_generation"] == 1 and stage["ready_at"]
    assert sorted(stage["tables"]) == sorted(TRAINING_TABLES)
    assert "the next reset's staged copies are ready since" in capsys.readouterr().out
    assert set(table_states(db.training).values()) == {"T"}
    # When a reset runs through the local runtime
    code = run_reset(tables=None, report_dir=tmp_path / "reports", timeout=120, databases=db)
    # Then it took the staged path: training equals the current gold (state B)
    assert code == ExitCode.SUCCESS
    assert_training_equals_gold(db.training)
    assert set(table_states(db.training).values()) == {"B"}
    report = latest(tmp_path, "reset")
    assert report["swap"]["path"] == "staged" and report["swap"]["gold_generation"] == 1
    assert report["swap"]["staged_ready_at"] == stage["ready_at"]
    assert report["swap"]["seconds_to_swap"] is not None
    assert all(t["status"] == "swapped" and t["rows_written"] > 0 for t in report["tables"])
    assert "staged path: the staged copies (ready since" in capsys.readouterr().out
    # And the staged copies were consumed (their record table stays, empty)
    left = all_tables(db.training)
    assert STAGE_TABLE in left and not {staged_name(t) for t in TRAINING_TABLES} & left
    assert left >= EXPECTED_TABLES
    # When the next reset finds no staged copies
    code = run_reset(tables=None, report_dir=tmp_path / "reports", timeout=120, databases=db)
    # Then it copies now, and says so
    assert code == ExitCode.SUCCESS
    assert latest(tmp_path, "reset")["swap"]["path"] == "copied"
    assert "copied now: no usable staged copies" in capsys.readouterr().out
    assert staged_name(TRAINING_TABLES[0]) not in all_tables(db.training)

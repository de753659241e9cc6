"""What issue 14 asks to see of a real ``ims-refresh`` process beside ``test_cli_operator``:
a reader that leaves after the first line (``| head -1``), ``--log-level INFO`` after the
subcommand without ``--json``, and a reset of empty gold copies through the command line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from reset_support import (
    TRAINING_TABLES,
    assert_training_equals_gold,
    checksums,
    connect,
    create_tables,
    fill,
)
from test_cli_operator import cli, command, environment

from ims_refresh.settings import LocalDatabases


@pytest.fixture
def db(databases: LocalDatabases) -> LocalDatabases:
    """Gold copies in state A, training tables in state T."""
    create_tables(databases.training)
    fill(databases.training, "A")
    fill(databases.training, "T", gold=False)
    return databases


def test_a_reader_that_takes_one_line_and_leaves_ends_the_output_quietly(
    tmp_path: Path, db: LocalDatabases
) -> None:
    # Given `ims-refresh run reset | head -1`: the reader takes the first line, then leaves
    process = subprocess.Popen(
        command("run", "reset"),
        env=environment(db, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    # Then the reset still ends with its own code, and nothing is said about the pipe
    assert process.wait(timeout=300) == 0, stderr
    assert first.strip(), "the reader got its line"
    assert "Traceback" not in stderr
    assert "BrokenPipe" not in stderr
    assert "Exception ignored" not in stderr
    # And the reset did its work: the training tables hold the gold rows
    assert_training_equals_gold(db.training)


def test_log_level_after_the_subcommand_keeps_the_log_lines_off_stdout(
    tmp_path: Path, db: LocalDatabases
) -> None:
    # When a reset runs with --log-level INFO after the subcommand, without --json
    result = cli(
        environment(db, tmp_path),
        "run",
        "reset",
        "--tables",
        "customer",
        "--log-level",
        "INFO",
    )
    # Then it succeeds, its summary is on stdout and no log line is
    assert result.returncode == 0, result.stderr
    assert "reset succeeded" in result.stdout
    assert not [line for line in result.stdout.splitlines() if line.lstrip().startswith("{")]
    # And the Lambda code's JSON log lines at INFO are on stderr
    logs = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert any(log.get("level") == "INFO" for log in logs), result.stderr


def test_a_reset_of_empty_gold_copies_exits_1_and_leaves_training_unchanged(
    tmp_path: Path, db: LocalDatabases
) -> None:
    # Given a gold copy that is empty (a fresh database, or a load that never ran)
    with connect(db.training) as connection, connection.cursor() as cursor:
        cursor.execute("DELETE FROM `IMS_ORDER_GOLD`")
    before = checksums(db.training, TRAINING_TABLES)
    # When `ims-refresh run reset` runs, as a scheduled job would
    result = cli(environment(db, tmp_path), "run", "reset")
    # Then it exits 1 naming the empty table, without a traceback, and swapped nothing
    assert result.returncode == 1, result.stderr
    assert "EmptyGoldCopyError" in result.stdout
    assert "IMS_ORDER" in result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    assert checksums(db.training, TRAINING_TABLES) == before

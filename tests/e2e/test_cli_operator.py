"""``ims-refresh`` as an operator meets it: a real process, the real databases, its exit code,
its stdout and stderr (issue 14). Nothing here may print a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reset_support import TRAINING_TABLES, checksums, connect, create_tables, fill
from support import mysql_url_text, warehouse_customers, write_scenario

from ims_refresh.settings import LocalDatabases, LocalEnvName
from ims_refresh.synthetic_warehouse import DEMO_AS_OF
from training_refresh.env_names import EnvName
from training_refresh.lease import LeaseTimes, acquire_reset_lease, release_reset_lease

SCENARIO_LIMIT_BYTES = 20 * 1024 * 1024
CLOSED_PORT = "1"  # nothing listens on port 1 of the loopback address


def environment(databases: LocalDatabases, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMS_", "POWERTOOLS_"))}
    env.update(
        {
            LocalEnvName.TRAINING_DB_URL: mysql_url_text(databases.training),
            LocalEnvName.WAREHOUSE_URL: databases.warehouse_url,
            LocalEnvName.REPORT_DIR: str(tmp_path / "reports"),
            EnvName.RESET_WAIT_SECONDS: "1",
            EnvName.LEASE_POLL_SECONDS: "0.1",
        }
    )
    env.update(extra)
    return env


def command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "ims_refresh.cli", *arguments]


def cli(
    env: dict[str, str], *arguments: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*arguments), env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def assert_one_clean_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def db(databases: LocalDatabases) -> LocalDatabases:
    """Gold copies in state A, training tables in state T."""
    create_tables(databases.training)
    fill(databases.training, "A")
    fill(databases.training, "T", gold=False)
    return databases


# ------------------------------------------------------------------------- conventions


def test_version_and_a_bare_call(tmp_path: Path, databases: LocalDatabases) -> None:
    env = environment(databases, tmp_path)
    version = cli(env, "--version")
    assert version.returncode == 0
    assert version.stdout.startswith("ims-refresh ")
    bare = cli(env)
    assert bare.returncode == 0, bare.stderr
    assert "usage: ims-refresh" in bare.stdout
    assert "seed-warehouse" in bare.stdout
    assert bare.stderr == ""


def test_seed_warehouse_with_no_customers_is_a_usage_error(
    tmp_path: Path, databases: LocalDatabases
) -> None:
    result = cli(environment(databases, tmp_path), "seed-warehouse", "--customers", "0")
    assert result.returncode == 2
    assert "--customers: must be at least 1" in result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------- checks up front


def test_an_unusable_report_dir_exits_2_before_the_reset_touches_anything(
    tmp_path: Path, db: LocalDatabases
) -> None:
    # Given a --report-dir that is a file
    not_a_folder = tmp_path / "reports.txt"
    not_a_folder.write_text("x", "utf-8")
    before = checksums(db.training, TRAINING_TABLES)
    # When a reset is asked to write its report there
    result = cli(environment(db, tmp_path), "run", "reset", "--report-dir", str(not_a_folder))
    # Then it refuses with one line, and the training tables are as they were
    assert result.returncode == 2
    line = assert_one_clean_line(result.stderr)
    assert "is a file, not a folder" in line
    assert checksums(db.training, TRAINING_TABLES) == before


MEMORY_PROBE = """
import sys
from pathlib import Path

from ims_refresh.cli import main

code = main(sys.argv[2:])
# VmHWM: this process's own peak resident memory since its exec (ru_maxrss would also
# count the forking pytest worker's pages).
status = Path("/proc/self/status").read_text()
Path(sys.argv[1]).write_text(next(l for l in status.splitlines() if l.startswith("VmHWM")))
sys.exit(code)
"""


def test_a_200_mb_scenario_file_is_refused_without_reading_it(
    tmp_path: Path, databases: LocalDatabases
) -> None:
    # Given a 200 MB scenario file (sparse: reading it would still cost 200 MB)
    big = tmp_path / "big.csv"
    size = 200 * 1024 * 1024
    with big.open("wb") as file:
        file.truncate(size)
    # When a gold load is asked to load it
    peak = tmp_path / "peak.txt"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            MEMORY_PROBE,
            str(peak),
            "run",
            "gold-load",
            "--scenarios",
            str(big),
            "--as-of",
            DEMO_AS_OF.isoformat(),
        ],
        env=environment(databases, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Then it exits 2 naming the size and the limit
    assert result.returncode == 2, result.stderr
    line = assert_one_clean_line(result.stderr)
    assert "200.0 MiB; the limit is 20.0 MiB" in line
    assert result.stdout == ""
    # And its memory stayed below the file's size: it never read the file
    label, kib, unit = peak.read_text("utf-8").split()
    assert (label, unit) == ("VmHWM:", "kB")
    assert int(kib) * 1024 < size, kib


def test_a_database_that_is_down_is_named_with_what_starts_it(
    tmp_path: Path, databases: LocalDatabases
) -> None:
    down = f"postgresql://postgres@127.0.0.1:{CLOSED_PORT}/ims_warehouse"
    env = environment(databases, tmp_path, **{LocalEnvName.WAREHOUSE_URL: down})
    result = cli(env, "seed-warehouse", "--customers", "5")
    assert result.returncode == 1
    line = assert_one_clean_line(result.stderr)
    assert f"cannot reach PostgreSQL at 127.0.0.1:{CLOSED_PORT} (IMS_WAREHOUSE_URL)" in line
    assert "make services" in line

    mysql_down = f"mysql://root@127.0.0.1:{CLOSED_PORT}/ims_training"
    env = environment(databases, tmp_path, **{LocalEnvName.TRAINING_DB_URL: mysql_down})
    result = cli(env, "run", "reset")
    assert result.returncode == 1
    line = assert_one_clean_line(result.stderr)
    assert f"cannot reach MariaDB at 127.0.0.1:{CLOSED_PORT} (IMS_TRAINING_DB_URL)" in line


# ------------------------------------------------------------------ output and logs


def test_run_reset_json_is_one_document_and_logs_stay_on_stderr(
    tmp_path: Path, db: LocalDatabases
) -> None:
    # When a reset runs with --json and --log-level INFO, both after the subcommand
    result = cli(
        environment(db, tmp_path),
        "run",
        "reset",
        "--tables",
        "order_auth",
        "--json",
        "--log-level",
        "INFO",
    )
    # Then stdout is exactly one JSON document: the run report
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["workflow"] == "reset"
    assert report["status"] == "succeeded"
    assert sorted(t["table"] for t in report["tables"]) == ["IMS_AUTH", "IMS_ORDER"]
    # And the Lambda code's log lines (JSON, at INFO) and the summary are on stderr
    logs = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert any(log.get("level") == "INFO" for log in logs), result.stderr
    assert "reset succeeded" in result.stderr
    # And no log line carries the key of an earlier invocation (one table per copy)
    assert [log for log in logs if log.get("table")], "the copy steps log their table"
    [finished] = [log for log in logs if log.get("message") == "reset finished"]
    assert "table" not in finished, finished
    # And nothing of moto's or Powertools' internals
    assert "FailureEventException" not in result.stderr
    assert "No application metrics" not in result.stderr


def test_a_failed_local_run_prints_no_library_internals(tmp_path: Path, db: LocalDatabases) -> None:
    # Given a gold load whose warehouse is down (the workflow runs and fails)
    scenario = write_scenario(tmp_path / "s.csv", [1, 2, 3])
    down = f"postgresql://postgres@127.0.0.1:{CLOSED_PORT}/ims_warehouse"
    env = environment(db, tmp_path, **{LocalEnvName.WAREHOUSE_URL: down})
    result = cli(env, "run", "gold-load", "--scenarios", str(scenario), "--as-of", "2025-01-01")
    # Then it fails with its report and nothing of moto's or Powertools' internals
    assert result.returncode == 1, result.stderr
    # (a refused connection may be reported as lost, which the workflow retries first)
    assert "WarehouseQueryError" in result.stdout or "WarehouseConnectionLostError" in result.stdout
    assert "FailureEventException" not in result.stderr
    assert "object at 0x" not in result.stderr
    assert "No application metrics" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_closed_stdout_ends_quietly_with_the_commands_own_code(
    tmp_path: Path, db: LocalDatabases
) -> None:
    # Given a reader that has gone before the reset prints anything (`| head -0`)
    process = subprocess.Popen(
        command("run", "reset"),
        env=environment(db, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    # Then the reset still succeeds, and says nothing about the pipe
    assert process.wait(timeout=300) == 0, stderr
    assert "Traceback" not in stderr
    assert "BrokenPipe" not in stderr
    assert "Exception ignored" not in stderr


def test_tables_take_config_and_table_names_in_any_case(tmp_path: Path, db: LocalDatabases) -> None:
    result = cli(
        environment(db, tmp_path), "run", "reset", "--tables", "ORDER_AUTH,ims_customer", "--json"
    )
    assert result.returncode == 0, result.stderr
    tables = sorted(t["table"] for t in json.loads(result.stdout)["tables"])
    assert tables == ["IMS_AUTH", "IMS_CUSTOMER", "IMS_ORDER"]


# ---------------------------------------------------------------------- interrupts


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_gold_load_exits_130_in_one_line_and_a_reset_after_it_succeeds(
    tmp_path: Path, db: LocalDatabases, sent: signal.Signals
) -> None:
    # Given a gold load that is running (waiting for a reset that holds its lease)
    with connect(db.training) as connection:
        acquire_reset_lease(
            connection, "reset-held-by-test", LeaseTimes(ttl_seconds=120, wait_seconds=0)
        )
    # (a reset's lease no longer holds a gold load back: one customer per chunk keeps it busy)
    scenario = write_scenario(tmp_path / "s.csv", warehouse_customers(db.warehouse_url, 300))
    env = environment(
        db, tmp_path, **{EnvName.GOLD_LOAD_WAIT_SECONDS: "120", EnvName.CUSTOMERS_PER_CHUNK: "1"}
    )
    process = subprocess.Popen(
        command(
            "run", "gold-load", "--scenarios", str(scenario), "--as-of", DEMO_AS_OF.isoformat()
        ),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)  # started, planning: the plan waits for the held reset lease
    assert process.poll() is None, process.communicate()
    # When the operator presses Ctrl-C (or the job is cancelled: SIGTERM)
    process.send_signal(sent)
    _, stderr = process.communicate(timeout=120)
    # Then it exits 130 with one line and no traceback
    assert process.returncode == 130, stderr
    line = assert_one_clean_line(stderr)
    how = "interrupted (Ctrl-C)" if sent == signal.SIGINT else "stopped (SIGTERM)"
    # (without a note when the signal came before the run had started)
    stopped = f"ims-refresh: {how}: the run was stopped (it held no lease); run it again"
    # (resets no longer hold gold loads back: the load may have taken its lease already)
    released = (
        f"ims-refresh: {how}: the run was stopped and released its leases (gold-load); run it again"
    )
    assert line in {stopped, released, f"ims-refresh: {how}"}, line
    # And once the reset that held the lease is gone, a reset succeeds at once
    with connect(db.training) as connection:
        release_reset_lease(connection, "reset-held-by-test")
    after = cli(environment(db, tmp_path), "run", "reset", "--json")
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["status"] == "succeeded"


@pytest.mark.parametrize(
    "arguments",
    [
        ["status", "reset-20250101T000000-000000"],
        ["runs"],
        ["start", "reset"],
        ["seed-warehouse", "--customers", "0"],
        ["run", "gold-load", "--scenarios", "missing.csv", "--as-of", "2025-01-01"],
        ["demo", "--report-dir", "/proc/version"],
    ],
    ids=lambda arguments: " ".join(arguments[:2]),
)
def test_json_is_one_document_on_stdout_even_when_a_command_fails(
    tmp_path: Path, databases: LocalDatabases, arguments: list[str]
) -> None:
    env = environment(databases, tmp_path)
    for name in ("IMS_STAGE", "AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(name, None)
    result = cli(env, *arguments, "--json", timeout=120)
    assert result.returncode == 2, result.stderr
    document = json.loads(result.stdout)
    assert document["error"]["exit_code"] == 2
    assert "Traceback" not in result.stderr

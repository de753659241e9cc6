"""A local run that is interrupted (Ctrl-C, SIGTERM) or runs out of its ``--timeout``
stops, releases what it holds and says so in one line (issue 11 item 4): a local run
cannot go on running once its process ends."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from reset_support import connect, create_tables, fill
from support import warehouse_customers, write_scenario
from test_cli_operator import assert_one_clean_line, cli, command, environment

from ims_refresh.settings import LocalDatabases
from ims_refresh.synthetic_warehouse import DEMO_AS_OF
from training_refresh.env_names import EnvName
from training_refresh.lease import LeaseTimes, acquire_reset_lease, live_leases

STOPPED = "the run was stopped"


@pytest.fixture
def db(databases: LocalDatabases) -> LocalDatabases:
    create_tables(databases.training)
    fill(databases.training, "A")
    return databases


def leases(db: LocalDatabases) -> list[tuple[str, str]]:
    with connect(db.training) as connection:
        return [(row.holder, row.run_id) for row in live_leases(connection)]


def slow_gold_load(db: LocalDatabases, tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    """A gold load of 300 customers, one per chunk: it runs for many seconds."""
    scenario = write_scenario(tmp_path / "s.csv", warehouse_customers(db.warehouse_url, 300))
    env = environment(
        db, tmp_path, **{EnvName.CUSTOMERS_PER_CHUNK: "1", EnvName.GOLD_LOAD_WAIT_SECONDS: "120"}
    )
    arguments = ["run", "gold-load", "--scenarios", str(scenario), "--as-of"]
    return subprocess.Popen(
        command(*arguments, DEMO_AS_OF.isoformat(), *extra),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_gold_load_releases_its_lease_and_says_so(
    tmp_path: Path, db: LocalDatabases, sent: signal.Signals
) -> None:
    # Given a local gold load that holds its lease
    process = slow_gold_load(db, tmp_path)
    deadline = time.monotonic() + 120
    while not leases(db) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # both rows are written in one transaction; let a chunk start
    assert {holder for holder, _ in leases(db)} == {"gold-load"}
    # When the operator presses Ctrl-C (or the job is cancelled: SIGTERM)
    process.send_signal(sent)
    _, stderr = process.communicate(timeout=120)
    # Then it exits 130 with one line that says what happened, and holds nothing
    assert process.returncode == 130, stderr
    line = assert_one_clean_line(stderr)
    how = "interrupted (Ctrl-C)" if sent == signal.SIGINT else "stopped (SIGTERM)"
    assert line.startswith(f"ims-refresh: {how}: {STOPPED} and released its leases (gold-load"), (
        line
    )
    assert "still running" not in line
    assert leases(db) == []
    # And a reset right after it does not wait for it
    after = cli(environment(db, tmp_path), "run", "reset", "--json")
    assert after.returncode == 0, after.stderr


def test_a_gold_load_out_of_its_timeout_stops_and_holds_nothing(
    tmp_path: Path, db: LocalDatabases
) -> None:
    # Given a local gold load that cannot finish within its --timeout (300 chunks), started
    # while a reset holds its lease (which no longer holds a gold load up)
    with connect(db.training) as connection:
        acquire_reset_lease(connection, "reset-held-by-test", LeaseTimes(120, wait_seconds=0))
    process = slow_gold_load(db, tmp_path, "--timeout", "3")
    _, stderr = process.communicate(timeout=300)
    # Then it exits 3 saying it stopped the run (not that it is "still running")
    assert process.returncode == 3, stderr
    line = assert_one_clean_line(stderr)
    # (on a loaded machine the 3 s may end before the plan took the gold load's lease)
    assert re.search(
        f"did not finish within 3 s: {STOPPED} "
        r"(and released its leases \(gold-load\)|\(it held no lease\)); run it again$",
        line,
    ), line
    assert "still running" not in line
    # And nothing of it is held afterwards: only the test's reset lease is there
    assert leases(db) == [("reset", "reset-held-by-test")]

"""Long local commands keep a job log alive (issue 14 item 1): without a terminal, a gold load
of a few thousand customers and a warehouse seeding print timestamped lines with no gap
over 10 s. The gaps are measured between the moments this test reads the lines, which is
what a job log shows; nothing here judges speed."""

from __future__ import annotations

import itertools
import re
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from conftest import POSTGRES
from support import warehouse_customers, write_scenario
from test_cli_operator import command, environment

from ims_refresh.settings import LocalDatabases, LocalEnvName
from ims_refresh.synthetic_warehouse import DEMO_AS_OF, build_warehouse
from training_refresh.env_names import EnvName

MAX_GAP_SECONDS = 10.0
CUSTOMERS = 3000
CHUNK = 25
"""Small chunks, so the load runs long enough to show its chunk counts."""
STAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ")


def read_with_arrival_times(
    arguments: list[str], env: dict[str, str], timeout: float = 600
) -> tuple[int, list[tuple[float, str]]]:
    """Run the CLI with stdout and stderr on one pipe (no terminal); each line with the
    monotonic time it was read, and the end of the process as a last empty line."""
    process = subprocess.Popen(
        command(*arguments),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    lines: list[tuple[float, str]] = [(time.monotonic(), "")]
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append((time.monotonic(), line.rstrip("\n")))
        code = process.wait()
    finally:
        timer.cancel()
    lines.append((time.monotonic(), ""))
    return code, lines


def largest_gap(lines: list[tuple[float, str]]) -> float:
    """The longest wait for the next line, from the first printed line to the exit."""
    printed = [at for at, text in lines[1:-1] if text.strip()]
    moments = [*printed, lines[-1][0]]
    return max(later - earlier for earlier, later in itertools.pairwise(moments))


@pytest.fixture
def warehouse_url() -> Iterator[str]:
    """An own warehouse database for the seeding test (dropped afterwards)."""
    name = f"ims_wh_test_{uuid.uuid4().hex[:10]}"
    yield POSTGRES + name
    with psycopg.connect(POSTGRES + "postgres", autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_gold_load_without_a_terminal_prints_a_line_at_least_every_10_seconds(
    tmp_path: Path, databases: LocalDatabases, warehouse_url: str
) -> None:
    # Given a warehouse of a few thousand customers, all of them in the scenario file
    build_warehouse(warehouse_url, CUSTOMERS, seed=4242, profile="demo")
    scenario = write_scenario(tmp_path / "s.csv", warehouse_customers(warehouse_url, CUSTOMERS))
    env = environment(
        databases,
        tmp_path,
        **{LocalEnvName.WAREHOUSE_URL: warehouse_url, EnvName.CUSTOMERS_PER_CHUNK: str(CHUNK)},
    )
    # When it is gold-loaded with its output going to a pipe
    code, lines = read_with_arrival_times(
        ["run", "gold-load", "--scenarios", str(scenario), "--as-of", DEMO_AS_OF.isoformat()],
        env,
    )
    texts = [text for _, text in lines]
    assert code == 0, "\n".join(texts)
    # Then no line waited longer than 10 s for the next, up to the end
    assert largest_gap(lines) <= MAX_GAP_SECONDS, "\n".join(texts)
    # And the progress lines are timestamped: the start, the plan, every config, chunk counts
    progress = [text for text in texts if STAMPED.match(text)]
    assert any(" started on this machine" in text for text in progress)
    chunks = CUSTOMERS // CHUNK
    assert any(f"in {chunks} chunk(s) each" in text for text in progress), progress
    assert sum(" loaded: IMS_" in text for text in progress) == 5, progress
    assert any(re.search(rf"\d+/{chunks} chunks", text) for text in progress), progress
    # And a running config's rows show as its chunks commit, not only once it is loaded
    assert any(re.search(rf"\d+/{chunks} chunks, [\d,]+ rows", text) for text in progress)
    # And the summary follows them, untimestamped
    assert any(text.startswith("gold load succeeded") for text in texts)
    assert "Traceback" not in "\n".join(texts)


def test_seeding_the_warehouse_without_a_terminal_prints_a_line_at_least_every_10_seconds(
    tmp_path: Path, databases: LocalDatabases, warehouse_url: str
) -> None:
    # Given a seed that lasts several heartbeats (HEARTBEAT_SECONDS) on any machine: on a
    # quiet one 12,000 customers were written within the first 5 seconds, before any status
    # line was due, and the test failed although nothing was wrong
    env = environment(databases, tmp_path, **{LocalEnvName.WAREHOUSE_URL: warehouse_url})
    code, lines = read_with_arrival_times(["seed-warehouse", "--customers", "40000"], env)
    texts = [text for _, text in lines]
    assert code == 0, "\n".join(texts)
    assert largest_gap(lines) <= MAX_GAP_SECONDS, "\n".join(texts)
    seeding = [text for text in texts if STAMPED.match(text) and " seeding " in text]
    assert seeding, texts
    assert any(re.search(r"[\d,]+ of 40,000 customers", text) for text in seeding), seeding
    assert any("ims_customer" in text for text in seeding)
    # And it ends with the readable summary: customers, rows, one line per table
    summary = next(i for i, text in enumerate(texts) if text.startswith("warehouse "))
    assert "40,000 customers" in texts[summary]
    assert any("oframe_prd_s.ims_customer" in text for text in texts[summary:])

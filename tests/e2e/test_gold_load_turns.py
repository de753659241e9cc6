"""Two gold loads started together take turns (issue 11 item 2): the second waits for the
first and the gold copies end as running them one after the other leaves them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import (
    gold_load_arguments,
    mysql_url_text,
    table_checksums,
    warehouse_customers,
    write_scenario,
)

from ims_refresh.settings import LocalEnvName, MySqlUrl
from ims_refresh.synthetic_warehouse import DEMO_AS_OF
from training_refresh.adapters.mysql import connect
from training_refresh.env_names import EnvName
from training_refresh.lease import live_leases
from training_refresh.table_groups import load_table_groups

GOLD_TABLES = [spec.gold_table for spec in load_table_groups().all_tables()]


@pytest.fixture
def sequential_db() -> Iterator[MySqlUrl]:
    url = MySqlUrl.parse(f"mysql://root@127.0.0.1:3306/ims_test_{uuid.uuid4().hex[:10]}")
    yield url
    with (
        connect(url.without_database(), workflow_session=False) as server,
        server.cursor() as c,
    ):
        c.execute(f"DROP DATABASE IF EXISTS `{url.database}`")


def gold_load(scenario: Path, reports: Path) -> list[str]:
    arguments = gold_load_arguments(reports, scenario, DEMO_AS_OF.isoformat(), "--json")
    return [sys.executable, "-m", "ims_refresh.cli", *arguments]


def env_for(training: MySqlUrl, warehouse_url: str) -> dict[str, str]:
    return {
        **os.environ,
        LocalEnvName.TRAINING_DB_URL: mysql_url_text(training),
        LocalEnvName.WAREHOUSE_URL: warehouse_url,
        EnvName.CUSTOMERS_PER_CHUNK: "10",
        EnvName.GOLD_LOAD_WAIT_SECONDS: "600",
        EnvName.LEASE_POLL_SECONDS: "0.2",
    }


def test_two_gold_loads_started_together_take_turns_and_lose_nothing(
    training_db: MySqlUrl, sequential_db: MySqlUrl, shared_warehouse_url: str, tmp_path: Path
) -> None:
    # Given two scenario files that share some customers
    customers = warehouse_customers(shared_warehouse_url, 100)
    scenarios = [
        write_scenario(tmp_path / "first.csv", customers[:60]),
        write_scenario(tmp_path / "second.csv", customers[40:]),
    ]
    # And what loading them one after the other leaves in another database
    for index, scenario in enumerate(scenarios):
        subprocess.run(
            gold_load(scenario, tmp_path / f"sequential-{index}"),
            env=env_for(sequential_db, shared_warehouse_url),
            check=True,
            capture_output=True,
            timeout=900,
        )
    expected = table_checksums(sequential_db, GOLD_TABLES)
    # When both are started together on one database
    processes = [
        subprocess.Popen(
            gold_load(scenario, tmp_path / f"together-{index}"),
            env=env_for(training_db, shared_warehouse_url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index, scenario in enumerate(scenarios)
    ]
    results = [process.communicate(timeout=900) for process in processes]
    # Then both succeed, and one of them waited for the other's turn
    for process, (_, stderr) in zip(processes, results, strict=True):
        assert process.returncode == 0, stderr[-2000:]
    waits = sorted(json.loads(stdout)["lease_wait_seconds"] for stdout, _ in results)
    assert waits[0] < 1 < waits[1], waits
    # And the gold copies equal what running them one after the other leaves
    assert table_checksums(training_db, GOLD_TABLES) == expected
    with connect(training_db, workflow_session=False) as connection:
        assert live_leases(connection) == []

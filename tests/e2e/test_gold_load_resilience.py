"""A gold load killed at a moment chosen by time (not by a step hook), and a large one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pymysql
import pytest
from support import gold_load_arguments, mysql_query, mysql_url_text, table_checksums

from ims_refresh.settings import LocalEnvName, MySqlUrl
from ims_refresh.synthetic_warehouse import DEMO_AS_OF, build_warehouse
from training_refresh.adapters.mysql import connect
from training_refresh.env_names import EnvName
from training_refresh.table_groups import load_table_groups

GOLD_TABLES = [spec.gold_table for spec in load_table_groups().all_tables()]
POSTGRES = "postgresql://postgres@127.0.0.1:5432/"


def cli_env(training: MySqlUrl, warehouse_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        LocalEnvName.TRAINING_DB_URL: mysql_url_text(training),
        LocalEnvName.WAREHOUSE_URL: warehouse_url,
        **extra,
    }


def gold_load_command(scenario: Path, report_dir: Path) -> list[str]:
    arguments = gold_load_arguments(report_dir, scenario, DEMO_AS_OF.isoformat())
    return [sys.executable, "-m", "ims_refresh.cli", *arguments]


@pytest.fixture
def second_training_db() -> Iterator[MySqlUrl]:
    url = MySqlUrl.parse(f"mysql://root@127.0.0.1:3306/ims_test_{uuid.uuid4().hex[:10]}")
    yield url
    with (
        connect(url.without_database(), workflow_session=False) as server,
        server.cursor() as c,
    ):
        c.execute(f"DROP DATABASE IF EXISTS `{url.database}`")


def all_customers(url: str) -> list[int]:
    with psycopg.connect(url) as connection:
        return [
            int(r[0])
            for r in connection.execute(
                "SELECT customer_no FROM oframe_prd_s.ims_customer ORDER BY 1"
            ).fetchall()
        ]


def build_rows(url: MySqlUrl) -> int:
    """Rows in the running load's build table of IMS_CUSTOMER_GOLD (0 before it exists)."""
    builds = mysql_query(url, "SHOW TABLES LIKE 'IMS\\_CUSTOMER\\_GOLD\\_\\_B%'")
    if not builds:
        return 0
    return int(mysql_query(url, f"SELECT COUNT(*) FROM `{builds[0][0]}`")[0][0])


def test_a_killed_load_changes_no_gold_copy_and_a_rerun_leaves_the_uninterrupted_result(
    training_db: MySqlUrl, second_training_db: MySqlUrl, shared_warehouse_url: str, tmp_path: Path
) -> None:
    # Given a scenario of 150 customers, loaded in chunks of 10
    customers = all_customers(shared_warehouse_url)[:150]
    scenario = tmp_path / "all.csv"
    scenario.write_text("customer_number\n" + "\n".join(map(str, customers)) + "\n", "utf-8")
    small_chunks = {EnvName.CUSTOMERS_PER_CHUNK: "10"}
    # And the result of an uninterrupted load into one database
    subprocess.run(
        gold_load_command(scenario, tmp_path / "r1"),
        env=cli_env(training_db, shared_warehouse_url, **small_chunks),
        check=True,
        capture_output=True,
        timeout=900,
    )
    expected = table_checksums(training_db, GOLD_TABLES)
    # When a load into another database is killed with SIGKILL part-way
    process = subprocess.Popen(
        gold_load_command(scenario, tmp_path / "r2"),
        env=cli_env(second_training_db, shared_warehouse_url, **small_chunks),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    built = 0
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        try:
            built = build_rows(second_training_db)
        except pymysql.MySQLError:
            built = 0
        if built >= 20:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the load finished before it could be killed"
    assert 0 < built < len(customers), "the kill did not land in the middle of the load"
    # Then no gold copy changed: every one is still empty
    counts = [mysql_query(second_training_db, f"SELECT COUNT(*) FROM `{t}`") for t in GOLD_TABLES]
    assert counts == [[(0,)]] * len(GOLD_TABLES)
    # When the same load is run again
    rerun = subprocess.run(
        gold_load_command(scenario, tmp_path / "r3"),
        env=cli_env(second_training_db, shared_warehouse_url, **small_chunks),
        capture_output=True,
        timeout=900,
        check=False,
        text=True,
    )
    # Then the gold copies equal the uninterrupted load's
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert table_checksums(second_training_db, GOLD_TABLES) == expected


@pytest.mark.slow
def test_ten_thousand_customers_over_twenty_thousand_keep_state_payloads_small(
    training_db: MySqlUrl, tmp_path: Path
) -> None:
    # Given a warehouse of 20,000 customers and a scenario of 10,000 of them
    name = f"ims_wh_test_{uuid.uuid4().hex[:10]}"
    url = POSTGRES + name
    try:
        build_warehouse(url, 20_000, seed=77, profile="demo")
        customers = all_customers(url)[::2]
        assert len(customers) == 10_000
        scenario = tmp_path / "big.csv"
        scenario.write_text("customer_number\n" + "\n".join(map(str, customers)) + "\n", "utf-8")
        # When it is gold-loaded
        completed = subprocess.run(
            gold_load_command(scenario, tmp_path / "reports"),
            env=cli_env(training_db, url),
            capture_output=True,
            text=True,
            timeout=3000,
            check=False,
        )
        # Then it succeeds, every customer is in the gold copy, and no state payload nears the limit
        assert completed.returncode == 0, completed.stderr[-3000:]
        report = json.loads(next((tmp_path / "reports").glob("gold-load-*.json")).read_text())
        assert report["customers"]["found"] == 10_000
        assert mysql_query(training_db, "SELECT COUNT(*) FROM IMS_CUSTOMER_GOLD")[0][0] == 10_000
        assert 0 < report["execution"]["largest_state_payload_bytes"] <= 64 * 1024
    finally:
        with psycopg.connect(POSTGRES + "postgres", autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

"""``ims-refresh start reset --customers`` against a "deployed" stack (the local runtime
plays it, as in ``test_start_commands``): the customers reach the reset state machine as
an uploaded scenario file, never as a list in the input."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from support import mysql_query, warehouse_customers, write_scenario
from test_start_commands import (  # noqa: F401 - fixtures
    AS_OF,
    FAST,
    deployed_environment,
    env_deployment,
    executions,
    scenario_objects,
    stack,
    step_hooks,
)

from ims_refresh.cli import main
from ims_refresh.local.runtime import REGION, LocalRuntime
from ims_refresh.settings import LocalDatabases


def test_start_reset_customers_uploads_them_and_restores_only_them(
    databases: LocalDatabases,
    env_deployment: LocalRuntime,  # noqa: F811 - fixture
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given gold copies of 6 customers, reset into training, and trainees' changes to two
    customers = warehouse_customers(databases.warehouse_url, 6)
    scenario = write_scenario(tmp_path / "s.csv", customers)
    load = ["start", "gold-load", "--scenarios", str(scenario), "--as-of", AS_OF, "--wait"]
    assert main([*load, *FAST]) == 0
    assert main(["start", "reset", "--wait", *FAST]) == 0
    restored, other = customers[0], customers[1]
    for number in (restored, other):
        mysql_query(databases.training, "SELECT 1")  # the connection works
        with_changes = f"UPDATE IMS_CUSTOMER SET CITY = 'X' WHERE CUSTOMER_NO = {number}"
        _execute(databases, with_changes)
    capsys.readouterr()
    # When a restore of one of them is started and followed
    code = main(["start", "reset", "--customers", str(restored), "--wait", *FAST])
    # Then it succeeds; only that customer is back to gold
    out, err = capsys.readouterr()
    assert code == 0, out + err
    city = "SELECT CITY FROM IMS_CUSTOMER WHERE CUSTOMER_NO = %s"
    gold_city = "SELECT CITY FROM IMS_CUSTOMER_GOLD WHERE CUSTOMER_NO = %s"
    assert mysql_query(databases.training, city, (restored,)) == mysql_query(
        databases.training, gold_city, (restored,)
    )
    assert mysql_query(databases.training, city, (other,)) == [("X",)]
    # And the execution input named an uploaded file (.upload: no trigger fires), no list
    sfn = boto3.client("stepfunctions", region_name=REGION)
    latest = executions(env_deployment, "reset")[0]
    given = json.loads(sfn.describe_execution(executionArn=latest["executionArn"])["input"])
    assert set(given) == {"customers"} and given["customers"].startswith("s3://")
    assert given["customers"].endswith("customers.csv.upload")
    assert [key for key in scenario_objects() if key.endswith("customers.csv.upload")]


def test_start_reset_bad_customers_exit_2_and_start_nothing(
    env_deployment: LocalRuntime,  # noqa: F811 - fixture
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", "utf-8")
    for arguments in (["--customers", "12,x"], ["--scenarios", str(empty)]):
        assert main(["start", "reset", *arguments]) == 2
        assert capsys.readouterr().err.startswith("ims-refresh: bad input:")
    assert executions(env_deployment, "reset") == []


def _execute(databases: LocalDatabases, sql: str) -> None:
    from reset_support import connect

    with connect(databases.training) as connection, connection.cursor() as cursor:
        cursor.execute(sql)

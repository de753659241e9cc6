"""The gold-load handlers: events in, JSON out with the field names the ASL reads."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from fakes.lambda_context import LambdaContext
from fakes.mysql import Connector, no_database
from fakes.object_store import MemoryObjectStore
from fakes.warehouse import CustomerMaster, RecordingWarehouse
from pydantic import ValidationError

from training_refresh.env_names import EnvName
from training_refresh.errors import ConfigurationError, InvalidAsOfDateError
from training_refresh.handlers import gold_load
from training_refresh.handlers.dependencies import Dependencies, TrainingDbConnector
from training_refresh.registry import TASKS
from training_refresh.table_groups import load_table_groups

STEP = {task.handler: task.name for task in TASKS}
EXECUTION = {"name": "gold-load-1", "start_time": "2026-11-22T10:00:00+00:00"}
CUS_EMAIL = load_table_groups().group("cus_email").tables[0]


def fakes(store: MemoryObjectStore, warehouse: Any = None, connect: Any = no_database):
    return Dependencies(
        object_store=lambda: store,
        warehouse=lambda time_left: warehouse or CustomerMaster(),
        connect_mysql=connect,
        today=lambda: date(2026, 11, 22),
    )


def test_plan_returns_the_plan_the_state_machine_maps_over(
    context: LambdaContext, work_bucket: str
) -> None:
    # Given a scenario file and a warehouse that knows customers 1..100
    store = MemoryObjectStore({("in", "s.csv"): b"customer_number\n1\n2\n3\n500\n"})
    event = {
        "request": {"scenarios": "s3://in/s.csv", "as_of": "2026-06-30", "dry_run": True},
        "execution": EXECUTION,
    }
    # When the plan handler runs a preview
    result = gold_load.plan(event, context, dependencies=fakes(store))
    # Then it returns JSON with what the Map reads, and its step's name
    assert result["step"] == STEP["training_refresh.handlers.gold_load.plan"]
    assert result["configs"] == [group.name for group in load_table_groups().enabled_groups()]
    assert (result["run_id"], result["as_of"], result["dry_run"]) == (
        "gold-load-1",
        "2026-06-30",
        True,
    )
    assert (result["customers_found"], result["customers_missing"]) == (3, 1)
    # And the customers went to the work bucket of its environment
    assert json.loads(store.objects[(work_bucket, result["customers_key"])])["customers"] == [
        1,
        2,
        3,
    ]
    json.dumps(result)


def test_plan_rejects_bad_input_with_the_error_the_state_machine_sees(
    context: LambdaContext,
) -> None:
    store = MemoryObjectStore({("in", "s.csv"): b"1\n"})
    event = {
        "request": {"scenarios": "s3://in/s.csv", "as_of": "2026-13-01"},
        "execution": EXECUTION,
    }
    with pytest.raises(InvalidAsOfDateError):
        gold_load.plan(event, context, dependencies=fakes(store))
    assert set(store.objects) == {("in", "s.csv")}


def test_load_is_called_again_with_its_own_result_until_done(
    context: LambdaContext, work_bucket: str
) -> None:
    # Given a preview of one config over five customers in chunks of two
    store = MemoryObjectStore(
        {
            (
                work_bucket,
                "work/gold-load/gold-load-1/customers.json",
            ): b'{"customers": [1, 2, 3, 4, 5]}'
        }
    )
    warehouse = RecordingWarehouse(CUS_EMAIL.columns)
    event: dict[str, Any] = {"config": "cus_email", "run_id": "gold-load-1", "as_of": "2026-06-30",
                             "chunk_size": 2, "dry_run": True, "next_chunk": 0}  # fmt: skip
    # When the handler runs as the state machine's loop does (its output is its next input)
    context.remaining_seconds = 60.0  # no time beyond the first chunk (60 s margin)
    results = []
    while not results or not results[-1]["done"]:
        results.append(gold_load.load(event, context, dependencies=fakes(store, warehouse)))
        event = results[-1]
        context = LambdaContext()
    # Then each call advanced next_chunk and the last one is done, with the totals
    assert [r["next_chunk"] for r in results] == [1, 3]
    assert [r["status"] for r in results] == ["loading", "loaded"]
    assert {r["step"] for r in results} == {STEP["training_refresh.handlers.gold_load.load"]}
    assert set(results[-1]["tables"]["IMS_CUS_EMAIL"]) == {
        "rows_read",
        "rows_written",
        "rows_replaced",
        "data_quality",
    }


def test_load_refuses_an_event_that_is_not_a_config_task(context: LambdaContext) -> None:
    with pytest.raises(ValidationError):
        gold_load.load({"config": "cus_email"}, context, dependencies=fakes(MemoryObjectStore()))


def _report_event() -> dict[str, Any]:
    return {
        "execution": EXECUTION,
        "state": {
            "scenarios": "s3://in/s.csv",
            "as_of": "x",
            "plan_error": {
                "Error": "InvalidAsOfDateError",
                "Cause": json.dumps({"errorMessage": "as-of date 'x' is not YYYY-MM-DD"}),
            },
        },
    }


def test_report_writes_the_report_and_returns_what_the_last_choice_reads(
    context: LambdaContext,
    work_bucket: str,
) -> None:
    # Given a run whose plan rejected its input, and a database that cannot be reached
    store = MemoryObjectStore()
    connect = Connector(error=ConnectionRefusedError("no route"))
    # When the report handler runs
    outcome = gold_load.report(_report_event(), context, dependencies=fakes(store, connect=connect))
    # Then the outcome has the fields the Choice and Fail states read
    assert outcome["status"] == "bad_input"
    assert outcome["error_name"] == "InvalidAsOfDateError"
    assert outcome["summary"].startswith("gold load rejected its input")
    assert outcome["step"] == STEP["training_refresh.handlers.gold_load.report"]
    assert outcome["report"] == f"s3://{work_bucket}/reports/gold-load/gold-load-1.json"
    # And the report is written though the lease could not be released
    report = json.loads(store.objects[(work_bucket, "reports/gold-load/gold-load-1.json")])
    assert "expires on its own" in report["warnings"][0]
    assert connect.calls == 1


def test_report_is_written_when_the_database_secret_is_not_configured(
    context: LambdaContext,
    work_bucket: str,
) -> None:
    # Given the production connection (secret read only when it connects) and no secret set
    store = MemoryObjectStore()
    dependencies = Dependencies(object_store=lambda: store)
    # When the report handler runs
    outcome = gold_load.report(_report_event(), context, dependencies=dependencies)
    # Then the report is there, warning that the lease was not released
    report = json.loads(store.objects[(work_bucket, "reports/gold-load/gold-load-1.json")])
    assert outcome["status"] == "bad_input"
    assert f"({ConfigurationError.__name__})" in report["warnings"][0]
    # And it names no training database (the settings could not be read)
    assert report["training_database"] is None


def test_report_names_the_training_database_from_the_settings_and_the_secret(
    context: LambdaContext,
    work_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the stack's variables (the host from the environment) and the RDS secret
    monkeypatch.setenv(EnvName.TRAINING_DB_SECRET_ARN, "arn:aws:secretsmanager:eu:1:secret:db")
    monkeypatch.setenv(EnvName.TRAINING_DB_HOST, "ims.cluster.eu-west-1.rds.amazonaws.com")
    secret = {"username": "ims", "password": "pw", "port": 3307, "dbname": "ims_training"}
    connector = TrainingDbConnector(read_secret=lambda settings, fresh: secret)
    store = MemoryObjectStore()
    dependencies = Dependencies(
        object_store=lambda: store,
        connect_mysql=Connector(error=ConnectionRefusedError("no route")),
        training_database=connector.describe,
    )
    # When the report handler runs
    gold_load.report(_report_event(), context, dependencies=dependencies)
    # Then the report names host, port and database, and no credential
    text = store.objects[(work_bucket, "reports/gold-load/gold-load-1.json")].decode("utf-8")
    report = json.loads(text)
    assert (
        report["training_database"] == "ims.cluster.eu-west-1.rds.amazonaws.com:3307/ims_training"
    )
    assert '"pw"' not in text

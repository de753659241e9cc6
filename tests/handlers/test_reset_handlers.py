"""The reset handlers: events in, JSON out; MySQL's errors as the names the ASL matches."""

from __future__ import annotations

import json
from typing import Any

import pymysql
import pytest
from fakes.lambda_context import LambdaContext
from fakes.mysql import Connector, RejectingConnection
from fakes.object_store import MemoryObjectStore
from pydantic import ValidationError

from training_refresh.errors import (
    TrainingDatabaseBusyError,
    TrainingDatabaseError,
    UnknownTableError,
)
from training_refresh.handlers import reset
from training_refresh.handlers.dependencies import Dependencies
from training_refresh.registry import TASKS

STEP = {task.handler: task.name for task in TASKS}
EXECUTION = {"name": "reset-1", "start_time": "2026-11-22T10:00:00+00:00"}


def fakes(connect: Connector, store: MemoryObjectStore | None = None) -> Dependencies:
    return Dependencies(object_store=lambda: store or MemoryObjectStore(), connect_mysql=connect)


def test_prepare_rejects_an_unknown_table_before_connecting(context: LambdaContext) -> None:
    connect = Connector(error=AssertionError("must not connect"))
    event = {"request": {"tables": ["IMS_ORDER", "ims_order"]}, "execution": EXECUTION}
    with pytest.raises(UnknownTableError, match="'ims_order'"):
        reset.prepare(event, context, dependencies=fakes(connect))
    assert connect.calls == 0


def test_a_value_mysql_rejects_never_reaches_the_error_of_a_copy(context: LambdaContext) -> None:
    # Given a database that refuses the copy's statements, quoting the offending value
    rejected = pymysql.err.IntegrityError(1062, "Duplicate entry '90022' for key 'PRIMARY'")
    connection = RejectingConnection(rejected)
    # When the copy handler runs
    with pytest.raises(TrainingDatabaseError) as raised:
        reset.copy(
            {"run_id": "reset-1", "table": "IMS_ORDER"},
            context,
            dependencies=fakes(Connector(connection)),
        )
    # Then the error (the Step Functions cause) names the error but not the value
    assert "MySQL error 1062: Duplicate entry '<redacted>' for key 'PRIMARY'" in str(raised.value)
    assert "90022" not in str(raised.value)
    assert connection.events[-1] == "close"


def test_a_copy_event_with_unknown_fields_is_refused(context: LambdaContext) -> None:
    connect = Connector(error=AssertionError("must not connect"))
    with pytest.raises(ValidationError):
        reset.copy(
            {"run_id": "r", "table": "IMS_ORDER", "x": 1}, context, dependencies=fakes(connect)
        )


def test_a_lock_wait_during_the_swap_is_the_retryable_busy_error(context: LambdaContext) -> None:
    # Given a database where every statement times out waiting for a lock
    waiting = pymysql.err.OperationalError(1205, "Lock wait timeout exceeded")
    connection = RejectingConnection(waiting)
    # When the swap handler runs, Then it fails with the error the ASL retries
    with pytest.raises(TrainingDatabaseBusyError, match="MySQL error 1205"):
        reset.swap(
            {"run_id": "reset-1", "tables": ["IMS_ORDER"]},
            context,
            dependencies=fakes(Connector(connection)),
        )


def test_report_of_bad_input_releases_nothing_and_returns_the_outcome(
    context: LambdaContext,
    work_bucket: str,
) -> None:
    # Given a reset whose prepare step rejected its input
    store = MemoryObjectStore()
    connect = Connector(error=AssertionError("must not connect"))
    cause = json.dumps({"errorMessage": "not a configured training table: 'x'"})
    event: dict[str, Any] = {
        "execution": EXECUTION,
        "state": {"tables": ["x"], "prepare_error": {"Error": "UnknownTableError", "Cause": cause}},
    }
    # When the report handler runs
    outcome = reset.report(event, context, dependencies=fakes(connect, store))
    # Then the outcome is what the last Choice reads, the report is written, nobody connected
    assert (outcome["status"], outcome["error_name"]) == ("bad_input", "UnknownTableError")
    assert outcome["step"] == STEP["training_refresh.handlers.reset.report"]
    report = json.loads(store.objects[(work_bucket, "reports/reset/reset-1.json")])
    assert report["requested_tables"] == ["x"]
    assert report["errors"][0]["step"] == "prepare"
    assert connect.calls == 0

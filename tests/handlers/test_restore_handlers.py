"""The restore's handlers called as Lambda calls them, with fakes injected."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fakes.lambda_context import LambdaContext
from fakes.mysql import Connector
from fakes.object_store import MemoryObjectStore

from training_refresh.errors import BadInputError, ScenarioFileError
from training_refresh.handlers import restore
from training_refresh.handlers.dependencies import Dependencies

EXECUTION = {"name": "restore-1", "start_time": "2026-12-06T10:00:00+00:00"}


def fakes(connect: Connector, store: MemoryObjectStore) -> Dependencies:
    return Dependencies(object_store=lambda: store, connect_mysql=connect)


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        ({"customers": "s3://scenarios/empty.csv"}, ScenarioFileError),
        ({"customers": "s3://scenarios/ok.csv", "tables": ["IMS_ORDER"]}, BadInputError),
        ({"customers": ["1", "2"]}, BadInputError),
    ],
    ids=["empty file", "with tables", "a list, not an S3 key"],
)
def test_a_bad_request_is_refused_before_connecting(
    context: LambdaContext, request_: dict[str, Any], error: type[Exception]
) -> None:
    store = MemoryObjectStore()
    store.put_bytes("scenarios", "empty.csv", b"customer_number\n", "text/csv")
    store.put_bytes("scenarios", "ok.csv", b"customer_number\n12\n", "text/csv")
    connect = Connector(error=AssertionError("must not connect"))
    event = {"request": request_, "execution": EXECUTION}
    with pytest.raises(error):
        restore.restore(event, context, dependencies=fakes(connect, store))
    assert connect.calls == 0


def test_report_of_customers_not_in_gold_is_bad_input_and_gives_the_lease_back(
    context: LambdaContext, work_bucket: str
) -> None:
    # Given a restore whose step found none of the customers in the gold copies
    store = MemoryObjectStore()
    connect = Connector(error=ConnectionRefusedError("database down"))
    cause = json.dumps({"errorMessage": "none of the 2 customer(s) ... is in the gold copies"})
    event = {
        "execution": EXECUTION,
        "state": {
            "customers": "s3://scenarios/c.csv",
            "restore_error": {"Error": "CustomersNotInGoldError", "Cause": cause},
        },
    }
    # When the report handler runs (the database cannot be reached to release the lease)
    outcome = restore.report(event, context, dependencies=fakes(connect, store))
    # Then the outcome is bad input, the report says why, and the release was tried
    assert (outcome["status"], outcome["error_name"]) == ("bad_input", "CustomersNotInGoldError")
    assert outcome["step"] == "write-restore-report"
    report = json.loads(store.objects[(work_bucket, "reports/reset/restore-1.json")])
    assert report["mode"] == "restore" and report["customers_file"] == "s3://scenarios/c.csv"
    assert report["lease_released"] is False
    assert "could not release the reset lease" in report["warnings"][0]
    assert connect.calls == 1

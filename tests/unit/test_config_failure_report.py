"""A failed config's run report lists per table what was read, what failed and why
(issue 12 item 3), from what the failing load call recorded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fakes.mysql import no_database, unreachable_database
from fakes.object_store import MemoryObjectStore
from fakes.warehouse import RecordingWarehouse

from training_refresh.adapters.object_store import put_json
from training_refresh.errors import TrainingDatabaseError, WarehouseQueryError
from training_refresh.gold_load.config_failure import record_failure
from training_refresh.gold_load.load import load_config
from training_refresh.gold_load.report import build_report
from training_refresh.gold_load.work import WorkLocations
from training_refresh.messages.gold_load import ConfigTask, GoldLoadReportEvent, TableCounts
from training_refresh.table_groups import load_table_groups

WORK = WorkLocations("work", "run-1")
PLAN = {
    "run_id": "run-1",
    "as_of": "2026-06-30",
    "scenario_file": "s3://in/s.csv",
    "configs": ["order_auth"],
    "customers_key": "work/gold-load/run-1/customers.json",
    "chunk_size": 2,
    "chunk_count": 3,
    "customers_requested": 5,
    "customers_found": 5,
    "customers_missing": 0,
    "missing_sample": [],
    "dry_run": False,
    "lease_wait_seconds": 0.0,
    "started_at": "2026-11-22T10:00:00+00:00",
}
AUTH_REFUSED = (
    "chunk 2 of 3, IMS_AUTH: config order_auth, IMS_AUTH: MySQL error 1406: Data too long "
    "for column 'AUTH_CODE'; refused 1 of the 4 row(s) of one INSERT, key columns auth_id: "
    "keys (auth_id=31)"
)


def failure(config: str, name: str, message: str, **fields: Any) -> dict[str, Any]:
    """What ``Record config failure`` keeps of a config whose call failed."""
    cause = json.dumps({"errorType": name, "errorMessage": message, "stackTrace": []})
    return {
        "config": config,
        "status": "failed",
        "error": {"Error": name, "Cause": cause},
        **fields,
    }


def report_of(store: MemoryObjectStore, *results: dict[str, Any]) -> dict[str, Any]:
    event = {"execution": {"name": "run-1"}, "state": {"planned": {"plan": PLAN},
             "config_results": list(results)}}  # fmt: skip
    build_report(
        GoldLoadReportEvent.model_validate(event),
        store=store,
        work_bucket="work",
        connect_mysql=unreachable_database,
        table_groups=load_table_groups(),
    )
    return dict(json.loads(store.objects[("work", "reports/gold-load/run-1.json")]))


def test_the_failed_table_carries_the_error_and_the_others_say_what_was_read() -> None:
    # Given a call of order_auth that loaded chunk 1 (3 orders, 4 auths), then read 2
    # orders and 4 auths of chunk 2 before MySQL refused an auth, and recorded that
    store = MemoryObjectStore()
    record_failure(
        store,
        WORK,
        "order_auth",
        TrainingDatabaseError(AUTH_REFUSED),
        chunks_loaded=1,
        tables={"IMS_ORDER": TableCounts().plus(3, 3, 0), "IMS_AUTH": TableCounts().plus(4, 4, 0)},
        failing_chunk_rows_read={"IMS_ORDER": 2, "IMS_AUTH": 4},
    )
    # When the report is written for the failure Step Functions kept (the call started at
    # chunk 1, so it carries no totals)
    report = report_of(store, failure("order_auth", "TrainingDatabaseError", AUTH_REFUSED))
    # Then every table is listed: the orders read (and rolled back), the auths failed with
    # the error; the totals and chunks are those of the failing call
    (config,) = report["configs"]
    assert (config["failed_chunk"], config["failed_table"], config["chunks_loaded"]) == (
        2,
        "IMS_AUTH",
        1,
    )
    assert config["tables"]["IMS_ORDER"] == {
        "rows_read": 3, "rows_written": 3, "rows_replaced": 0,
        "data_quality": config["tables"]["IMS_ORDER"]["data_quality"],
        "status": "read", "failing_chunk_rows_read": 2,
    }  # fmt: skip
    auth = config["tables"]["IMS_AUTH"]
    assert (auth["status"], auth["failing_chunk_rows_read"], auth["rows_read"]) == ("failed", 4, 4)
    assert auth["error"] == {"name": "TrainingDatabaseError", "message": AUTH_REFUSED}


def test_a_file_an_earlier_attempt_left_is_not_taken_for_the_last_failure() -> None:
    # Given a file recorded for another error (an attempt the workflow retried), then a
    # failure of a call that started at chunk 2 with totals and recorded nothing
    store = MemoryObjectStore()
    record_failure(
        store,
        WORK,
        "order_auth",
        TrainingDatabaseError("chunk 2 of 3: an earlier attempt"),
        chunks_loaded=1,
        tables={"IMS_ORDER": TableCounts().plus(99, 99, 0)},
        failing_chunk_rows_read={"IMS_ORDER": 99},
    )
    started = {"IMS_ORDER": TableCounts().plus(3, 3, 0).model_dump()}
    last = failure("order_auth", "TrainingDatabaseError", AUTH_REFUSED, next_chunk=1,
                   tables=started)  # fmt: skip
    # When the report is written
    (config,) = report_of(store, last)["configs"]
    # Then it shows the totals the call started from, every table of the config, and marks
    # only the failed one (what the chunk read of the others is not known)
    assert config["chunks_loaded"] == 1
    assert config["tables"]["IMS_ORDER"]["rows_read"] == 3
    assert "status" not in config["tables"]["IMS_ORDER"]
    assert config["tables"]["IMS_AUTH"]["status"] == "failed"
    assert "failing_chunk_rows_read" not in config["tables"]["IMS_AUTH"]


def test_a_config_that_failed_in_its_first_call_without_a_file_still_lists_its_tables() -> None:
    # Given a first call that failed before it could record anything (a Lambda timeout)
    timeout = failure("order_auth", "Sandbox.Timedout", "Task timed out after 900 seconds")
    # When the report is written
    (config,) = report_of(MemoryObjectStore(), timeout)["configs"]
    # Then the config's tables are listed with zero counts, none marked: no table is named
    assert sorted(config["tables"]) == ["IMS_AUTH", "IMS_ORDER"]
    assert all("status" not in table for table in config["tables"].values())


def test_the_load_step_records_what_its_failing_call_did_under_the_error_it_raises() -> None:
    # Given a preview of cus_email over customers 1..5 in chunks of 2 whose second chunk's
    # statement fails
    store = MemoryObjectStore()
    put_json(store, WORK.customers, {"customers": [1, 2, 3, 4, 5]})
    spec = load_table_groups().group("cus_email").tables[0]
    task = ConfigTask(config="cus_email", run_id="run-1", as_of="2026-06-30", chunk_size=2,
                      dry_run=True)  # fmt: skip
    # When the config is loaded
    with pytest.raises(WarehouseQueryError) as raised:
        load_config(
            task,
            store=store,
            work_bucket="work",
            warehouse=RecordingWarehouse(spec.columns, failing_chunks=(3,)),
            connect_mysql=no_database,
            table_groups=load_table_groups(),
            has_time_for=lambda seconds: True,
        )
    # Then the work file holds the error as raised, the chunk loaded before it and what
    # the failing chunk had read (nothing: its statement failed)
    recorded = json.loads(store.objects[("work", WORK.failure("cus_email").key)])
    assert recorded["error"] == {"name": "WarehouseQueryError", "message": str(raised.value)}
    assert recorded["chunks_loaded"] == 1
    assert recorded["tables"]["IMS_CUS_EMAIL"]["rows_read"] == 0
    assert recorded["failing_chunk_rows_read"] == {}

"""The gold-load steps with fake adapters: validation before any work, and the report."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date

import pytest

from training_refresh.errors import (
    InvalidAsOfDateError,
    ScenarioFileError,
    UnknownTableError,
    WarehouseQueryError,
)
from training_refresh.gold_load import WorkLocations, build_report, load_config, plan_gold_load
from training_refresh.object_store import ObjectMissingError, put_json
from training_refresh.table_configs import load_table_configs
from training_refresh.warehouse import ResultPage

TODAY = date(2026, 11, 22)


class FakeStore:
    def __init__(self, objects: dict[tuple[str, str], bytes] | None = None) -> None:
        self.objects = dict(objects or {})

    def get_bytes(self, bucket: str, key: str, max_bytes: int) -> bytes:
        if (bucket, key) not in self.objects:
            raise ObjectMissingError(f"s3://{bucket}/{key} does not exist")
        return self.objects[(bucket, key)]

    def put_bytes(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        self.objects[(bucket, key)] = body


class FakeWarehouse:
    """Knows customers 1..100; records every statement it is sent."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def query(self, sql: str, parameters: Mapping[str, str] | None = None) -> Iterator[ResultPage]:
        self.statements.append(sql)
        inside = sql.split("IN (", 1)[1].split(")", 1)[0]
        known = [(int(n),) for n in inside.split(",") if int(n) <= 100]
        yield ResultPage(columns=("customer_no",), rows=known)


def no_database():
    raise AssertionError("the training database must not be touched here")


def unreachable_database():
    raise ConnectionRefusedError("no MySQL in unit tests")


def plan(request: dict, store: FakeStore, warehouse: FakeWarehouse, chunk_size: int = 2) -> dict:
    return plan_gold_load(
        request,
        run_id="run-1",
        work_bucket="work",
        store=store,
        warehouse=warehouse,
        connect_mysql=no_database,
        configs=load_table_configs(),
        today=TODAY,
        chunk_size=chunk_size,
    )


def test_plan_stores_found_customers_in_s3_and_keeps_the_payload_small() -> None:
    # Given a scenario with known, unknown and duplicate customers
    store = FakeStore({("in", "s.csv"): b"customer_number\n5\n3\n3\n100000\n1\n"})
    warehouse = FakeWarehouse()
    # When a preview is planned (a real load also takes its lease: see the e2e tests)
    result = plan(
        {"scenarios": "s3://in/s.csv", "as_of": "2026-06-30", "dry_run": True}, store, warehouse
    )
    # Then found customers go to S3, not into the state, and are chunked
    stored = json.loads(store.objects[("work", result["customers_key"])])
    assert stored == {"as_of": "2026-06-30", "customers": [1, 3, 5]}
    assert result["customers_requested"] == 4
    assert result["customers_missing"] == 1
    assert result["missing_sample"] == [100000]
    assert result["chunk_count"] == 2
    assert len(json.dumps(result)) < 2_000


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        ({"scenarios": "s3://in/s.csv", "as_of": "2026-02-30"}, InvalidAsOfDateError),
        ({"scenarios": "s3://in/s.csv", "as_of": "2026-11-23"}, InvalidAsOfDateError),
        (
            {"scenarios": "s3://in/s.csv", "as_of": "2026-06-30", "tables": ["nope"]},
            UnknownTableError,
        ),
        ({"scenarios": "s3://in/missing.csv", "as_of": "2026-06-30"}, ScenarioFileError),
        ({"scenarios": "s3://in/bad.csv", "as_of": "2026-06-30"}, ScenarioFileError),
    ],
)
def test_bad_requests_fail_before_anything_is_queried_or_written(request_, error) -> None:
    # Given a store with one bad scenario file
    store = FakeStore({("in", "s.csv"): b"1\n", ("in", "bad.csv"): b"1\nabc\n"})
    warehouse = FakeWarehouse()
    # When an unusable request is planned, Then it is rejected and nothing happened
    with pytest.raises(error):
        plan(request_, store, warehouse)
    assert warehouse.statements == []
    assert set(store.objects) == {("in", "s.csv"), ("in", "bad.csv")}


def _report(state: dict) -> tuple[dict, dict]:
    store = FakeStore()
    outcome = build_report(
        {"execution": {"name": "run-1", "start_time": "2026-11-22T10:00:00+00:00"}, "state": state},
        store=store,
        work_bucket="work",
        connect_mysql=unreachable_database,
    )
    return outcome, json.loads(store.objects[("work", "reports/gold-load/run-1.json")])


PLAN = {
    "plan": {
        "as_of": "2026-06-30",
        "customers_requested": 3,
        "customers_found": 2,
        "customers_missing": 1,
        "missing_sample": [9],
    }
}


def test_report_of_a_partly_failed_load_names_the_failed_config_and_its_error() -> None:
    # Given one loaded and one failed config
    state = {
        "planned": PLAN,
        "config_results": [
            {
                "config": "customer",
                "status": "loaded",
                "tables": {"IMS_CUSTOMER": {"rows_read": 2}},
            },
            {
                "config": "mason_crn",
                "status": "failed",
                "error": {
                    "Error": "WarehouseQueryError",
                    "Cause": json.dumps(
                        {"errorType": "WarehouseQueryError", "errorMessage": "no table"}
                    ),
                },
            },
        ],
    }
    # When the report is written
    outcome, report = _report(state)
    # Then the outcome fails and the report names config, error and message
    assert outcome["status"] == "failed"
    assert outcome["failed_configs"] == ["mason_crn"]
    assert report["errors"] == [
        {"config": "mason_crn", "name": "WarehouseQueryError", "message": "no table"}
    ]
    assert report["customers"]["missing_sample"] == [9]


def test_report_of_bad_input_says_so() -> None:
    state = {
        "scenarios": "s3://in/s.csv",
        "as_of": "x",
        "plan_error": {
            "Error": "InvalidAsOfDateError",
            "Cause": json.dumps({"errorMessage": "as-of date 'x' is not YYYY-MM-DD"}),
        },
    }
    outcome, report = _report(state)
    assert outcome["status"] == "bad_input"
    assert outcome["error_name"] == "InvalidAsOfDateError"
    assert report["errors"][0]["message"] == "as-of date 'x' is not YYYY-MM-DD"


def test_report_is_written_even_when_the_lease_cannot_be_released() -> None:
    # Given a database that cannot be reached, When the report step runs
    outcome, report = _report({"planned": PLAN, "config_results": []})
    # Then the report is written and warns that the lease will expire on its own
    assert outcome["status"] == "succeeded"
    assert "expires on its own" in report["warnings"][0]


def test_report_of_a_clean_load_succeeds() -> None:
    outcome, report = _report(
        {"planned": PLAN, "config_results": [{"config": "customer", "status": "loaded"}]}
    )
    assert outcome["status"] == "succeeded"
    assert report["errors"] == []


class StartedExtraction:
    """A submitted statement of RecordingWarehouse: it logs being collected or abandoned."""

    def __init__(self, warehouse: RecordingWarehouse, chunk: int) -> None:
        self.warehouse = warehouse
        self.chunk = chunk
        self.collected = False

    def result(self) -> Iterator[ResultPage]:
        self.collected = True
        self.warehouse.events.append(("result", self.chunk))
        if self.chunk in self.warehouse.failing_chunks:
            raise WarehouseQueryError(f"statement of chunk {self.chunk} FAILED")
        return iter([ResultPage(columns=CUS_EMAIL.columns, rows=[])])

    def abandon(self) -> None:
        if not self.collected:
            self.warehouse.events.append(("abandon", self.chunk))


class RecordingWarehouse:
    """Logs when each chunk's extraction is submitted, collected and abandoned; a chunk is
    named by its first customer number."""

    def __init__(self, failing_chunks: tuple[int, ...] = ()) -> None:
        self.events: list[tuple[str, int]] = []
        self.failing_chunks = failing_chunks

    def query(self, sql: str, parameters: Mapping[str, str] | None = None) -> Iterator[ResultPage]:
        raise AssertionError("a load submits its statements with start()")

    def start(self, sql: str, parameters: Mapping[str, str] | None = None) -> StartedExtraction:
        first_customer = int(sql.split("IN (", 1)[1].split(",", 1)[0].split(")", 1)[0])
        self.events.append(("start", first_customer))
        return StartedExtraction(self, first_customer)


CUS_EMAIL = load_table_configs().config("cus_email").tables[0]


def load_preview(warehouse: RecordingWarehouse, has_time_for) -> dict:
    """A preview (dry run: no MySQL) of config cus_email over customers 1..5 in chunks of 2."""
    store = FakeStore()
    put_json(store, WorkLocations("work", "run-1").customers, {"customers": [1, 2, 3, 4, 5]})
    task = {"config": "cus_email", "run_id": "run-1", "as_of": "2026-06-30", "chunk_size": 2,
            "dry_run": True}  # fmt: skip
    return load_config(
        task,
        store=store,
        work_bucket="work",
        warehouse=warehouse,
        connect_mysql=no_database,
        configs=load_table_configs(),
        has_time_for=has_time_for,
    )


def test_the_next_chunk_is_submitted_before_the_current_one_is_read() -> None:
    # Given a warehouse that logs statements, and time for everything
    warehouse = RecordingWarehouse()
    # When a config of three chunks is loaded
    result = load_preview(warehouse, has_time_for=lambda seconds: True)
    # Then each chunk's statement was already running while the one before it was read
    assert result["done"] is True
    assert warehouse.events == [
        ("start", 1), ("start", 3), ("result", 1),
        ("start", 5), ("result", 3),
        ("result", 5),
    ]  # fmt: skip


def test_a_chunk_submitted_ahead_is_abandoned_when_time_runs_out() -> None:
    # Given time for the look-ahead during the first chunk but not for a second chunk
    answers = iter([True, False])
    warehouse = RecordingWarehouse()
    # When the config is loaded
    result = load_preview(warehouse, has_time_for=lambda seconds: next(answers))
    # Then the second chunk's statement is cancelled and the next invocation starts there
    assert result["next_chunk"] == 1
    assert result["done"] is False
    assert warehouse.events == [("start", 1), ("start", 3), ("result", 1), ("abandon", 3)]


def test_a_chunk_submitted_ahead_is_abandoned_when_the_current_one_fails() -> None:
    # Given a warehouse whose first chunk's statement fails
    warehouse = RecordingWarehouse(failing_chunks=(1,))
    # When the config is loaded, the error surfaces
    with pytest.raises(WarehouseQueryError):
        load_preview(warehouse, has_time_for=lambda seconds: True)
    # And the statement submitted ahead for the second chunk was cancelled
    assert warehouse.events == [("start", 1), ("start", 3), ("result", 1), ("abandon", 3)]

"""The gold-load steps with fake adapters: validation before any work, and the report."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fakes.mysql import no_database, unreachable_database
from fakes.object_store import MemoryObjectStore
from fakes.warehouse import CustomerMaster, RecordingWarehouse

from training_refresh.adapters.object_store import put_json
from training_refresh.errors import (
    InvalidAsOfDateError,
    ScenarioFileError,
    UnknownTableError,
    WarehouseQueryError,
)
from training_refresh.gold_load.failure_place import FailurePlace, failing_at, place_of
from training_refresh.gold_load.load import load_config
from training_refresh.gold_load.plan import (
    EXISTENCE_CHECK_CUSTOMERS,
    EXISTENCE_CHECKS_IN_FLIGHT,
    plan_gold_load,
)
from training_refresh.gold_load.report import build_report
from training_refresh.gold_load.work import WorkLocations
from training_refresh.messages.gold_load import (
    ConfigTask,
    GoldLoadPlan,
    GoldLoadReportEvent,
    PlanGoldLoadEvent,
)
from training_refresh.table_groups import load_table_groups

TODAY = date(2026, 11, 22)


def plan(
    request: dict, store: MemoryObjectStore, warehouse: CustomerMaster, chunk_size: int = 2
) -> GoldLoadPlan:
    return plan_gold_load(
        PlanGoldLoadEvent.model_validate({"request": request, "execution": {"name": "run-1"}}),
        work_bucket="work",
        store=store,
        warehouse=warehouse,
        connect_mysql=no_database,
        table_groups=load_table_groups(),
        today=TODAY,
        chunk_size=chunk_size,
    )


def test_plan_stores_found_customers_in_s3_and_keeps_the_payload_small() -> None:
    # Given a scenario with known, unknown and duplicate customers, some with a label
    store = MemoryObjectStore(
        {("in", "s.csv"): b"customer_number,label\n5,late\n3\n3,x\n100000,gone\n1\n"}
    )
    warehouse = CustomerMaster()
    # When a preview is planned (a real load also takes its lease: see the e2e tests)
    result = plan(
        {"scenarios": "s3://in/s.csv", "as_of": "2026-06-30", "dry_run": True}, store, warehouse
    )
    # Then found customers go to S3 with their labels, not into the state, and are chunked
    stored = json.loads(store.objects[("work", result.customers_key)])
    assert stored == {
        "as_of": "2026-06-30",
        "customers": [1, 3, 5],
        "labels": {"3": "x", "5": "late"},
    }
    assert result.customers_requested == 4
    assert result.customers_missing == 1
    assert result.missing_sample == [100000]
    assert result.chunk_count == 2
    assert len(json.dumps(result.model_dump(mode="json"))) < 2_000


def scenario_of(customers: int) -> MemoryObjectStore:
    numbers = "\n".join(str(n) for n in range(1, customers + 1))
    return MemoryObjectStore({("in", "s.csv"): f"customer_number\n{numbers}\n".encode()})


def test_existence_checks_run_a_bounded_number_at_a_time() -> None:
    # Given a scenario that needs six existence checks
    customers = 5 * EXISTENCE_CHECK_CUSTOMERS + 1
    warehouse = CustomerMaster(known=customers)

    # When it is planned
    result = plan(
        {"scenarios": "s3://in/s.csv", "as_of": "2026-06-30", "dry_run": True},
        scenario_of(customers),
        warehouse,
    )

    # Then every customer was checked, each check collected, never more than four at a time
    assert result.customers_found == customers
    in_flight, most = 0, 0
    for event, _ in warehouse.events:
        in_flight += 1 if event == "start" else -1
        most = max(most, in_flight)
    assert most == EXISTENCE_CHECKS_IN_FLIGHT
    assert [event for event, _ in warehouse.events].count("result") == 6
    # And the next checks were started before the first was collected
    assert warehouse.events[:5] == [
        ("start", 1),
        ("start", 5_001),
        ("start", 10_001),
        ("start", 15_001),
        ("result", 1),
    ]


def test_a_failed_existence_check_cancels_the_checks_still_running() -> None:
    # Given a warehouse whose second existence check fails
    customers = 5 * EXISTENCE_CHECK_CUSTOMERS
    warehouse = CustomerMaster(known=customers, failing_check=5_001)

    # When the plan runs, the error is the warehouse's
    with pytest.raises(WarehouseQueryError):
        plan(
            {"scenarios": "s3://in/s.csv", "as_of": "2026-06-30", "dry_run": True},
            scenario_of(customers),
            warehouse,
        )

    # And the checks started ahead were cancelled, not left running
    abandoned = [first for event, first in warehouse.events if event == "abandon"]
    assert abandoned == [10_001, 15_001, 20_001]


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
    store = MemoryObjectStore({("in", "s.csv"): b"1\n", ("in", "bad.csv"): b"1\nabc\n"})
    warehouse = CustomerMaster()
    # When an unusable request is planned, Then it is rejected and nothing happened
    with pytest.raises(error):
        plan(request_, store, warehouse)
    assert warehouse.statements == []
    assert set(store.objects) == {("in", "s.csv"), ("in", "bad.csv")}


def _report(state: dict, store: MemoryObjectStore | None = None) -> tuple[dict, dict]:
    store = store or MemoryObjectStore()
    event = {
        "execution": {"name": "run-1", "start_time": "2026-11-22T10:00:00+00:00"},
        "state": state,
    }
    outcome = build_report(
        GoldLoadReportEvent.model_validate(event),
        store=store,
        work_bucket="work",
        connect_mysql=unreachable_database,
        table_groups=load_table_groups(),
    )
    report = json.loads(store.objects[("work", "reports/gold-load/run-1.json")])
    return outcome.model_dump(mode="json"), report


PLAN = {
    "plan": {
        "run_id": "run-1",
        "as_of": "2026-06-30",
        "scenario_file": "s3://in/s.csv",
        "configs": ["customer", "mason_crn"],
        "customers_key": "work/gold-load/run-1/customers.json",
        "chunk_size": 1000,
        "chunk_count": 1,
        "customers_requested": 3,
        "customers_found": 2,
        "customers_missing": 1,
        "missing_sample": [9],
        "dry_run": False,
        "lease_wait_seconds": 0.0,
        "started_at": "2026-11-22T10:00:00.100+00:00",
    }
}


def loaded(config: str, **tables: dict[str, int]) -> dict:
    """A config's last load result, as the Map keeps it."""
    return {
        "step": "load-config",
        "config": config,
        "run_id": "run-1",
        "as_of": "2026-06-30",
        "chunk_size": 1000,
        "dry_run": False,
        "next_chunk": 1,
        "done": True,
        "status": "loaded",
        "tables": tables,
        "duration_seconds": 0.5,
    }


def published(*configs: str, generation: int = 1) -> dict:
    """The publish step's result, as the state machine keeps it."""
    return {
        "result": {
            "step": "publish-gold-load",
            "published": True,
            "configs_published": list(configs),
            "generation": generation,
            "previous_generation": generation - 1,
            "rename_attempts": 1,
            "locked_seconds": 0.01,
        }
    }


def test_report_of_a_partly_failed_load_names_the_failed_config_and_its_error() -> None:
    # Given one loaded (and published) and one failed config
    state = {
        "planned": PLAN,
        "published": published("customer"),
        "config_results": [
            loaded("customer", IMS_CUSTOMER={"rows_read": 2}),
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
    assert [c["published"] for c in report["configs"]] == [True, False]
    assert report["publication"]["configs_published"] == ["customer"]
    assert outcome["summary"].endswith("; published as gold generation 1")


def test_a_failed_publication_fails_the_load_and_names_every_loaded_config() -> None:
    # Given two loaded configs whose publication failed
    state = {
        "planned": PLAN,
        "config_results": [loaded("customer"), loaded("mason_crn")],
        "publish_error": {
            "Error": "GoldPublishBlockedError",
            "Cause": json.dumps({"errorType": "GoldPublishBlockedError", "errorMessage": "waited"}),
        },
    }
    # When the report is written
    outcome, report = _report(state)
    # Then the load failed, nothing was published, and the error is the publication's
    assert outcome["status"] == "failed"
    assert outcome["failed_configs"] == ["customer", "mason_crn"]
    assert outcome["error_name"] == "GoldPublishBlockedError"
    assert report["errors"] == [
        {"config": None, "step": "publish", "name": "GoldPublishBlockedError", "message": "waited"}
    ]
    assert report["publication"]["published"] is False
    assert "nothing was published" in outcome["summary"]


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


def test_a_plan_that_failed_on_the_warehouse_is_not_bad_input_and_counts_the_requested() -> None:
    # Given a plan that read a scenario file of 7 customers and then lost the warehouse
    # connection more often than the ASL retries
    store = MemoryObjectStore()
    put_json(store, WorkLocations("work", "run-1").requested, {"customers_requested": 7})
    state = {
        "scenarios": "s3://in/s.csv",
        "as_of": "2026-06-30",
        "plan_error": {
            "Error": "WarehouseConnectionLostError",
            "Cause": json.dumps({"errorMessage": "statement x FAILED: the warehouse connection"}),
        },
    }
    # When the report is written
    outcome, report = _report(state, store)
    # Then the load failed (not bad input), on the plan's step, with 7 customers requested
    assert outcome["status"] == "failed"
    assert outcome["error_name"] == "WarehouseConnectionLostError"
    assert report["errors"][0]["step"] == "plan" and report["errors"][0]["config"] is None
    assert report["customers"]["requested"] == 7
    assert "0 of 7 customers found" in outcome["summary"]


def test_report_is_written_even_when_the_lease_cannot_be_released() -> None:
    # Given a database that cannot be reached, When the report step runs
    outcome, report = _report({"planned": PLAN, "config_results": []})
    # Then the report is written and warns that the lease will expire on its own
    assert outcome["status"] == "succeeded"
    assert "expires on its own" in report["warnings"][0]


def test_report_of_a_clean_load_succeeds() -> None:
    outcome, report = _report(
        {
            "planned": PLAN,
            "config_results": [loaded("customer")],
            "published": published("customer"),
        }
    )
    assert outcome["status"] == "succeeded"
    assert report["errors"] == []


CUS_EMAIL = load_table_groups().group("cus_email").tables[0]


def load_preview(warehouse: RecordingWarehouse, has_time_for) -> dict:
    """A preview (dry run: no MySQL) of config cus_email over customers 1..5 in chunks of 2."""
    store = MemoryObjectStore()
    put_json(store, WorkLocations("work", "run-1").customers, {"customers": [1, 2, 3, 4, 5]})
    task = ConfigTask(config="cus_email", run_id="run-1", as_of="2026-06-30", chunk_size=2,
                      dry_run=True)  # fmt: skip
    result = load_config(
        task,
        store=store,
        work_bucket="work",
        warehouse=warehouse,
        connect_mysql=no_database,
        table_groups=load_table_groups(),
        has_time_for=has_time_for,
    )
    return result.model_dump(mode="json")


def recording_warehouse(failing_chunks: tuple[int, ...] = ()) -> RecordingWarehouse:
    return RecordingWarehouse(CUS_EMAIL.columns, failing_chunks)


def test_the_next_chunk_is_submitted_before_the_current_one_is_read() -> None:
    # Given a warehouse that logs statements, and time for everything
    warehouse = recording_warehouse()
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
    warehouse = recording_warehouse()
    # When the config is loaded
    result = load_preview(warehouse, has_time_for=lambda seconds: next(answers))
    # Then the second chunk's statement is cancelled and the next invocation starts there
    assert result["next_chunk"] == 1
    assert result["done"] is False
    assert warehouse.events == [("start", 1), ("start", 3), ("result", 1), ("abandon", 3)]


def test_a_chunk_submitted_ahead_is_abandoned_when_the_current_one_fails() -> None:
    # Given a warehouse whose first chunk's statement fails
    warehouse = recording_warehouse(failing_chunks=(1,))
    # When the config is loaded, the error surfaces
    with pytest.raises(WarehouseQueryError):
        load_preview(warehouse, has_time_for=lambda seconds: True)
    # And the statement submitted ahead for the second chunk was cancelled
    assert warehouse.events == [("start", 1), ("start", 3), ("result", 1), ("abandon", 3)]


def test_a_failing_chunk_names_its_number_and_table_in_front_of_the_error() -> None:
    # Given a warehouse whose statement for the second chunk (customers 3 and 4) fails
    warehouse = recording_warehouse(failing_chunks=(3,))
    # When the config is loaded, the error keeps its class (the name the ASL matches)
    with pytest.raises(WarehouseQueryError) as raised:
        load_preview(warehouse, has_time_for=lambda seconds: True)
    # And its message starts with the chunk (of three) and the table whose rows failed
    message = str(raised.value)
    assert message.startswith("chunk 2 of 3, IMS_CUS_EMAIL: ")
    assert place_of(message) == FailurePlace(chunk=2, of=3, table="IMS_CUS_EMAIL")


def test_an_error_placed_once_keeps_its_place_and_other_errors_pass_unchanged() -> None:
    placed_twice = pytest.raises(WarehouseQueryError, match=r"^chunk 1 of 4: inner$")
    with placed_twice, failing_at(5, 9), failing_at(0, 4):
        raise WarehouseQueryError("inner")
    with pytest.raises(KeyError), failing_at(0, 4):  # not a domain error: not ours to reword
        raise KeyError("x")
    assert place_of("statement failed: chunk 1 of 4") is None
    assert place_of(None) is None


def test_report_of_a_config_failed_part_way_names_its_chunk_and_table() -> None:
    # Given a config whose load failed with a placed error
    cause = {"errorType": "TrainingDatabaseError", "errorMessage": "chunk 7 of 9, IMS_AUTH: no"}
    failed = {
        "config": "order_auth",
        "status": "failed",
        "next_chunk": 5,
        "error": {"Error": "TrainingDatabaseError", "Cause": json.dumps(cause)},
    }
    # When the report is written
    _, report = _report({"planned": PLAN, "config_results": [failed]})
    # Then the config's report names the chunk and the table; the call began at chunk 6
    (config,) = report["configs"]
    assert (config["failed_chunk"], config["failed_table"]) == (7, "IMS_AUTH")
    assert config["chunks_loaded"] == 5
    assert config["error"]["message"] == "chunk 7 of 9, IMS_AUTH: no"

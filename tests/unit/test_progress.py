"""Progress lines from execution history events, and the wait loop around them."""

from __future__ import annotations

import io
import itertools
import json
import os
import signal
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from fakes.stubbed import stubbed_client

from ims_refresh.aws import waiting
from ims_refresh.aws.targets import Targets
from ims_refresh.aws.waiting import Waiting
from ims_refresh.progress import ExecutionProgress, duration_text, is_transient
from training_refresh.messages.gold_load import (
    ConfigProgress,
    ConfigTask,
    GoldLoadPlan,
    TableCounts,
)
from training_refresh.messages.reset import (
    CopyTask,
    ResetOutcome,
    ResetPlan,
    SwapOutcome,
    TableCopied,
)

AT = datetime(2025, 4, 1, 6, 30, 12, tzinfo=UTC)


class History:
    """Builds events the way Step Functions records a Lambda task (ids, previous ids)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(self, kind: str, previous: int = 0, **details: Any) -> int:
        event_id = len(self.events) + 1
        event: dict[str, Any] = {
            "id": event_id,
            "previousEventId": previous,
            "type": kind,
            "timestamp": AT,
        }
        if details:
            key = {
                "TaskStateEntered": "stateEnteredEventDetails",
                "TaskStateExited": "stateExitedEventDetails",
                "PassStateExited": "stateExitedEventDetails",
                "TaskSucceeded": "taskSucceededEventDetails",
                "TaskFailed": "taskFailedEventDetails",
                "MapStateStarted": "mapStateStartedEventDetails",
            }[kind]
            if kind in {"TaskSucceeded", "TaskFailed"}:
                details = {"resourceType": "lambda", "resource": "invoke", **details}
            event[key] = details
        self.events.append(event)
        return event_id

    def task(
        self,
        state: str,
        item: dict[str, Any],
        payload: dict[str, Any] | None = None,
        failures: list[tuple[str, str]] = (),  # type: ignore[assignment]
    ) -> None:
        entered = self.add("TaskStateEntered", name=state, input=json.dumps(item))
        previous = entered
        for error, message in failures:
            scheduled = self.add("TaskScheduled", previous)
            started = self.add("TaskStarted", scheduled)
            previous = self.add(
                "TaskFailed",
                started,
                error=error,
                cause=json.dumps({"errorMessage": message, "errorType": error}),
            )
        if payload is not None:
            scheduled = self.add("TaskScheduled", previous)
            started = self.add("TaskStarted", scheduled)
            done = self.add(
                "TaskSucceeded",
                started,
                output=json.dumps({"StatusCode": 200, "Payload": payload}),
            )
            self.add("TaskStateExited", done, name=state, output=json.dumps(payload))


def plan(configs: list[str], dry_run: bool = False) -> dict[str, Any]:
    return GoldLoadPlan(
        run_id="gold-load-1",
        as_of="2025-03-31",
        scenario_file="s3://b/scenarios.csv",
        configs=configs,
        customers_key="work/gold-load/gold-load-1/customers.json",
        chunk_size=1000,
        chunk_count=2,
        customers_requested=12,
        customers_found=10,
        customers_missing=2,
        missing_sample=[999999999999991, 999999999999992],
        dry_run=dry_run,
        lease_wait_seconds=0.01,
        started_at="2025-04-01T06:30:00.000+00:00",
    ).model_dump(mode="json")


def config_task(config: str) -> dict[str, Any]:
    """The Map item of one config (the load step's input)."""
    task = ConfigTask(config=config, run_id="gold-load-1", as_of="2025-03-31", chunk_size=1000)
    return task.model_dump(mode="json")


def loaded(config: str, tables: dict[str, tuple[int, int]], done: bool, chunk: int) -> dict:
    return ConfigProgress(
        config=config,
        run_id="gold-load-1",
        as_of="2025-03-31",
        chunk_size=1000,
        done=done,
        next_chunk=chunk,
        status="loaded" if done else "loading",
        tables={t: TableCounts(rows_read=r, rows_written=w) for t, (r, w) in tables.items()},
    ).model_dump(mode="json")


def copy_task(table: str) -> dict[str, Any]:
    return CopyTask(run_id="reset-1", table=table).model_dump(mode="json")


def copied(table: str, rows: int) -> dict[str, Any]:
    return TableCopied(table=table, rows=rows, duration_seconds=0.1).model_dump(mode="json")


def test_gold_load_lines_tell_plan_chunks_configs_and_failures() -> None:
    # Given the history of a gold load with a failed config and a retried throttle
    history = History()
    history.task("Validate input and plan", {}, plan(["customer", "order_auth", "mason_crn"]))
    history.add("MapStateStarted", length=3)
    history.task(
        "Load config chunks",
        config_task("order_auth"),
        loaded("order_auth", {"IMS_ORDER": (40, 40), "IMS_AUTH": (50, 50)}, False, 1),
        failures=[("WarehouseThrottledError", "Data API throttled")],
    )
    history.task(
        "Load config chunks",
        config_task("customer"),
        loaded("customer", {"IMS_CUSTOMER": (10, 10)}, True, 2),
    )
    history.task(
        "Load config chunks",
        config_task("mason_crn"),
        None,
        failures=[("WarehouseQueryError", "relation does not exist")],
    )
    history.add(
        "PassStateExited",
        history.events[-1]["id"],
        name="Record config failure",
        output=json.dumps(
            {
                "config": "mason_crn",
                "status": "failed",
                "error": {
                    "Error": "WarehouseQueryError",
                    "Cause": json.dumps({"errorMessage": "relation does not exist"}),
                },
            }
        ),
    )
    history.task(
        "Load config chunks",
        config_task("order_auth"),
        loaded("order_auth", {"IMS_ORDER": (80, 80), "IMS_AUTH": (90, 90)}, True, 2),
    )
    progress = ExecutionProgress()
    # When the events are applied
    lines = [line.text for line in progress.apply(history.events)]
    # Then each step worth telling is one line, in order, without customer numbers
    assert lines == [
        "plan: 12 customer(s) requested, 10 found, 2 missing; 3 config(s) to load in 2 "
        "chunk(s) each",
        "order_auth: Load config chunks attempt failed: WarehouseThrottledError: Data API "
        "throttled (transient: the workflow may retry it)",
        "order_auth: 1 of 2 chunk(s) so far: IMS_AUTH 50 rows read, 50 written, "
        "IMS_ORDER 40 rows read, 40 written",
        # rows so far include what order_auth has written in its first chunk
        "customer loaded: IMS_CUSTOMER 10 rows read, 10 written - 1 of 3 config(s) done, "
        "100 rows written so far",
        "mason_crn FAILED: WarehouseQueryError: relation does not exist - 2 of 3 config(s) "
        "done, 100 rows written so far",
        "order_auth loaded: IMS_AUTH 90 rows read, 90 written, IMS_ORDER 80 rows read, "
        "80 written - 3 of 3 config(s) done, 180 rows written so far",
    ]
    assert not any("99999999999999" in line for line in lines)
    # And the snapshot has the outcome per config
    snapshot = progress.snapshot()
    assert snapshot["done"] == snapshot["total"] == 3
    assert snapshot["rows_so_far"] == 180
    assert {i["name"]: i["status"] for i in snapshot["items"]} == {
        "customer": "loaded",
        "order_auth": "loaded",
        "mason_crn": "failed",
    }
    assert snapshot["customers"] == {"requested": 12, "found": 10, "missing": 2}
    # And events seen before are not told twice
    assert progress.apply(history.events) == []


def test_a_preview_counts_rows_read() -> None:
    history = History()
    history.task("Validate input and plan", {}, plan(["customer"], dry_run=True))
    history.task(
        "Load config chunks",
        config_task("customer"),
        loaded("customer", {"IMS_CUSTOMER": (7, 0)}, True, 2),
    )
    lines = [line.text for line in ExecutionProgress().apply(history.events)]
    assert "to count (preview, nothing written)" in lines[0]
    assert lines[1] == (
        "customer counted: IMS_CUSTOMER 7 rows read - 1 of 1 config(s) done, "
        "7 rows read (preview) so far"
    )


def test_reset_lines_tell_the_lease_each_copy_and_the_swap() -> None:
    history = History()
    history.task(
        "Validate input and take the reset lease",
        {},
        None,
        failures=[("TrainingDatabaseBusyError", "the refresh lease lock was not free")],
    )
    history.task(
        "Validate input and take the reset lease",
        {},
        ResetPlan(
            run_id="reset-1",
            tables=["IMS_ORDER", "IMS_AUTH"],
            started_at="2025-04-01T06:30:00.000+00:00",
            superseded_resets=[],
            leftovers_dropped=[],
            gold_generation=4,
        ).model_dump(mode="json"),
    )
    history.task(
        "Copy gold table on the server",
        copy_task("IMS_ORDER"),
        copied("IMS_ORDER", 30),
    )
    history.task(
        "Copy gold table on the server",
        copy_task("IMS_AUTH"),
        copied("IMS_AUTH", 45),
    )
    history.task(
        "Swap all training tables at once",
        {},
        SwapOutcome(
            tables=["IMS_ORDER", "IMS_AUTH"],
            attempts=2,
            duration_seconds=0.5,
            old_tables_dropped=[],
            warnings=[],
            gold_generation=5,
            recopies=1,
            recopied_rows={"IMS_ORDER": 31},
        ).model_dump(mode="json"),
    )
    history.task(
        "Write run report",
        {},
        ResetOutcome(
            status="succeeded",
            report="s3://b/reports/reset/reset-1.json",
            failed_tables=[],
            error_name=None,
            summary="reset succeeded",
        ).model_dump(mode="json"),
    )
    progress = ExecutionProgress("reset")
    lines = [line.text for line in progress.apply(history.events)]
    assert lines == [
        "Validate input and take the reset lease attempt failed: TrainingDatabaseBusyError: "
        "the refresh lease lock was not free (transient: the workflow may retry it)",
        "reset lease taken; 2 table(s) to copy from gold generation 4",
        "IMS_ORDER copied to staging: 30 rows - 1 of 2 table(s) done, 30 rows copied so far",
        "IMS_AUTH copied to staging: 45 rows - 2 of 2 table(s) done, 75 rows copied so far",
        "swapped 2 training table(s) in one RENAME (2 attempt(s)); they hold gold generation 5, "
        "copied again 1 time(s) (gold published meanwhile)",
        "run report written: s3://b/reports/reset/reset-1.json",
    ]
    assert progress.outcome is not None
    assert progress.outcome.report == "s3://b/reports/reset/reset-1.json"
    assert {i["status"] for i in progress.snapshot()["items"]} == {"swapped"}


def test_a_failed_single_step_is_told_and_lines_are_stamped_in_utc() -> None:
    history = History()
    history.task(
        "Validate input and plan",
        {},
        None,
        failures=[("ScenarioFileError", "s3://b/k: line 3: 'x'")],
    )
    (line,) = ExecutionProgress().apply(history.events)
    assert line.render() == (
        "2025-04-01T06:30:12Z Validate input and plan failed: ScenarioFileError: "
        "s3://b/k: line 3: 'x'"
    )


def test_the_heartbeat_names_the_running_steps() -> None:
    history = History()
    history.task("Validate input and plan", {}, plan(["customer", "cus_email"]))
    history.add(
        "TaskStateEntered", name="Load config chunks", input=json.dumps(config_task("customer"))
    )
    progress = ExecutionProgress()
    progress.apply(history.events)
    assert progress.heartbeat(754) == (
        "still running after 12m34s: 0 of 2 config(s) done, 0 rows written so far; "
        "now: Load config chunks (customer)"
    )


def test_transient_means_the_asl_retries_that_exact_name_in_that_state() -> None:
    # Given the ASL files' Retry lists, the label follows them, not class inheritance
    plan, prepare = "Validate input and plan", "Validate input and take the reset lease"
    assert is_transient("WarehouseThrottledError", "gold-load", plan)
    assert is_transient("GoldChangeInProgressError", "gold-load", plan)
    assert is_transient("TrainingDatabaseBusyError", "reset", prepare)
    # A TrainingDatabaseBusyError subclass that this state does not name is not retried
    assert not is_transient("SwapBlockedError", "reset", prepare)
    swap = "Swap all training tables at once"
    assert not is_transient("GoldChangedDuringResetError", "reset", swap)
    assert not is_transient("SwapBlockedError", "gold-load", plan)
    assert is_transient("Lambda.TooManyRequestsException", "reset", prepare)
    # Unknown workflow or state: any task of any workflow
    assert is_transient("SwapBlockedError")
    assert is_transient("GoldChangeInProgressError", None, "a step")
    assert not is_transient("WarehouseQueryError")
    assert not is_transient("ResetSupersededError", "reset")


def test_durations() -> None:
    assert [duration_text(s) for s in (0, 59.9, 61, 3600 * 2 + 185)] == [
        "0s",
        "59s",
        "1m01s",
        "2h03m",
    ]


# ------------------------------------------------------------------------ wait loop


EXECUTION_ARN = "arn:aws:states:us-east-1:123456789012:execution:gold-load:gold-load-1"


def description(status: str) -> dict[str, Any]:
    return {
        "executionArn": EXECUTION_ARN,
        "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:gold-load",
        "status": status,
        "startDate": AT,
    }


class StubbedStepFunctions:
    """A Step Functions client (answered by botocore's Stubber) whose execution runs for
    ``polls_until_done`` describes, then succeeds; ``errors`` are raised first, in order."""

    def __init__(
        self, history: History, polls_until_done: int, errors: list[Exception] | None = None
    ) -> None:
        self.history = history
        self.polls_left = polls_until_done
        self.errors = list(errors or [])
        self.client = stubbed_client("stepfunctions", self._answer)

    def _answer(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation == "get_execution_history":
            return {"events": self.history.events}
        assert operation == "describe_execution", operation
        if self.errors:
            raise self.errors.pop(0)
        self.polls_left -= 1
        return description("SUCCEEDED" if self.polls_left <= 0 else "RUNNING")


class Clock:
    """A waiting.Clock whose sleeps take no time and are recorded."""

    def __init__(self) -> None:
        self.time = 0.0
        self.pauses: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.time += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_quiet_wait_prints_a_heartbeat_and_ends_with_the_execution(clock: Clock) -> None:
    # Given an execution that stays quiet for 12 polls of 60 s
    history = History()
    history.task("Validate input and plan", {}, plan(["customer"]))
    sfn = StubbedStepFunctions(history, polls_until_done=12).client
    out = io.StringIO()
    # When it is followed
    described = waiting.follow_execution(
        sfn,
        EXECUTION_ARN,
        ExecutionProgress(),
        timeout=3600,
        poll_seconds=60,
        out=out,
        clock=clock,
        heartbeat_seconds=300,
    )
    # Then the wait ends with the execution, after a "still running" line every 5 minutes
    assert described == description("SUCCEEDED")
    lines = out.getvalue().splitlines()
    assert "plan: 12 customer(s)" in lines[0]
    assert ["still running after 5m00s" in line for line in lines].count(True) == 1
    assert ["still running after 10m00s" in line for line in lines].count(True) == 1
    assert clock.pauses == [60] * 11


def test_a_wait_ends_at_its_timeout(clock: Clock) -> None:
    sfn = StubbedStepFunctions(History(), polls_until_done=1000).client
    described = waiting.follow_execution(
        sfn,
        EXECUTION_ARN,
        ExecutionProgress(),
        timeout=25,
        poll_seconds=10,
        out=io.StringIO(),
        clock=clock,
    )
    assert described is None
    assert clock.pauses == [10, 10, 5]


@pytest.mark.parametrize(
    ("described", "code"),
    [
        ({"status": "SUCCEEDED"}, 0),
        ({"status": "FAILED", "error": "ConfigsFailed"}, 1),
        ({"status": "FAILED", "error": "ScenarioFileError"}, 2),
        ({"status": "FAILED", "error": "UnknownTableError"}, 2),
        ({"status": "TIMED_OUT", "error": "States.Timeout"}, 1),
        ({"status": "ABORTED"}, 1),
        ({"status": "RUNNING"}, 3),
    ],
)
def test_exit_codes_follow_the_execution(described: dict[str, Any], code: int) -> None:
    assert waiting.exit_code_for(described) == code


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "DescribeExecution",
    )


def test_a_wait_rides_out_throttling_and_network_trouble(clock: Clock) -> None:
    # Given Step Functions that throttles once and is unreachable once
    errors: list[Exception] = [
        client_error("ThrottlingException", 400),
        EndpointConnectionError(endpoint_url="https://states.eu-west-1.amazonaws.com"),
    ]
    sfn = StubbedStepFunctions(History(), polls_until_done=2, errors=errors).client
    out = io.StringIO()
    # When the execution is followed, Then the wait goes on to its end
    described = waiting.follow_execution(
        sfn, EXECUTION_ARN, ExecutionProgress(), timeout=600, poll_seconds=10, out=out, clock=clock
    )
    assert described == description("SUCCEEDED")
    assert out.getvalue().count("cannot ask Step Functions") == 2


def test_a_wait_stops_at_once_when_access_is_denied(clock: Clock) -> None:
    errors: list[Exception] = [client_error("AccessDeniedException", 400)]
    sfn = StubbedStepFunctions(History(), polls_until_done=2, errors=errors).client
    with pytest.raises(ClientError):
        waiting.follow_execution(
            sfn,
            EXECUTION_ARN,
            ExecutionProgress(),
            timeout=600,
            poll_seconds=10,
            out=io.StringIO(),
            clock=clock,
        )


def test_sigterm_while_waiting_exits_3_and_says_how_to_follow() -> None:
    # Given an Automic job that is cancelled (SIGTERM) while it waits
    class CancelledClock(Clock):
        def sleep(self, seconds: float) -> None:
            os.kill(os.getpid(), signal.SIGTERM)

    aws = SimpleNamespace(sfn=StubbedStepFunctions(History(), polls_until_done=1000).client)
    out = io.StringIO()
    arn = "arn:aws:states:eu-west-1:111111111111:execution:prod-ImsTrainingReset:reset-1"
    previous = signal.getsignal(signal.SIGTERM)
    # When it waits for the execution
    code = waiting.wait_and_finish(
        aws,  # type: ignore[arg-type]
        Targets(),
        arn,
        workflow="reset",
        waiting=Waiting(wait=True, timeout=600, poll_seconds=10, clock=CancelledClock()),
        out=out,
        err=io.StringIO(),
    )
    # Then it exits 3, the last line says the execution goes on and how to follow it
    assert code == 3
    last = out.getvalue().strip().splitlines()[-1]
    assert "gave up waiting: stopped (SIGTERM)" in last
    assert f"follow it with: ims-refresh status {arn} --wait" in last
    # And the process's own SIGTERM handling is back as it was
    assert signal.getsignal(signal.SIGTERM) == previous


def test_by_default_a_quiet_wait_prints_a_line_at_least_every_10_seconds(clock: Clock) -> None:
    # Given an execution that stays quiet for a minute of default polls
    history = History()
    history.task("Validate input and plan", {}, plan(["customer"]))
    polls = int(60 / waiting.POLL_SECONDS)
    sfn = StubbedStepFunctions(history, polls_until_done=polls).client
    out = io.StringIO()
    stamps: list[float] = []

    class Noting(io.StringIO):
        def write(self, text: str) -> int:
            if text.strip():
                stamps.append(clock.time)
            return out.write(text)

    # When it is followed with the default poll and heartbeat
    waiting.follow_execution(
        sfn,
        EXECUTION_ARN,
        ExecutionProgress(),
        timeout=3600,
        poll_seconds=waiting.POLL_SECONDS,
        out=Noting(),
        clock=clock,
    )
    # Then no two lines are more than 10 s of (the clock's) time apart
    assert len(stamps) > 5
    assert max(b - a for a, b in itertools.pairwise(stamps)) <= 10
    assert "still running after 8s" in out.getvalue()

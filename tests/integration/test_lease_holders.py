"""Lease holders name their execution: a waiting run takes over at once from a holder whose
Step Functions execution has ended (moto answers DescribeExecution), waits for one that
runs, and falls back to the TTL for holders it cannot check (issue 11 item 4)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from reset_support import connect

from ims_refresh.settings import MySqlUrl
from training_refresh.adapters.step_functions import StepFunctionsExecutions
from training_refresh.errors import RunAbandonedError
from training_refresh.lease import (
    LEASE_TABLE,
    LeaseTimes,
    acquire_gold_load_lease,
    acquire_reset_lease,
    live_leases,
    release_run,
)
from training_refresh.lease.holder import LeaseHolder, lease_holder
from training_refresh.lease.table import (
    GOLD_LOAD,
    LeaseRow,
    StillBlocked,
    live_rows,
    upsert,
    wait_until,
)

REGION = "us-east-1"
WAITING = LeaseTimes(ttl_seconds=120, wait_seconds=30, poll_seconds=0.05)
SHORT_WAIT = LeaseTimes(ttl_seconds=120, wait_seconds=0.5, poll_seconds=0.05)
WAIT_STATE = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 3600, "End": True}}}


@pytest.fixture
def sfn() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("stepfunctions", region_name=REGION)


@pytest.fixture
def conn(training_db: MySqlUrl) -> Iterator[Any]:
    with connect(training_db.without_database()) as server, server.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{training_db.database}`")
    connection = connect(training_db)
    yield connection
    connection.close()


def start_execution(sfn: Any, name: str) -> str:
    machine = sfn.create_state_machine(
        name=f"machine-{name}",
        definition=json.dumps(WAIT_STATE),
        roleArn="arn:aws:iam::123456789012:role/states",
    )["stateMachineArn"]
    return str(sfn.start_execution(stateMachineArn=machine, name=name)["executionArn"])


def checked_by(sfn: Any, execution_arn: str | None = None) -> LeaseHolder:
    return LeaseHolder(
        execution_arn=execution_arn,
        still_running=StepFunctionsExecutions(lambda: sfn).still_running,
    )


def wait_for_others(conn: Any, run_id: str, times: LeaseTimes) -> tuple[str, ...]:
    """A run waiting (``lease.table.wait_until``) while any other run holds a live lease
    row: the waiting every exclusive side does. Returns the runs taken over."""

    def attempt(cursor: Any) -> list[LeaseRow] | None:
        others = [row for row in live_rows(cursor) if row.run_id != run_id]
        if others:
            return others
        upsert(cursor, GOLD_LOAD, run_id, times.ttl_seconds)
        return None

    _waited, _waited_for, taken_over = wait_until(
        conn, attempt, times, sleep=time.sleep, on_wait=lambda: None
    )
    return taken_over


def test_a_holder_whose_execution_ended_is_taken_over_at_once(conn: Any, sfn: Any) -> None:
    # Given a reset lease held by an execution that was then stopped (killed, timed out)
    arn = start_execution(sfn, "reset-killed")
    with lease_holder(checked_by(sfn, arn)):
        acquire_reset_lease(conn, "reset-killed", WAITING)
    sfn.stop_execution(executionArn=arn)
    assert StepFunctionsExecutions(lambda: sfn).still_running(arn) is False
    # When a run that would wait up to 30 s for it asks for its lease
    started = time.monotonic()
    with lease_holder(checked_by(sfn)):
        taken_over = wait_for_others(conn, "gold-load-next", WAITING)
    # Then it takes over at once, without waiting for the TTL
    assert time.monotonic() - started < 5
    assert taken_over == ("reset-killed",)
    assert [(row.holder, row.run_id) for row in live_leases(conn)] == [
        ("gold-load", "gold-load-next")
    ]


def test_a_holder_whose_execution_runs_is_waited_for_and_named(conn: Any, sfn: Any) -> None:
    # Given a reset lease held by a running execution
    arn = start_execution(sfn, "reset-running")
    with lease_holder(checked_by(sfn, arn)):
        acquire_reset_lease(conn, "reset-running", WAITING)
    (row,) = live_leases(conn)
    assert row.execution_arn == arn
    # When a run waits for it for a short time, Then it gives up with the holder's row
    with lease_holder(checked_by(sfn)), pytest.raises(StillBlocked) as raised:
        wait_for_others(conn, "gold-load-waits", SHORT_WAIT)
    assert [r.run_id for r in raised.value.rows] == ["reset-running"]
    assert [r.run_id for r in live_leases(conn)] == ["reset-running"]


@pytest.mark.parametrize("recorded", [None, "elsewhere"], ids=["no execution", "unknown"])
def test_a_holder_that_cannot_be_checked_keeps_its_lease_until_the_ttl(
    conn: Any, sfn: Any, recorded: str | None
) -> None:
    # Given a reset lease whose holder recorded no execution, or one Step Functions does
    # not know (another account, a local run of another process)
    arn = (
        None
        if recorded is None
        else (f"arn:aws:states:{REGION}:123456789012:execution:machine-x:{recorded}")
    )
    with lease_holder(checked_by(sfn, arn)):
        acquire_reset_lease(conn, "reset-unchecked", WAITING)
    # Then a run waits for it and gives up: only the TTL frees such a lease
    with lease_holder(checked_by(sfn)), pytest.raises(StillBlocked):
        wait_for_others(conn, "gold-load-waits", SHORT_WAIT)
    assert [r.run_id for r in live_leases(conn)] == ["reset-unchecked"]


def test_an_abandoned_run_takes_no_lease_and_releasing_it_leaves_nothing(conn: Any) -> None:
    # Given a run that holds leases on both sides (a gold load's and, left over, a reset's)
    acquire_gold_load_lease(conn, "run-1", WAITING)
    with conn.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LEASE_TABLE} (HOLDER, RUN_ID, ACQUIRED_AT, RENEWED_AT, EXPIRES_AT) "
            "VALUES ('reset', 'run-1', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), "
            "UTC_TIMESTAMP(6) + INTERVAL 1 HOUR)"
        )
    # When it is given up, its leases are released
    assert release_run(conn, "run-1") == ["gold-load", "reset"]
    # Then a renewal that comes late (a step still running) takes nothing back
    with (
        lease_holder(LeaseHolder(abandoned=lambda: True)),
        pytest.raises(RunAbandonedError),
    ):
        acquire_gold_load_lease(conn, "run-1", WAITING)
    assert live_leases(conn) == []


def test_a_lease_table_of_an_older_version_gets_the_execution_column(conn: Any) -> None:
    # Given a lease table made before holders recorded their execution
    with conn.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {LEASE_TABLE} (HOLDER VARCHAR(16) NOT NULL, RUN_ID VARCHAR(128) NOT "
            "NULL, ACQUIRED_AT DATETIME(6) NOT NULL, RENEWED_AT DATETIME(6) NOT NULL, "
            "EXPIRES_AT DATETIME(6) NOT NULL, PRIMARY KEY (HOLDER, RUN_ID))"
        )
    # When a lease is taken, the row records the execution
    arn = "arn:aws:states:us-east-1:123456789012:execution:m:gold-load-1"
    with lease_holder(LeaseHolder(execution_arn=arn)):
        acquire_gold_load_lease(conn, "gold-load-1", WAITING)
    assert [row.execution_arn for row in live_leases(conn)] == [arn]

"""The ASL files' Retry/Catch error names and errors.py stay in step."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from training_refresh import errors
from training_refresh.registry import TASKS
from training_refresh.retry_contract import TRANSIENT_BY_TASK

STATEMACHINES = sorted((Path(__file__).parents[2] / "statemachines").glob("*.asl.json"))
LAMBDA_SERVICE_ERRORS = {
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}
LAMBDA_UNHANDLED_ERRORS = {"Lambda.Unknown", "Sandbox.Timedout"}
"""A function that timed out or ran out of memory (AWS documents Lambda.Unknown; current
runtimes report a timeout's errorType as Sandbox.Timedout)."""


def _domain_error_names(cls: type[Exception] = errors.TrainingRefreshError) -> set[str]:
    return {cls.__name__}.union(*(_domain_error_names(sub) for sub in cls.__subclasses__()))


def _matchers(node: Any, kind: str) -> Iterator[list[str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == kind:
                for matcher in value:
                    yield matcher["ErrorEquals"]
            else:
                yield from _matchers(value, kind)
    elif isinstance(node, list):
        for item in node:
            yield from _matchers(item, kind)


@pytest.mark.parametrize("path", STATEMACHINES, ids=lambda p: p.name)
def test_every_matched_error_name_exists(path: Path) -> None:
    # Given a state machine definition
    definition = json.loads(path.read_text("utf-8"))
    known = (
        _domain_error_names()
        | LAMBDA_SERVICE_ERRORS
        | LAMBDA_UNHANDLED_ERRORS
        | {"States.ALL", "States.TaskFailed"}
    )
    # Then every name its Retry and Catch blocks match is a real error class or AWS name
    for kind in ("Retry", "Catch"):
        for names in _matchers(definition, kind):
            assert set(names) <= known, (path.name, kind, set(names) - known)


def _lambda_tasks(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        if state["Type"] == "Task":
            yield name, state
        for nested in (state.get("ItemProcessor"), state.get("Iterator")):
            if nested:
                yield from _lambda_tasks(nested["States"])
        for branch in state.get("Branches", []):
            yield from _lambda_tasks(branch["States"])


def _retried_by_task() -> dict[str, set[str]]:
    """Task name (registry) -> the domain error names its ASL state's Retry matches."""
    by_placeholder = {task.placeholder: task.name for task in TASKS}
    retried: dict[str, set[str]] = {}
    for path in STATEMACHINES:
        for _state, task in _lambda_tasks(json.loads(path.read_text("utf-8"))["States"]):
            name = by_placeholder[task["Parameters"]["FunctionName"].strip("${}")]
            retried[name] = {
                error
                for names in _matchers(task, "Retry")
                for error in names
                if error in _domain_error_names()
            }
    return retried


def test_every_task_retries_exactly_the_transient_errors_it_documents() -> None:
    # Given what each task documents as transient, and what its ASL state retries
    retried = _retried_by_task()
    assert set(retried) == {task.name for task in TASKS}
    for task in TASKS:
        assert task.name in TRANSIENT_BY_TASK, f"{task.name}: not in retry_contract"
        documented = {cls.__name__ for cls in TRANSIENT_BY_TASK[task.name]}
        assert all(issubclass(c, errors.TRANSIENT_ERRORS) for c in TRANSIENT_BY_TASK[task.name])
        # Then each documented error is retried by its exact name (Step Functions does not
        # match subclasses), and the Retry names no domain error the task does not document
        assert documented - retried[task.name] == set(), (task.name, "not retried")
        assert retried[task.name] - documented == set(), (task.name, "not documented")


def test_lease_wait_errors_are_retried_where_they_are_raised() -> None:
    # Given the lease-wait errors (subclasses of TrainingDatabaseBusyError, which a Retry
    # on their base class never matched)
    retried = _retried_by_task()
    # Then the steps that wait for the other side retry them by name
    assert "GoldChangeInProgressError" in retried["plan-gold-load"] & retried["load-config"]
    # And a reset waits for no gold load: nothing of the lease is retried at its start
    assert retried["prepare-reset"] == {"TrainingDatabaseBusyError"}
    writer = {"GoldChangeInProgressError", "GoldPublishBlockedError"}
    assert writer <= retried["undo-gold"]
    assert writer <= retried["remove-gold-customers"]


@pytest.mark.parametrize("path", STATEMACHINES, ids=lambda p: p.name)
def test_transient_errors_are_retried_and_nothing_else_domain_is(path: Path) -> None:
    # Given the errors the domain calls transient (and their subclasses)
    transient = set().union(*(_domain_error_names(cls) for cls in errors.TRANSIENT_ERRORS))
    retried = {
        name
        for names in _matchers(json.loads(path.read_text("utf-8")), "Retry")
        for name in names
        if name in _domain_error_names()
    }
    # Then retries only ever name transient errors, and some task retries them
    assert retried
    assert retried <= transient, retried - transient

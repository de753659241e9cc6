"""The ASL files' Retry/Catch error names and errors.py stay in step."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from training_refresh import errors

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

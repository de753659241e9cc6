"""Retry lists of the deployed state machines: the AWS-recommended Lambda service errors
everywhere, one retry of a timed-out invocation where the step is resumable, and no
wildcard path inside an intrinsic function (a Pass state cannot catch its failure)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from infra_support import Synthesized, props, resources

LAMBDA_SERVICE_ERRORS = {
    # The list of the Step Functions best practice "Handle Lambda service exceptions"
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
}
UNHANDLED_ERRORS = {"Lambda.Unknown", "Sandbox.Timedout"}
RESUMABLE_STEPS = {"Load config chunks", "Copy gold table on the server"}
"""Steps that pick up where an interrupted invocation stopped (a chunk cursor; a staging
table rebuilt from scratch), so a timeout is worth one more try."""


def _tasks(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        if state["Type"] == "Task":
            yield name, state
        for nested in (state.get("ItemProcessor"), state.get("Iterator")):
            if nested:
                yield from _tasks(nested["States"])
        for branch in state.get("Branches", []):
            yield from _tasks(branch["States"])


def _definitions(synth: Synthesized) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for stage, template in synth.templates.items():
        for logical_id in resources(template, "AWS::StepFunctions::StateMachine"):
            properties = props(template, logical_id)
            definition = properties["DefinitionString"]
            if isinstance(definition, dict):  # Fn::Join of the text around references
                definition = "".join(p for p in definition["Fn::Join"][1] if isinstance(p, str))
            yield stage, properties["StateMachineName"], json.loads(definition)


def test_every_lambda_service_error_retry_lists_the_aws_recommended_errors(synth: Synthesized):
    lambda_tasks = 0
    for stage, machine, definition in _definitions(synth):
        for name, task in _tasks(definition["States"]):
            if task.get("Resource") != "arn:aws:states:::lambda:invoke":
                continue
            lambda_tasks += 1
            # Given the retriers of a Lambda task
            matchers = [set(r["ErrorEquals"]) for r in task.get("Retry", [])]
            # Then one retries Lambda's transient service errors, and it lists them all
            service = [m for m in matchers if "Lambda.ServiceException" in m]
            assert len(service) == 1, (stage, machine, name)
            assert service[0] >= LAMBDA_SERVICE_ERRORS, (stage, machine, name)
    assert lambda_tasks >= 3 * 7  # every Lambda task of every stage was looked at


def test_resumable_steps_retry_a_timed_out_invocation_once(synth: Synthesized):
    seen: set[str] = set()
    for stage, machine, definition in _definitions(synth):
        for name, task in _tasks(definition["States"]):
            # Given a task's retriers for unhandled errors (timeout, out of memory)
            unhandled = [
                r for r in task.get("Retry", []) if UNHANDLED_ERRORS & set(r["ErrorEquals"])
            ]
            if name in RESUMABLE_STEPS:
                # Then a resumable step retries them once, naming both spellings
                (retrier,) = unhandled
                assert set(retrier["ErrorEquals"]) == UNHANDLED_ERRORS, (stage, machine, name)
                assert retrier["MaxAttempts"] == 1, (stage, machine, name)
                seen.add(name)
            else:
                # And no other step does: rerunning them after a timeout is not known safe
                assert unhandled == [], (stage, machine, name)
    assert seen == RESUMABLE_STEPS


_INTRINSIC_WITH_WILDCARD = re.compile(r"States\.\w+\(.*(\[\*\]|\[\?|\.\.|\.\*)")


def test_no_intrinsic_function_takes_a_wildcard_or_filter_path(synth: Synthesized):
    checked = 0
    for stage, machine, definition in _definitions(synth):
        for text in re.findall(r'"(States\.\w+\((?:[^"\\]|\\.)*\))"', json.dumps(definition)):
            checked += 1
            # Then intrinsic arguments are plain paths (the copy check collects the
            # statuses first, in a Parameters path of its own)
            assert not _INTRINSIC_WITH_WILDCARD.search(text), (stage, machine, text)
    assert checked  # the reset's copy check uses one

"""Reset schedules (EventBridge Scheduler) and the scenario upload trigger (EventBridge)."""

from __future__ import annotations

import json

import jsonata
import pytest
from infra_support import Synthesized, cdk_context, props, resources, state_machines_by_name

from stacks.scenario_trigger import (
    AS_OF_EXPRESSION,
    NAME_EXPRESSION,
    SCENARIOS_EXPRESSION,
    trigger_definition,
)


def test_reset_schedules_follow_the_stage_cron_list_in_new_york_time(synth: Synthesized):
    for stage, template in synth.templates.items():
        expected = cdk_context()["ims:stages"][stage]["reset_schedules"]
        # Given the schedules of a stage
        schedules = [
            s["Properties"] for s in resources(template, "AWS::Scheduler::Schedule").values()
        ]

        # Then there is one per cron expression of cdk.json (none for an empty list)
        assert sorted(s["ScheduleExpression"] for s in schedules) == sorted(expected)
        reset = state_machines_by_name(template)[f"{stage}-ImsTrainingReset"]
        for schedule in schedules:
            # And each runs in New York time and starts the reset state machine
            assert schedule["ScheduleExpressionTimezone"] == "America/New_York"
            assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
            assert schedule["Target"]["Arn"] == {"Ref": reset}
            assert json.loads(schedule["Target"]["Input"]) == {}
            # And with an explicit retry policy
            assert schedule["Target"]["RetryPolicy"] == {
                "MaximumEventAgeInSeconds": 1800,
                "MaximumRetryAttempts": 3,
            }
            assert schedule["GroupName"] == f"{stage}-ImsTrainingReset"


def test_an_empty_schedule_list_makes_no_schedule(synth: Synthesized):
    # Given dev, whose cdk.json lists no reset schedule
    assert cdk_context()["ims:stages"]["dev"]["reset_schedules"] == []

    # Then it has no schedule, no schedule group and no schedule alarms
    template = synth.templates["dev"]
    assert resources(template, "AWS::Scheduler::Schedule") == {}
    assert resources(template, "AWS::Scheduler::ScheduleGroup") == {}


def test_scheduler_role_may_only_start_the_reset(synth: Synthesized):
    # Given the role the schedules assume
    template = synth.templates["qa"]
    (schedule, *_) = resources(template, "AWS::Scheduler::Schedule").values()
    role = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    reset = state_machines_by_name(template)["qa-ImsTrainingReset"]

    # Then it is trusted by the scheduler of this account and starts the reset only
    trust = props(template, role)["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == "222222222222"
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
    ]
    assert policies == [
        [{"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": reset}}]
    ]


def test_scenario_uploads_under_the_trigger_prefix_start_the_trigger(synth: Synthesized):
    # Given the stage's scenario settings and its EventBridge rule
    template = synth.templates["dev"]
    scenarios = cdk_context()["ims:stages"]["dev"]["scenarios"]
    (rule,) = _rules(template, "aws.s3")

    # Then CSV files created under the trigger prefix of the scenario bucket match
    assert rule["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [scenarios["bucket"]]},
            "object": {
                "key": [
                    {"wildcard": f"{scenarios['trigger_prefix']}*.csv"},
                    {"wildcard": f"{scenarios['trigger_prefix']}*.CSV"},
                ]
            },
        },
    }
    # And the target is the trigger state machine, with a retry policy
    (target,) = rule["Targets"]
    trigger = state_machines_by_name(template)["dev-ImsTrainingScenarioTrigger"]
    assert target["Arn"] == {"Ref": trigger}
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 7200, "MaximumRetryAttempts": 5}
    assert props(template, trigger)["StateMachineType"] == "EXPRESS"


def test_no_trigger_prefix_means_no_trigger(variants: Synthesized):
    # Given a stage with trigger_prefix null, Then there is no rule and no trigger
    template = variants.templates["svless"]
    assert _rules(template, "aws.s3") == []
    assert "svless-ImsTrainingScenarioTrigger" not in state_machines_by_name(template)


def _rules(template: dict, source: str) -> list[dict]:
    """The EventBridge rules whose pattern matches events of ``source``."""
    rules = (r["Properties"] for r in resources(template, "AWS::Events::Rule").values())
    return [rule for rule in rules if rule["EventPattern"]["source"] == [source]]


def test_every_ended_reset_or_gold_changing_run_starts_a_reset_stage(synth: Synthesized):
    # Given the stage's rule on Step Functions status changes
    template = synth.templates["dev"]
    machines = state_machines_by_name(template)
    (rule,) = _rules(template, "aws.states")
    # Then it matches every end of the reset and the gold-changing state machines
    detail = rule["EventPattern"]["detail"]
    assert detail["status"] == ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]
    ended = ("Reset", "GoldLoad", "GoldUndo", "GoldRemove")
    sources = {machines[f"dev-ImsTraining{name}"] for name in ended}
    assert {arn["Ref"] for arn in detail["stateMachineArn"]} == sources
    # And it starts the reset-stage state machine, waiting first, never itself
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": machines["dev-ImsTrainingResetStage"]}
    assert machines["dev-ImsTrainingResetStage"] not in sources
    assert json.loads(target["Input"]) == {"delay_seconds": 300}


def _s3_event(key: str, time: str = "2025-04-01T00:30:00Z") -> dict:
    return {
        "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "time": time,
        "detail-type": "Object Created",
        "source": "aws.s3",
        "detail": {"bucket": {"name": "dev-scenarios"}, "object": {"key": key}},
    }


def _evaluate(expression: str, event: dict) -> str:
    states = {"input": event, "context": {"Execution": {"Id": "arn:aws:states:x"}}}
    result: str = jsonata.Jsonata(expression).evaluate(None, {"states": states})
    return result


@pytest.mark.parametrize(
    ("key", "as_of"),
    [
        ("ims-training/gold-load/as-of=2025-03-15/picks.csv", "2025-03-15"),
        ("ims-training/gold-load/as-of%3D2025-03-15/picks.csv", "2025-03-15"),
        ("ims-training/gold-load/spring/as-of=2024-12-31.csv", "2024-12-31"),
        ("ims-training/gold-load/picks.csv", "2025-03-31"),
    ],
)
def test_as_of_comes_from_the_key_or_is_the_day_before_the_upload(key: str, as_of: str):
    # Given an S3 event for an upload at 2025-04-01T00:30Z
    event = _s3_event(key)

    # When the trigger's as-of expression is evaluated
    # Then it is the date after as-of= in the key, or else the UTC day before the upload
    assert _evaluate(AS_OF_EXPRESSION, event) == as_of


def test_the_gold_load_gets_the_uploaded_file_and_a_readable_name():
    # Given an upload whose key S3 delivered with '=' encoded
    event = _s3_event("ims-training/gold-load/as-of%3D2025-03-15/picks.csv")

    # Then the gold load reads the real key, and its execution name says when and what
    assert _evaluate(SCENARIOS_EXPRESSION, event) == (
        "s3://dev-scenarios/ims-training/gold-load/as-of=2025-03-15/picks.csv"
    )
    assert _evaluate(NAME_EXPRESSION, event) == "s3-20250401T003000Z-17793124"


def test_the_trigger_definition_uses_those_expressions():
    # Given the trigger's ASL
    task = trigger_definition()["States"]["Start gold load"]

    # Then the gold load input is {scenarios, as_of} built from the tested expressions
    assert task["Resource"] == "arn:aws:states:::states:startExecution"
    assert task["Arguments"]["Input"]["scenarios"] == "{% " + SCENARIOS_EXPRESSION + " %}"
    assert task["Arguments"]["Input"]["as_of"] == "{% " + AS_OF_EXPRESSION + " %}"
    assert task["Arguments"]["Name"] == "{% " + NAME_EXPRESSION + " %}"
    # And the input is exactly those two fields: nothing per delivery
    assert set(task["Arguments"]["Input"]) == {"scenarios", "as_of"}
    # And a repeated event whose gold load already ended is not an error: the name the
    # optimized states:startExecution integration gives a taken execution name is caught,
    # and not retried
    assert task["Catch"] == [
        {
            "ErrorEquals": ["StepFunctions.ExecutionAlreadyExistsException"],
            "Next": "Already started",
        }
    ]
    assert task["Retry"][0] == {
        "ErrorEquals": ["StepFunctions.ExecutionAlreadyExistsException"],
        "MaxAttempts": 0,
    }
    assert trigger_definition()["States"]["Already started"]["Type"] == "Succeed"


def _evaluate_in(expression: str, event: dict, trigger_execution_id: str) -> str:
    states = {"input": event, "context": {"Execution": {"Id": trigger_execution_id}}}
    result: str = jsonata.Jsonata(expression).evaluate(None, {"states": states})
    return result


def test_a_redelivered_event_asks_for_the_same_execution_name_and_input():
    # Given one S3 event delivered twice, i.e. to two executions of the trigger
    event = _s3_event("ims-training/gold-load/as-of=2025-03-15/picks.csv")
    task = trigger_definition()["States"]["Start gold load"]
    fields = {"Name": task["Arguments"]["Name"], **task["Arguments"]["Input"]}

    # When each delivery evaluates the StartExecution name and input
    first, second = (
        {
            field: _evaluate_in(value.removeprefix("{% ").removesuffix(" %}"), event, execution)
            for field, value in fields.items()
        }
        for execution in (
            "arn:aws:states:us-east-1:111111111111:express:dev-ImsTrainingScenarioTrigger:a:1",
            "arn:aws:states:us-east-1:111111111111:express:dev-ImsTrainingScenarioTrigger:b:2",
        )
    )

    # Then both ask for the same execution with the same input (StartExecution is then
    # idempotent while the first run goes on), and nothing reads the trigger's own context
    assert first == second
    assert not any("$states.context" in value for value in fields.values())

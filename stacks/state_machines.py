"""The workflows' state machines, and what every state machine and log group of the stack shares."""

from __future__ import annotations

import json
from collections.abc import Mapping

from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn

from stacks import nag
from stacks.config import LOG_RETENTION_DAYS, StageSettings
from stacks.constants import (
    DEFAULT_WORKFLOW_TIMEOUT_MINUTES,
    FALLBACK_WORKFLOW_TIMEOUT_MINUTES,
    pascal,
)
from stacks.naming import retained_log_group_name
from stacks.workflows import Workflow


def build_state_machine(
    stack: Stack,
    workflow: Workflow,
    *,
    prefix: str,
    settings: StageSettings,
    functions: Mapping[str, lambda_.Function],
) -> sfn.StateMachine:
    """The STANDARD state machine of one workflow, its ASL file with the functions' ARNs."""
    title = pascal(workflow.name)
    name = f"{prefix}{title}"
    log_group = logs.LogGroup(
        stack,
        f"{title}StateMachineLogGroup",
        log_group_name=retained_log_group_name(stack, f"/aws/vendedlogs/states/{name}"),
        retention=retention(settings.log_retention_days),
    )
    minutes = settings.workflow_timeouts_minutes.get(
        workflow.name,
        DEFAULT_WORKFLOW_TIMEOUT_MINUTES.get(workflow.name, FALLBACK_WORKFLOW_TIMEOUT_MINUTES),
    )
    machine = sfn.StateMachine(
        stack,
        f"{title}StateMachine",
        state_machine_name=name,
        state_machine_type=sfn.StateMachineType.STANDARD,
        definition_body=sfn.DefinitionBody.from_string(
            with_timeout(workflow.definition, minutes * 60)
        ),
        definition_substitutions={
            placeholder: functions[placeholder].function_arn
            for placeholder in workflow.placeholders
        },
        tracing_enabled=True,
        logs=sfn.LogOptions(
            destination=log_group,
            level=sfn.LogLevel.ERROR,
            include_execution_data=False,
        ),
    )
    for placeholder in workflow.placeholders:
        function = functions[placeholder]
        function.grant_invoke(machine)
        nag.acknowledge(
            machine,
            nag.resource_finding("AwsSolutions-IAM5", function, ":*"),
            "grant_invoke also allows the function's versions and aliases (ARN:*); the"
            " state machine may invoke only the functions its ASL file names.",
        )
    nag.acknowledge(
        machine,
        "AwsSolutions-SF1",
        "Level ERROR without execution data on purpose: inputs and outputs carry customer"
        " numbers, and every state transition is kept in the execution history anyway.",
    )
    acknowledge_log_delivery_and_tracing(machine)
    return machine


# --------------------------------------------------------------------------- triggers


def with_timeout(definition: str, seconds: int) -> str:
    """The ASL text with a top-level ``TimeoutSeconds`` (unless the file sets its own).

    CDK's ``timeout`` does not reach a definition given as a string, and a stuck execution
    should end TIMED_OUT (and alarm) rather than run for the Step Functions maximum of a
    year. Only this one key is added; the states are the file's, unchanged.
    """
    document = json.loads(definition)
    if "TimeoutSeconds" in document:
        return definition
    document["TimeoutSeconds"] = seconds
    return json.dumps(document, indent=2, ensure_ascii=False)


def acknowledge_log_delivery_and_tracing(machine: sfn.StateMachine) -> None:
    nag.acknowledge(
        machine,
        "AwsSolutions-IAM5[Resource::*]",
        "Step Functions' log delivery (logs:*LogDelivery*, DescribeLogGroups, resource"
        " policies) and X-Ray put actions support no resource-level permissions.",
    )


_RETENTIONS = dict(
    zip(
        LOG_RETENTION_DAYS,
        [member for member in logs.RetentionDays if member is not logs.RetentionDays.INFINITE],
        strict=True,
    )
)


def retention(days: int) -> logs.RetentionDays:
    if days not in _RETENTIONS:
        raise ValueError(f"{days} is not a CloudWatch Logs retention ({LOG_RETENTION_DAYS})")
    return _RETENTIONS[days]

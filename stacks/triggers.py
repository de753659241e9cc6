"""What starts executions on its own: the reset schedules and the scenario-upload trigger."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Annotations, Duration, RemovalPolicy, Stack, TimeZone
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_stepfunctions as sfn

from stacks.config import StageSettings
from stacks.constants import (
    SCHEDULE_MAX_EVENT_AGE_MINUTES,
    SCHEDULE_RETRY_ATTEMPTS,
    TRIGGER_MAX_EVENT_AGE_HOURS,
    TRIGGER_RETRY_ATTEMPTS,
)
from stacks.monitoring import AlarmTopic, execution_metric
from stacks.naming import retained_log_group_name
from stacks.scenario_trigger import GOLD_LOAD_ARN_PLACEHOLDER, trigger_definition_json
from stacks.state_machines import acknowledge_log_delivery_and_tracing, retention
from training_refresh.registry import GOLD_LOAD, GOLD_REMOVE, GOLD_UNDO, RESET, RESET_STAGE

RETRY_POLICY_NOTE = (
    f"retries {SCHEDULE_RETRY_ATTEMPTS} times within {SCHEDULE_MAX_EVENT_AGE_MINUTES} minutes"
)


def reset_schedules(
    stack: Stack,
    *,
    prefix: str,
    settings: StageSettings,
    machines: Mapping[str, sfn.StateMachine],
    alarms: AlarmTopic,
) -> None:
    """The EventBridge Scheduler schedules that start resets, and their alarm."""
    expressions = settings.reset_schedules
    if not expressions:
        return
    machine = machines.get(RESET)
    if machine is None:
        Annotations.of(stack).add_info(
            f"reset_schedules are set but no '{RESET}' workflow exists yet: no schedule made"
        )
        return
    # The group holds nothing but these schedules: it goes with the stack (a retained
    # group would keep its fixed name and block the next deploy of the stage).
    group = scheduler.ScheduleGroup(
        stack,
        "ResetScheduleGroup",
        schedule_group_name=f"{prefix}Reset",
        removal_policy=RemovalPolicy.DESTROY,
    )
    target = scheduler_targets.StepFunctionsStartExecution(
        machine,
        input=scheduler.ScheduleTargetInput.from_object(dict(settings.reset_input)),
        retry_attempts=SCHEDULE_RETRY_ATTEMPTS,
        max_event_age=Duration.minutes(SCHEDULE_MAX_EVENT_AGE_MINUTES),
    )
    for index, expression in enumerate(expressions, start=1):
        scheduler.Schedule(
            stack,
            f"ResetSchedule{index}",
            schedule_name=f"{prefix}Reset-{index}",
            schedule_group=group,
            description=f"Reset the training tables: {expression} America/New_York",
            schedule=scheduler.ScheduleExpression.expression(expression, TimeZone.AMERICA_NEW_YORK),
            target=target,
        )
    # Only a start that failed for good alarms: a failed attempt that a retry fixed
    # (TargetErrorCount) is not worth a mail.
    alarms.alarm(
        stack,
        "ResetScheduleDroppedAlarm",
        name=f"{prefix}ResetSchedule-Dropped",
        metric=group.metric_dropped(period=Duration.minutes(5)),
        description=(
            f"A scheduled reset could not be started: the schedule {RETRY_POLICY_NOTE}"
            " and then gave up. Start it by hand if a class is waiting."
        ),
    )


def scenario_trigger(
    stack: Stack,
    *,
    prefix: str,
    settings: StageSettings,
    machines: Mapping[str, sfn.StateMachine],
    alarms: AlarmTopic,
) -> None:
    """A scenario file uploaded under the trigger prefix starts a gold load."""
    scenarios = settings.scenarios
    if scenarios.trigger_prefix is None:
        return
    gold_load = machines.get(GOLD_LOAD)
    if gold_load is None:
        Annotations.of(stack).add_info(f"no '{GOLD_LOAD}' workflow: no scenario trigger made")
        return
    name = f"{prefix}ScenarioTrigger"
    log_group = logs.LogGroup(
        stack,
        "ScenarioTriggerLogGroup",
        log_group_name=retained_log_group_name(stack, f"/aws/vendedlogs/states/{name}"),
        retention=retention(settings.log_retention_days),
    )
    trigger = sfn.StateMachine(
        stack,
        "ScenarioTriggerStateMachine",
        state_machine_name=name,
        state_machine_type=sfn.StateMachineType.EXPRESS,
        definition_body=sfn.DefinitionBody.from_string(trigger_definition_json()),
        definition_substitutions={GOLD_LOAD_ARN_PLACEHOLDER: gold_load.state_machine_arn},
        tracing_enabled=True,
        logs=sfn.LogOptions(
            destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True
        ),
    )
    gold_load.grant_start_execution(trigger)
    acknowledge_log_delivery_and_tracing(trigger)
    rule = events.Rule(
        stack,
        "ScenarioUploadedRule",
        rule_name=f"{prefix}ScenarioUploaded",
        description=(
            f"Scenario file created under s3://{scenarios.bucket}/{scenarios.trigger_prefix}"
            " -> gold load"
        ),
        event_pattern=events.EventPattern(
            source=["aws.s3"],
            detail_type=["Object Created"],
            detail={
                "bucket": {"name": [scenarios.bucket]},
                "object": {
                    "key": events.Match.any_of(
                        events.Match.wildcard(f"{scenarios.trigger_prefix}*.csv"),
                        events.Match.wildcard(f"{scenarios.trigger_prefix}*.CSV"),
                    )
                },
            },
        ),
        targets=[
            events_targets.SfnStateMachine(
                trigger,
                retry_attempts=TRIGGER_RETRY_ATTEMPTS,
                max_event_age=Duration.hours(TRIGGER_MAX_EVENT_AGE_HOURS),
            )
        ],
    )
    alarms.alarm(
        stack,
        "ScenarioTriggerFailedAlarm",
        name=f"{prefix}ScenarioTrigger-ExecutionsFailed",
        metric=execution_metric(trigger, "failed"),
        description="A scenario upload could not start its gold load (see the trigger log).",
    )
    alarms.alarm(
        stack,
        "ScenarioRuleFailedAlarm",
        name=f"{prefix}ScenarioUploaded-FailedInvocations",
        metric=rule_failed_invocations(rule),
        description="EventBridge could not start the scenario trigger for an upload.",
    )


RESET_STAGE_DELAY_SECONDS = 300
"""How long a staging started by a finished reset or gold-changing run waits first, so it
does not compete with a class that has just started (docs/reset.md)."""


def reset_stage_trigger(
    stack: Stack,
    *,
    prefix: str,
    settings: StageSettings,
    machines: Mapping[str, sfn.StateMachine],
    alarms: AlarmTopic,
) -> None:
    """Every finished reset or gold-changing run (any end: a partly failed load still
    publishes) starts a reset-stage execution, which waits first and stages the next
    reset's copies of the published gold state."""
    stage = machines.get(RESET_STAGE)
    ended = (RESET, GOLD_LOAD, GOLD_UNDO, GOLD_REMOVE)
    sources = [machines[name] for name in ended if name in machines]
    if stage is None or not sources:
        return
    rule = events.Rule(
        stack,
        "ResetStageRule",
        rule_name=f"{prefix}ResetStage",
        description="A reset or gold-changing run ended -> stage the next reset's copies",
        event_pattern=events.EventPattern(
            source=["aws.states"],
            detail_type=["Step Functions Execution Status Change"],
            detail={
                "status": ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"],
                "stateMachineArn": [m.state_machine_arn for m in sources],
            },
        ),
        targets=[
            events_targets.SfnStateMachine(
                stage,
                input=events.RuleTargetInput.from_object(
                    {"delay_seconds": RESET_STAGE_DELAY_SECONDS}
                ),
                retry_attempts=TRIGGER_RETRY_ATTEMPTS,
                max_event_age=Duration.hours(TRIGGER_MAX_EVENT_AGE_HOURS),
            )
        ],
    )
    alarms.alarm(
        stack,
        "ResetStageRuleFailedAlarm",
        name=f"{prefix}ResetStage-FailedInvocations",
        metric=rule_failed_invocations(rule),
        description="EventBridge could not start a reset-stage: the next reset copies now.",
    )


def rule_failed_invocations(rule: events.Rule) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace="AWS/Events",
        metric_name="FailedInvocations",
        dimensions_map={"RuleName": rule.rule_name},
        period=Duration.minutes(5),
        statistic=cloudwatch.Stats.SUM,
    )

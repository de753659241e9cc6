"""Alarms to an SNS topic (e-mail) and the operations dashboard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.constants import CUSTOM_METRICS, METRICS_NAMESPACE, pascal

ALARM_PERIOD = Duration.minutes(5)
DASHBOARD_PERIOD = Duration.hours(1)
WIDGET_WIDTH = 12
WIDGET_HEIGHT = 6

EXECUTION_OUTCOMES = ("failed", "timed_out", "aborted")
"""Execution outcomes that alarm (each a Step Functions metric of the state machine)."""


class AlarmTopic(Construct):
    """SNS topic for alarms, encrypted with its own key that CloudWatch may use."""

    def __init__(self, scope: Construct, id: str, *, name: str, emails: Sequence[str]) -> None:
        super().__init__(scope, id)
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{name}",
            description=f"Encrypts the {name} alarm topic",
            enable_key_rotation=True,
        )
        # CloudWatch alarms publish to an encrypted topic only if the key lets them; the
        # AWS managed aws/sns key cannot, hence a customer managed key.
        self.key.grant(
            iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*"
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=name,
            display_name="IMS training refresh alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        # enforce_ssl gives the topic a policy of its own, which replaces the default one:
        # without this statement CloudWatch may not publish, and every alarm action fails
        # ("... is not authorized to perform: SNS:Publish"). Only alarms of this account
        # and region may use it (the confused-deputy conditions AWS recommends).
        stack = Stack.of(self)
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsOfThisAccount",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="cloudwatch",
                            resource="alarm",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    },
                },
            )
        )
        for email in emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self.action = cloudwatch_actions.SnsAction(self.topic)

    def alarm(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        metric: cloudwatch.IMetric,
        description: str,
    ) -> cloudwatch.Alarm:
        """An alarm that fires when the metric's sum reaches 1 in a five-minute period."""
        alarm = cloudwatch.Alarm(
            scope,
            id,
            alarm_name=name,
            alarm_description=description,
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self.action)
        return alarm


def execution_metric(machine: sfn.StateMachine, outcome: str) -> cloudwatch.Metric:
    """The five-minute sum of one execution outcome of a state machine."""
    metrics = {
        "failed": machine.metric_failed,
        "timed_out": machine.metric_timed_out,
        "aborted": machine.metric_aborted,
    }
    if outcome not in metrics:
        raise ValueError(f"unknown execution outcome {outcome!r}")
    return metrics[outcome](period=ALARM_PERIOD, statistic=cloudwatch.Stats.SUM)


def search_expression(metric_name: str, statistic: str = "Sum") -> cloudwatch.MathExpression:
    """Every series of a custom metric, whatever its dimensions (empty if none exists)."""
    period = int(DASHBOARD_PERIOD.to_seconds())
    return cloudwatch.MathExpression(
        expression=(
            f'SEARCH(\'Namespace="{METRICS_NAMESPACE}" MetricName="{metric_name}"\','
            f" '{statistic}', {period})"
        ),
        using_metrics={},
        label=metric_name,
        period=DASHBOARD_PERIOD,
    )


def _statistic(metric_name: str) -> str:
    return "Maximum" if metric_name.endswith("Seconds") else "Sum"


def build_dashboard(
    scope: Construct,
    id: str,
    *,
    name: str,
    machines: Mapping[str, sfn.StateMachine],
    functions: Mapping[str, lambda_.Function],
) -> cloudwatch.Dashboard:
    """Executions and durations per workflow, the Lambdas' own metrics, Lambda health."""
    dashboard = cloudwatch.Dashboard(
        scope, id, dashboard_name=name, default_interval=Duration.days(7)
    )
    for workflow, machine in machines.items():
        title = pascal(workflow)
        dashboard.add_widgets(
            cloudwatch.TextWidget(markdown=f"## {title}", width=24, height=1),
            cloudwatch.GraphWidget(
                title=f"{title} executions",
                width=WIDGET_WIDTH,
                height=WIDGET_HEIGHT,
                left=[
                    m.with_(period=DASHBOARD_PERIOD, statistic=cloudwatch.Stats.SUM)
                    for m in (
                        machine.metric_started(label="started"),
                        machine.metric_succeeded(label="succeeded"),
                        machine.metric_failed(label="failed"),
                        machine.metric_timed_out(label="timed out"),
                        machine.metric_aborted(label="aborted"),
                    )
                ],
            ),
            cloudwatch.GraphWidget(
                title=f"{title} duration (ms)",
                width=WIDGET_WIDTH,
                height=WIDGET_HEIGHT,
                left=[
                    machine.metric_time(
                        label="average", statistic=cloudwatch.Stats.AVERAGE, period=DASHBOARD_PERIOD
                    ),
                    machine.metric_time(
                        label="maximum", statistic=cloudwatch.Stats.MAXIMUM, period=DASHBOARD_PERIOD
                    ),
                ],
            ),
        )
        metric_names = CUSTOM_METRICS.get(workflow, ())
        if metric_names:
            dashboard.add_widgets(
                *(
                    cloudwatch.GraphWidget(
                        title=f"{metric_name} ({_statistic(metric_name).lower()} per hour)",
                        width=24 // min(len(metric_names), 4),
                        height=WIDGET_HEIGHT,
                        left=[search_expression(metric_name, _statistic(metric_name))],
                    )
                    for metric_name in metric_names
                )
            )
    ordered = sorted(functions.items())
    dashboard.add_widgets(
        cloudwatch.TextWidget(markdown="## Lambda functions", width=24, height=1),
        cloudwatch.GraphWidget(
            title="Lambda duration, maximum (ms; timeout is the limit)",
            width=WIDGET_WIDTH,
            height=WIDGET_HEIGHT,
            left=[
                fn.metric_duration(label=name, statistic=cloudwatch.Stats.MAXIMUM)
                for name, fn in ordered
            ],
        ),
        cloudwatch.GraphWidget(
            title="Lambda errors and throttles",
            width=WIDGET_WIDTH,
            height=WIDGET_HEIGHT,
            left=[fn.metric_errors(label=f"{name} errors") for name, fn in ordered],
            right=[fn.metric_throttles(label=f"{name} throttles") for name, fn in ordered],
        ),
    )
    return dashboard

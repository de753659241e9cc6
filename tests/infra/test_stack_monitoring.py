"""Alarms on failed, timed-out and aborted executions to an encrypted SNS topic; dashboard."""

from __future__ import annotations

import json

from infra_support import Synthesized, cdk_context, props, resources, state_machines_by_name

from stacks.constants import CUSTOM_METRICS, pascal
from training_refresh.registry import WORKFLOWS

OUTCOMES = {
    "ExecutionsFailed": "Failed",
    "ExecutionsTimedOut": "TimedOut",
    "ExecutionsAborted": "Aborted",
}


def _topic(template: dict) -> str:
    (topic,) = resources(template, "AWS::SNS::Topic")
    return topic


def test_failed_timed_out_and_aborted_executions_alarm_to_the_topic(synth: Synthesized):
    for stage, template in synth.templates.items():
        alarms = [a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()]
        machines = state_machines_by_name(template)
        for workflow in WORKFLOWS:
            machine = machines[f"{stage}-ImsTraining{pascal(workflow)}"]
            for metric, label in OUTCOMES.items():
                # Given the alarm on one outcome of one workflow
                (alarm,) = [
                    a
                    for a in alarms
                    if a.get("MetricName") == metric
                    and a["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": machine}}]
                ]
                # Then one such execution in five minutes notifies the alarm topic
                assert (
                    alarm["AlarmName"] == f"{stage}-ImsTraining{pascal(workflow)}-Executions{label}"
                )
                assert alarm["Namespace"] == "AWS/States"
                assert alarm["Statistic"] == "Sum"
                assert alarm["Period"] == 300
                assert alarm["Threshold"] == 1
                assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
                assert alarm["TreatMissingData"] == "notBreaching"
                assert alarm["AlarmActions"] == [{"Ref": _topic(template)}]


def test_every_alarm_notifies_the_topic(synth: Synthesized):
    for template in synth.templates.values():
        for logical_id, alarm in resources(template, "AWS::CloudWatch::Alarm").items():
            assert alarm["Properties"]["AlarmActions"] == [{"Ref": _topic(template)}], logical_id


def test_the_topic_is_encrypted_mails_the_stage_contacts_and_requires_tls(synth: Synthesized):
    for stage, template in synth.templates.items():
        # Given the alarm topic
        topic_id = _topic(template)
        topic = props(template, topic_id)

        # Then it is encrypted with a rotated customer managed key CloudWatch may use
        key_id = topic["KmsMasterKeyId"]["Fn::GetAtt"][0]
        key = props(template, key_id)
        assert key["EnableKeyRotation"] is True
        assert any(
            s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
            and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(s["Action"])
            for s in key["KeyPolicy"]["Statement"]
        )
        # And it mails the stage's alarm addresses
        emails = sorted(
            s["Properties"]["Endpoint"]
            for s in resources(template, "AWS::SNS::Subscription").values()
            if s["Properties"]["Protocol"] == "email"
        )
        assert emails == sorted(cdk_context()["ims:stages"][stage]["alarm_emails"])
        # And publishing without TLS is denied
        (policy,) = resources(template, "AWS::SNS::TopicPolicy").values()
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
        )


def test_trigger_and_schedule_failures_alarm_too(synth: Synthesized):
    # Given qa (schedules and a scenario trigger)
    names = {
        a["Properties"]["AlarmName"]
        for a in resources(synth.templates["qa"], "AWS::CloudWatch::Alarm").values()
    }

    # Then a dropped scheduled reset, a failed trigger and a failed rule delivery alarm
    assert {
        "qa-ImsTrainingResetSchedule-Dropped",
        "qa-ImsTrainingScenarioTrigger-ExecutionsFailed",
        "qa-ImsTrainingScenarioUploaded-FailedInvocations",
    } <= names


def _dashboard(template: dict) -> tuple[str, dict]:
    """The dashboard's name and its body, with references replaced by their logical ids."""
    (dashboard,) = resources(template, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]
    if isinstance(body, dict):  # Fn::Join of JSON text and references inside its strings
        body = "".join(
            part if isinstance(part, str) else str(next(iter(part.values())))
            for part in body["Fn::Join"][1]
        )
    return dashboard["Properties"]["DashboardName"], json.loads(body)


def test_dashboard_shows_executions_durations_and_the_lambda_metrics(synth: Synthesized):
    for stage, template in synth.templates.items():
        # Given the stage's dashboard
        name, body = _dashboard(template)
        assert name == f"{stage}-ImsTrainingRefresh"
        widgets = body["widgets"]
        titles = {w["properties"].get("title") for w in widgets}
        expressions = {
            entry["expression"]
            for w in widgets
            for row in w["properties"].get("metrics", [])
            for entry in row
            if isinstance(entry, dict) and "expression" in entry
        }

        for workflow in WORKFLOWS:
            # Then each workflow has its executions and durations
            assert f"{pascal(workflow)} executions" in titles
            assert f"{pascal(workflow)} duration (ms)" in titles
            # And every custom metric it publishes, found by name whatever its dimensions
            for metric in CUSTOM_METRICS.get(workflow, ()):
                statistic = "Maximum" if metric.endswith("Seconds") else "Sum"
                assert (
                    f'SEARCH(\'Namespace="IMSTrainingRefresh" MetricName="{metric}"\','
                    f" '{statistic}', 3600)"
                ) in expressions
        # And the Lambdas' durations, errors and throttles
        assert "Lambda duration, maximum (ms; timeout is the limit)" in titles
        assert "Lambda errors and throttles" in titles


def test_cloudwatch_may_publish_alarms_of_this_account_only(synth: Synthesized):
    for stage, template in synth.templates.items():
        account = cdk_context()["ims:stages"][stage]["account"]
        region = cdk_context()["ims:stages"][stage]["region"]
        # Given the alarm topic's policy (enforce_ssl replaces the default policy)
        (policy,) = resources(template, "AWS::SNS::TopicPolicy").values()
        assert policy["Properties"]["Topics"] == [{"Ref": _topic(template)}]
        statements = policy["Properties"]["PolicyDocument"]["Statement"]

        # Then CloudWatch is allowed to publish, else no alarm action could ever notify
        (allow,) = [s for s in statements if s["Effect"] == "Allow"]
        assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        assert allow["Action"] == "sns:Publish"
        assert allow["Resource"] == {"Ref": _topic(template)}
        # And only for alarms of this stage's account and region
        assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": account}
        assert allow["Condition"]["ArnLike"] == {
            "aws:SourceArn": f"arn:aws:cloudwatch:{region}:{account}:alarm:*"
        }
        # And every alarm's action is that topic (test above), whose key CloudWatch may use
        assert any(s["Effect"] == "Deny" for s in statements)

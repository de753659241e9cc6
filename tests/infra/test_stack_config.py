"""Stage settings from cdk.json: everything that differs between stages, validated."""

from __future__ import annotations

import copy

import pytest
from aws_cdk import App
from infra_support import Synthesized, cdk_context, props, resources

from stacks.config import StageConfigError, load_stages, select_stages


def _dev() -> dict:
    return copy.deepcopy(cdk_context()["ims:stages"]["dev"])


def test_cdk_json_defines_dev_qa_and_prod(stage_names: list[str]):
    # Given cdk.json, Then it holds at least the three stages and each one is valid
    assert {"dev", "qa", "prod"} <= set(stage_names)
    assert set(load_stages(cdk_context()["ims:stages"])) == set(stage_names)


def test_every_stage_is_one_stack_in_its_account_and_region(synth: Synthesized):
    for stage, stack in synth.stacks.items():
        settings = cdk_context()["ims:stages"][stage]
        # Then the stack is named after the stage and bound to its account and region
        assert stack.stack_name == f"{stage}-ImsTrainingRefresh"
        assert stack.account == settings["account"]
        assert stack.region == settings["region"]
        assert stack.termination_protection is settings["termination_protection"]


def test_existing_network_is_imported_not_created(synth: Synthesized):
    for template in synth.templates.values():
        # Then the stack makes no VPC, subnet or security group of its own
        for kind in ("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup"):
            assert resources(template, kind) == {}


def test_one_stage_can_be_selected():
    # Given the stages, When -c stage=qa is given, Then only qa is built
    stages = load_stages(cdk_context()["ims:stages"])
    assert list(select_stages(stages, "qa")) == ["qa"]
    assert set(select_stages(stages, None)) == set(stages)
    with pytest.raises(StageConfigError, match="no such stage"):
        select_stages(stages, "staging")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["warehouse"].update(workgroup_name="training-wg"), "exactly one"),
        (lambda s: s["warehouse"].pop("cluster_id"), "exactly one"),
        (
            lambda s: s["warehouse"].update(db_user="ims"),
            "alternative credentials",
        ),
        (lambda s: s["training_db"].update(secret_arn="arn:aws:secretsmanager:x"), "secret ARN"),
        (lambda s: s["vpc"]["availability_zones"].pop(), "zone of each private subnet"),
        (lambda s: s["scenarios"].update(prefix="/leading"), "key prefix"),
        (lambda s: s["scenarios"].update(trigger_prefix="elsewhere/"), "inside prefix"),
        (lambda s: s.update(reset_schedules=["every morning"]), "cron"),
        (lambda s: s.update(log_retention_days=42), "is not one of"),
        (lambda s: s.update(alarm_emails=[]), "alarm_emails"),
        (lambda s: s.update(extra_environment={"PATH": "/x"}), "IMS_"),
        (lambda s: s.update(acount="1"), "acount"),
        (lambda s: s.update(account="12345"), "12-digit"),
    ],
)
def test_bad_settings_fail_the_synth_naming_the_key(change, message: str):
    # Given the dev settings with one mistake
    dev = _dev()
    change(dev)

    # When they are loaded, Then the error names the stage and the problem
    with pytest.raises(StageConfigError, match=message) as caught:
        load_stages({"dev": dev})
    assert "ims:stages.dev" in str(caught.value)


def test_a_bad_stage_name_is_refused():
    with pytest.raises(StageConfigError, match="stage name"):
        load_stages({"Dev_1": _dev()})


def test_missing_stages_context_is_explained():
    # Given an app without the ims:stages context, Then the message says what is missing
    import app as application

    with pytest.raises(StageConfigError, match="ims:stages"):
        application.build_app(App())


def test_stage_resource_names_carry_the_stage(synth: Synthesized):
    template = synth.templates["qa"]
    # Given the named resources of qa, Then every name starts with the stage
    for kind, key in (
        ("AWS::Lambda::Function", "FunctionName"),
        ("AWS::StepFunctions::StateMachine", "StateMachineName"),
        ("AWS::CloudWatch::Alarm", "AlarmName"),
        ("AWS::SNS::Topic", "TopicName"),
        ("AWS::Events::Rule", "Name"),
        ("AWS::Scheduler::Schedule", "Name"),
    ):
        for logical_id in resources(template, kind):
            assert props(template, logical_id)[key].startswith("qa-ImsTraining"), logical_id

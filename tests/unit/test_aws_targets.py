"""Finding the deployed stack: options, stack outputs by stage, environment variables."""

from __future__ import annotations

from collections.abc import Mapping

import boto3
import pytest
from botocore.exceptions import NoCredentialsError
from botocore.stub import Stubber

from ims_refresh.aws.client import cloudformation_outputs
from ims_refresh.aws.start import UPLOAD_SUFFIX, upload_key
from ims_refresh.aws.targets import (
    AwsUnavailableError,
    TargetError,
    TargetOptions,
    execution_arn,
    parse_execution_arn,
    resolve_targets,
    stack_name,
    workflow_of_state_machine,
)
from ims_refresh.aws.views import console_url

GOLD = "arn:aws:states:eu-west-1:111111111111:stateMachine:prod-ImsTrainingGoldLoad"
RESET = "arn:aws:states:eu-west-1:111111111111:stateMachine:prod-ImsTrainingReset"
QA_GOLD = "arn:aws:states:us-east-1:222222222222:stateMachine:qa-ImsTrainingGoldLoad"
PROD_OUTPUTS = {
    "GoldLoadStateMachineArn": GOLD,
    "ResetStateMachineArn": RESET,
    "ReportsBucketName": "prod-reports",
    "ScenarioBucketName": "prod-training-scenarios",
    "ScenarioPrefix": "ims-training/",
}


class FakeStacks:
    """Stack outputs by stack name; records which stacks were asked for."""

    def __init__(self, stacks: Mapping[str, Mapping[str, str]]) -> None:
        self.stacks = stacks
        self.asked: list[tuple[str, str | None]] = []

    def __call__(self, name: str, region: str | None) -> Mapping[str, str]:
        self.asked.append((name, region))
        if name not in self.stacks:
            raise TargetError(f"there is no CloudFormation stack {name}")
        return self.stacks[name]


def test_a_stage_finds_everything_in_its_stack_outputs() -> None:
    # Given the prod stack with all outputs
    stacks = FakeStacks({"prod-ImsTrainingRefresh": PROD_OUTPUTS})
    # When a gold load target is resolved by stage
    targets = resolve_targets(
        TargetOptions(stage="prod"),
        workflows=("gold-load",),
        need_scenario_bucket=True,
        environ={},
        stack_outputs=stacks,
    )
    # Then the state machine, buckets, prefix and region come from the outputs
    assert targets.state_machines == {"gold-load": GOLD}
    assert targets.reports_bucket == "prod-reports"
    assert targets.scenario_bucket == "prod-training-scenarios"
    assert targets.scenario_prefix == "ims-training/"
    assert targets.region == "eu-west-1"
    # And the stack was read once
    assert stacks.asked == [("prod-ImsTrainingRefresh", None)]


def test_options_beat_the_stage_which_beats_the_environment() -> None:
    # Given a prod stack, and an environment naming qa things
    stacks = FakeStacks({"prod-ImsTrainingRefresh": PROD_OUTPUTS})
    environ = {
        "IMS_GOLD_LOAD_STATE_MACHINE_ARN": QA_GOLD,
        "IMS_REPORTS_BUCKET": "qa-reports",
        "IMS_SCENARIO_BUCKET": "qa-scenarios",
    }
    # When --stage prod and an explicit --reports-bucket are given
    targets = resolve_targets(
        TargetOptions(stage="prod", reports_bucket="my-reports"),
        workflows=("gold-load",),
        environ=environ,
        stack_outputs=stacks,
    )
    # Then the option wins, then the stage's outputs; the environment is not used
    assert targets.reports_bucket == "my-reports"
    assert targets.state_machines["gold-load"] == GOLD
    assert targets.scenario_bucket == "prod-training-scenarios"


def test_environment_variables_beat_the_stage_from_the_environment() -> None:
    # Given IMS_STAGE=prod and an explicit state machine in the environment
    stacks = FakeStacks({"prod-ImsTrainingRefresh": PROD_OUTPUTS})
    environ = {
        "IMS_STAGE": "prod",
        "IMS_RESET_STATE_MACHINE_ARN": QA_GOLD.replace("GoldLoad", "Reset"),
    }
    # When a reset target is resolved
    targets = resolve_targets(
        TargetOptions(), workflows=("reset",), environ=environ, stack_outputs=stacks
    )
    # Then the variable wins and the stack of IMS_STAGE fills the rest
    assert targets.state_machines["reset"].endswith(":qa-ImsTrainingReset")
    assert targets.reports_bucket == "prod-reports"
    assert targets.stage == "prod"


def test_explicit_options_need_no_cloudformation() -> None:
    # Given everything on the command line and no way to read stacks
    def no_stacks(name: str, region: str | None) -> Mapping[str, str]:
        raise AssertionError("CloudFormation must not be asked")

    # When a gold load target is resolved
    targets = resolve_targets(
        TargetOptions(
            state_machine_arn=GOLD,
            reports_bucket="r-bucket",
            scenario_bucket="s-bucket",
            scenario_prefix="picks",
        ),
        workflows=("gold-load",),
        need_scenario_bucket=True,
        environ={},
        stack_outputs=no_stacks,
    )
    # Then all comes from the options (a prefix gets its trailing slash)
    assert targets.state_machines == {"gold-load": GOLD}
    assert targets.scenario_prefix == "picks/"
    assert targets.region == "eu-west-1"


@pytest.mark.parametrize(
    ("options", "environ", "need_scenario", "expected"),
    [
        (TargetOptions(), {}, False, "no --stage (or IMS_STAGE)"),
        (TargetOptions(stage="dev"), {}, False, "there is no CloudFormation stack dev-Ims"),
        (
            TargetOptions(stage="old"),
            {},
            True,
            "the stack old-ImsTrainingRefresh has no output ScenarioBucketName; pass "
            "--scenario-bucket",
        ),
        (
            TargetOptions(state_machine_arn=GOLD, scenario_bucket="s-bucket"),
            {},
            True,
            "the scenario prefix (where the gold load may read) is unknown",
        ),
        (TargetOptions(state_machine_arn="arn:aws:lambda:x"), {}, False, "not a state machine"),
        (TargetOptions(stage="prod; rm"), {}, False, "not a stage name"),
    ],
)
def test_what_cannot_be_found_is_named_with_the_way_to_give_it(
    options: TargetOptions, environ: dict[str, str], need_scenario: bool, expected: str
) -> None:
    # Given a stack "old" without the scenario outputs
    stacks = FakeStacks(
        {
            "old-ImsTrainingRefresh": {
                "GoldLoadStateMachineArn": GOLD,
                "ResetStateMachineArn": RESET,
                "ReportsBucketName": "old-reports",
            }
        }
    )
    # When the gold load target is resolved, Then the error says what is missing and how
    with pytest.raises(TargetError) as raised:
        resolve_targets(
            options,
            workflows=("gold-load",),
            need_scenario_bucket=need_scenario,
            environ=environ,
            stack_outputs=stacks,
        )
    assert expected in str(raised.value)


def test_an_optional_scenario_bucket_is_left_unknown_when_the_stack_cannot_be_read() -> None:
    # Given an explicit state machine and an IMS_STAGE whose stack does not exist
    stacks = FakeStacks({})
    targets = resolve_targets(
        TargetOptions(state_machine_arn=GOLD),
        workflows=("gold-load",),
        environ={"IMS_STAGE": "gone"},
        stack_outputs=stacks,
    )
    # Then the command can still go on without the buckets
    assert targets.scenario_bucket is None
    assert targets.reports_bucket is None


def test_stack_outputs_are_read_with_describe_stacks() -> None:
    # Given CloudFormation answering DescribeStacks (stubbed)
    client = boto3.client(
        "cloudformation",
        region_name="eu-west-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    stubber = Stubber(client)
    stubber.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": "prod-ImsTrainingRefresh",
                    "CreationTime": "2025-01-01T00:00:00Z",
                    "StackStatus": "UPDATE_COMPLETE",
                    "Outputs": [
                        {"OutputKey": k, "OutputValue": v} for k, v in PROD_OUTPUTS.items()
                    ],
                }
            ]
        },
        {"StackName": "prod-ImsTrainingRefresh"},
    )
    stubber.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message="Stack with id dev-ImsTrainingRefresh does not exist",
    )
    outputs = cloudformation_outputs(lambda region: client)
    with stubber:
        # When the outputs of an existing and a missing stack are read
        assert outputs("prod-ImsTrainingRefresh", "eu-west-1") == PROD_OUTPUTS
        # Then a missing stack is a usage error naming it
        with pytest.raises(TargetError, match="no CloudFormation stack dev-ImsTrainingRefresh"):
            outputs("dev-ImsTrainingRefresh", "eu-west-1")


def test_names_and_arns() -> None:
    assert stack_name("qa") == "qa-ImsTrainingRefresh"
    arn = execution_arn(GOLD, "gold-load-20250401T063000-123456")
    assert arn == (
        "arn:aws:states:eu-west-1:111111111111:execution:prod-ImsTrainingGoldLoad:"
        "gold-load-20250401T063000-123456"
    )
    assert parse_execution_arn(arn) is not None
    assert parse_execution_arn("gold-load-20250401T063000-123456") is None
    assert workflow_of_state_machine(GOLD) == "gold-load"
    assert workflow_of_state_machine(RESET) == "reset"
    assert workflow_of_state_machine(arn) == "gold-load"
    local = "arn:aws:states:us-east-1:123456789012:stateMachine:ims-refresh-local-reset"
    assert workflow_of_state_machine(local) == "reset"
    assert workflow_of_state_machine(GOLD.replace("GoldLoad", "Other")) is None
    assert console_url(arn) == (
        "https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1"
        f"#/v2/executions/details/{arn}"
    )


@pytest.mark.parametrize(
    "file_name", ["picks.csv", "PICKS.CSV", "spring class (v2).csv", "..", "ümlaut.csv"]
)
def test_an_uploaded_scenario_file_never_starts_the_upload_trigger(file_name: str) -> None:
    # Given the stack's upload trigger: *.csv / *.CSV under the trigger prefix
    key = upload_key("ims-training/", "gold-load-20250401T063000-123456", file_name)
    # Then the upload stays under the readable prefix and never ends in .csv
    assert key.startswith("ims-training/ims-refresh-start/gold-load-20250401T063000-123456/")
    assert key.endswith(UPLOAD_SUFFIX)
    assert not key.lower().endswith(".csv")
    assert all(c.isascii() and (c.isalnum() or c in "/-_.") for c in key)


def test_unreachable_aws_is_not_a_usage_error() -> None:
    # Given a CloudFormation client that cannot get credentials
    class NoCredentials:
        def describe_stacks(self, **_: str) -> None:
            raise NoCredentialsError

    outputs = cloudformation_outputs(lambda region: NoCredentials())
    # When the outputs are read, Then it is AWS being unavailable (exit code 1), not bad input
    with pytest.raises(AwsUnavailableError, match="Unable to locate credentials"):
        outputs("prod-ImsTrainingRefresh", None)

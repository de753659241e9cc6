"""The workflows' state machines: names, logging without customer data, tracing, timeouts."""

from __future__ import annotations

import json

from infra_support import (
    Synthesized,
    cdk_context,
    props,
    resources,
    retained_name,
    state_machines_by_name,
)

from stacks.constants import (
    DEFAULT_WORKFLOW_TIMEOUT_MINUTES,
    FALLBACK_WORKFLOW_TIMEOUT_MINUTES,
    STATEMACHINES_DIR,
    pascal,
)
from stacks.state_machines import with_timeout
from training_refresh.registry import WORKFLOWS


def test_each_workflow_is_a_standard_state_machine_named_after_its_stage(synth: Synthesized):
    for stage, template in synth.templates.items():
        # Given the state machines of a stage
        machines = state_machines_by_name(template)

        # Then each workflow has one, named {stage}-ImsTraining{Workflow}
        for workflow in WORKFLOWS:
            logical_id = machines[f"{stage}-ImsTraining{pascal(workflow)}"]
            assert props(template, logical_id)["StateMachineType"] == "STANDARD"


def test_logging_writes_errors_without_execution_data_and_tracing_is_on(synth: Synthesized):
    for stage, template in synth.templates.items():
        retention = cdk_context()["ims:stages"][stage]["log_retention_days"]
        groups = resources(template, "AWS::Logs::LogGroup")
        for workflow in WORKFLOWS:
            # Given a workflow's state machine
            name = f"{stage}-ImsTraining{pascal(workflow)}"
            properties = props(template, state_machines_by_name(template)[name])

            # Then it logs errors only, never inputs/outputs (they carry customer numbers)
            logging = properties["LoggingConfiguration"]
            assert logging["Level"] == "ERROR"
            assert logging["IncludeExecutionData"] is False
            # And to its own vended-logs group with the stage's retention
            (destination,) = logging["Destinations"]
            group_id = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
            group = groups[group_id]["Properties"]
            assert retained_name(group["LogGroupName"]) == (
                f"/aws/vendedlogs/states/{name}-{{stack-id}}"
            )
            assert group["RetentionInDays"] == retention
            # And X-Ray tracing is on
            assert properties["TracingConfiguration"] == {"Enabled": True}


def test_a_stuck_execution_times_out(synth: Synthesized):
    template = synth.templates["prod"]
    for workflow, file_name in WORKFLOWS.items():
        # Given a workflow's definition as deployed, and its ASL file
        properties = props(
            template, state_machines_by_name(template)[f"prod-ImsTraining{pascal(workflow)}"]
        )
        deployed = json.loads(properties["DefinitionString"])
        source = json.loads((STATEMACHINES_DIR / file_name).read_text(encoding="utf-8"))

        # Then the stack adds the workflow's overall timeout (unless the file sets one)
        minutes = DEFAULT_WORKFLOW_TIMEOUT_MINUTES.get(workflow, FALLBACK_WORKFLOW_TIMEOUT_MINUTES)
        assert deployed["TimeoutSeconds"] == source.get("TimeoutSeconds", minutes * 60)
        # And changes nothing else
        deployed.pop("TimeoutSeconds")
        source.pop("TimeoutSeconds", None)
        assert deployed == source


def test_a_stage_may_set_its_own_workflow_timeouts():
    # Given an ASL text without a timeout, and one with its own
    bare = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})
    own = json.dumps({"StartAt": "A", "TimeoutSeconds": 60, "States": {"A": {"Type": "Succeed"}}})

    # When the stack's timeout is applied
    # Then the bare one gets it and the file's own timeout wins
    assert json.loads(with_timeout(bare, 7200))["TimeoutSeconds"] == 7200
    assert json.loads(with_timeout(own, 7200))["TimeoutSeconds"] == 60


def test_the_stack_outputs_what_ims_refresh_start_looks_up(synth: Synthesized):
    for stage, template in synth.templates.items():
        # Given the stack outputs, Then each workflow's ARN is there under a fixed key
        outputs = template["Outputs"]
        machines = state_machines_by_name(template)
        for workflow in WORKFLOWS:
            key = f"{pascal(workflow)}StateMachineArn"
            assert outputs[key]["Value"] == {
                "Ref": machines[f"{stage}-ImsTraining{pascal(workflow)}"]
            }
        assert {"ReportsBucketName", "AlarmTopicArn"} <= set(outputs)

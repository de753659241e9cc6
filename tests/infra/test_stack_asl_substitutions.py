"""The state machines come from statemachines/*.asl.json with every placeholder substituted."""

from __future__ import annotations

import json

import pytest
from infra_support import Synthesized, props, state_machines_by_name

from stacks.constants import STATEMACHINES_DIR, pascal
from stacks.workflows import PLACEHOLDER, WorkflowDefinitionError, load_workflows, placeholders_in
from training_refresh.registry import HANDLERS, WORKFLOWS


def test_every_asl_placeholder_names_a_handler_and_every_handler_is_used():
    # Given the ASL files named by WORKFLOWS
    used: set[str] = set()
    for workflow in load_workflows():
        # When their ${...} placeholders are collected
        placeholders = set(placeholders_in(workflow.definition))
        # Then each one has a handler in HANDLERS
        assert placeholders <= set(HANDLERS), workflow.asl_file
        used |= placeholders
    # And every handler stands behind some placeholder (none is deployed for nothing)
    assert used == set(HANDLERS)


def test_each_state_machine_substitutes_exactly_its_placeholders(synth: Synthesized):
    for stage, template in synth.templates.items():
        machines = state_machines_by_name(template)
        for workflow, file_name in WORKFLOWS.items():
            # Given the deployed state machine of a workflow
            logical_id = machines[f"{stage}-ImsTraining{pascal(workflow)}"]
            properties = props(template, logical_id)
            asl = (STATEMACHINES_DIR / file_name).read_text(encoding="utf-8")

            # When its inline definition and its substitutions are compared
            definition = properties["DefinitionString"]
            substitutions = properties["DefinitionSubstitutions"]

            # Then the definition is the ASL file itself (a string cfn-lint can check), with
            # only the stack's overall timeout added
            assert isinstance(definition, str)
            deployed = json.loads(definition)
            deployed.pop("TimeoutSeconds")
            assert deployed == {k: v for k, v in json.loads(asl).items() if k != "TimeoutSeconds"}
            # And every placeholder has a substitution and every substitution is used
            assert set(PLACEHOLDER.findall(definition)) == set(substitutions), (stage, workflow)
            # And each substitution is the ARN of the Lambda behind that placeholder
            for placeholder, value in substitutions.items():
                function_id = value["Fn::GetAtt"][0]
                assert props(template, function_id)["Handler"] == HANDLERS[placeholder]


def test_the_trigger_state_machine_substitutes_its_one_placeholder(synth: Synthesized):
    # Given a stage with a scenario trigger
    template = synth.templates["dev"]
    properties = props(template, state_machines_by_name(template)["dev-ImsTrainingScenarioTrigger"])

    # Then its only placeholder is the gold load's ARN, and it is substituted
    assert set(PLACEHOLDER.findall(properties["DefinitionString"])) == {"GoldLoadStateMachineArn"}
    assert set(properties["DefinitionSubstitutions"]) == {"GoldLoadStateMachineArn"}


def test_a_placeholder_without_a_handler_is_refused(tmp_path):
    # Given an ASL file with a placeholder HANDLERS does not know
    (tmp_path / "odd.asl.json").write_text(
        json.dumps(
            {
                "StartAt": "A",
                "States": {
                    "A": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::lambda:invoke",
                        "Parameters": {"FunctionName": "${MysteryFunctionArn}"},
                        "End": True,
                    }
                },
            }
        )
    )

    # When the workflows are loaded, Then the placeholder is named in the error
    with pytest.raises(WorkflowDefinitionError, match="MysteryFunctionArn"):
        load_workflows({"odd": "odd.asl.json"}, HANDLERS, tmp_path)

"""cfn-lint passes on every synthesized template, including the inline ASL definitions."""

from __future__ import annotations

import json

import pytest
from cfnlint.api import ManualArgs, lint_file
from infra_support import Synthesized, cdk_context, resources

IGNORED = ["W3005"]  # CDK adds DependsOn that a GetAtt already implies


def _lint(path, region: str) -> list[str]:
    matches = lint_file(path, ManualArgs(ignore_checks=IGNORED, regions=[region]))
    return [f"{m.rule.id} {m.message} ({m.path})" for m in matches]


@pytest.mark.parametrize("stage", ["dev", "qa", "prod"])
def test_cfn_lint_passes_on_each_stage(synth: Synthesized, stage: str):
    # Given a stage's synthesized template
    path = synth.template_file(stage)
    region = cdk_context()["ims:stages"][stage]["region"]

    # When cfn-lint checks it (W3005 ignored)
    problems = _lint(path, region)

    # Then it reports nothing
    assert problems == []


def test_cfn_lint_passes_on_the_variants(variants: Synthesized):
    for stage in variants.templates:
        assert _lint(variants.template_file(stage), "us-east-1") == []


def test_cfn_lint_really_reads_the_inline_state_machine_definitions(synth: Synthesized, tmp_path):
    # Given a stage template whose gold-load definition gets a field ASL does not have
    template = json.loads(synth.template_file("dev").read_text())
    for machine in resources(template, "AWS::StepFunctions::StateMachine").values():
        definition = json.loads(machine["Properties"]["DefinitionString"])
        definition["NotAnAslField"] = True
        machine["Properties"]["DefinitionString"] = json.dumps(definition)
    broken = tmp_path / "broken.template.json"
    broken.write_text(json.dumps(template))

    # When cfn-lint checks it, Then it reports the definition (so the real ones were checked)
    problems = _lint(broken, "us-east-1")
    assert any("NotAnAslField" in problem for problem in problems)

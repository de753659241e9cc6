"""Helpers for the infrastructure tests: synthesize apps offline and read their templates."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import App
from aws_cdk.assertions import Template

from stacks.bundling import Runner
from stacks.constants import PROJECT_ROOT
from stacks.nag import add_nag_checks
from stacks.training_refresh_stack import TrainingRefreshStack, stack_name
from stacks.workflows import Workflow

SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}
"""CDK's own switch: bundle no stack (the asset is then the lambdas/ source directory)."""


def cdk_context() -> dict[str, Any]:
    """The context of cdk.json (a fresh copy each time: tests may change it)."""
    context: dict[str, Any] = json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]
    return copy.deepcopy(context)


@dataclass
class Synthesized:
    outdir: Path
    stacks: dict[str, TrainingRefreshStack]
    templates: dict[str, dict[str, Any]]

    def template(self, stage: str) -> Template:
        return Template.from_json(self.templates[stage])

    def template_file(self, stage: str) -> Path:
        return self.outdir / f"{stack_name(stage)}.template.json"


def synthesize_app(context: Mapping[str, Any], outdir: Path) -> Synthesized:
    """Build the real app (app.build_app) with ``context`` and synthesize it once."""
    import app as application  # the project root is on sys.path (conftest)

    cdk_app = App(context={**context, **SKIP_BUNDLING}, outdir=str(outdir))
    stacks = application.build_app(cdk_app)
    return _synthesized(cdk_app, stacks, outdir)


def synthesize_stacks(
    stages: Mapping[str, Any],
    outdir: Path,
    *,
    workflows: Sequence[Workflow] | None = None,
    handlers: Mapping[str, str] | None = None,
    nag: bool = True,
    pip_runner: Runner | None = None,
) -> Synthesized:
    """Build stacks from stage settings directly (variants that cdk.json does not hold).

    With ``pip_runner`` the Lambda asset is really bundled, with that runner in place of
    the pip install (so the asset holds the package and the CA bundle, but no wheels)."""
    from stacks.config import load_stages

    context = cdk_context()
    context.pop("ims:stages")
    bundling = SKIP_BUNDLING if pip_runner is None else {}
    cdk_app = App(context={**context, **bundling}, outdir=str(outdir))
    extra: dict[str, Any] = {}
    if pip_runner is not None:
        extra["pip_runner"] = pip_runner
    if workflows is not None:
        extra["workflows"] = workflows
    if handlers is not None:
        extra["handlers"] = handlers
    stacks = {
        stage: TrainingRefreshStack(cdk_app, stage, settings, **extra)
        for stage, settings in load_stages(stages).items()
    }
    if nag:
        add_nag_checks(cdk_app)
    return _synthesized(cdk_app, stacks, outdir)


def _synthesized(
    cdk_app: App, stacks: dict[str, TrainingRefreshStack], outdir: Path
) -> Synthesized:
    assembly = cdk_app.synth()
    templates = {
        stage: assembly.get_stack_by_name(stack.stack_name).template
        for stage, stack in stacks.items()
    }
    return Synthesized(outdir, stacks, templates)


# ------------------------------------------------------------------------ template reading


def resources(template: Mapping[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == type_name
    }


def props(template: Mapping[str, Any], logical_id: str) -> dict[str, Any]:
    properties: dict[str, Any] = template["Resources"][logical_id].get("Properties", {})
    return properties


def render(value: Any) -> Any:
    """Intrinsics as readable text: Ref X -> ${X}, GetAtt X.A -> ${X.A}, Join -> joined."""
    if isinstance(value, list):
        return [render(item) for item in value]
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return "${" + value["Ref"] + "}"
        if set(value) == {"Fn::GetAtt"}:
            return "${" + ".".join(value["Fn::GetAtt"]) + "}"
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(str(render(part)) for part in parts)
        return {key: render(item) for key, item in value.items()}
    return value


def retained_name(value: Any) -> str:
    """A name made by stacks.naming, as text: ``/aws/lambda/dev-ImsTraining-X-{stack-id}``
    (the part cut from the stack's own id shown as ``{stack-id}``, other references as
    ``${X}``). A plain string comes back as it is."""
    if isinstance(value, str):
        return value
    separator, parts = value["Fn::Join"]
    return separator.join(
        part
        if isinstance(part, str)
        else "{stack-id}"
        if "AWS::StackId" in json.dumps(part)
        else str(render(part))
        for part in parts
    )


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_of(template: Mapping[str, Any], logical_id: str) -> str:
    """The logical id of the role a Lambda function or state machine runs as."""
    properties = props(template, logical_id)
    reference = properties.get("Role") or properties["RoleArn"]
    role_id: str = reference["Fn::GetAtt"][0]
    return role_id


def role_statements(template: Mapping[str, Any], role_id: str) -> list[dict[str, Any]]:
    """Every statement of every policy attached to a role, rendered."""
    statements: list[dict[str, Any]] = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    for inline in props(template, role_id).get("Policies", []):
        statements += inline["PolicyDocument"]["Statement"]
    managed = props(template, role_id).get("ManagedPolicyArns", [])
    assert not managed, f"{role_id} has managed policies {managed}: expected inline only"
    return [render(statement) for statement in statements]


def statements_with(statements: Sequence[Mapping[str, Any]], action: str) -> list[Any]:
    return [s for s in statements if action in as_list(s["Action"])]


def resources_for(statements: Sequence[Mapping[str, Any]], action: str) -> set[str]:
    found: set[str] = set()
    for statement in statements_with(statements, action):
        found.update(str(resource) for resource in as_list(statement["Resource"]))
    return found


def all_actions(statements: Sequence[Mapping[str, Any]]) -> set[str]:
    return {action for s in statements for action in as_list(s["Action"])}


def functions_by_handler(template: Mapping[str, Any]) -> dict[str, str]:
    """Handler path -> logical id of its Lambda function."""
    return {
        resource["Properties"]["Handler"]: logical_id
        for logical_id, resource in resources(template, "AWS::Lambda::Function").items()
    }


def state_machines_by_name(template: Mapping[str, Any]) -> dict[str, str]:
    return {
        resource["Properties"]["StateMachineName"]: logical_id
        for logical_id, resource in resources(template, "AWS::StepFunctions::StateMachine").items()
    }


def iter_statements(template: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(policy logical id, rendered statement) for every identity policy in the template."""
    for logical_id, policy in resources(template, "AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            yield logical_id, render(statement)

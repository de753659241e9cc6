"""cdk-nag (AWS Solutions checks) on every synth, and the one way to acknowledge a finding.

cdk-nag 3 runs as a CDK validation plugin: any finding that is not acknowledged makes
``app.synth()`` (and so ``cdk synth``/``cdk deploy``) fail with a report. Acknowledgments go
through :func:`acknowledge`, which insists on a reason; cdk-nag 3 matches each finding
exactly (``AwsSolutions-IAM5[Resource::...]``), so acknowledging one wildcard never hides
another.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, CfnElement, Stack, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

MIN_REASON_LENGTH = 40


def add_nag_checks(app: App) -> None:
    """Run the AWS Solutions rule pack on every stack of the app at synth time."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))


def acknowledge(construct: IConstruct, finding: str, reason: str) -> None:
    """Acknowledge one finding on a construct (and its children), with a specific reason."""
    if len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValueError(f"acknowledging {finding} needs a specific reason, not {reason!r}")
    Validations.of(construct).acknowledge(Acknowledgment(id=finding, reason=reason))


def resource_finding(rule: str, resource: IConstruct, suffix: str) -> str:
    """``AwsSolutions-IAM5[Resource::<LogicalId.Arn>/suffix]`` for a CDK resource's ARN.

    cdk-nag writes a ``Fn::GetAtt`` of the resource as ``<LogicalId.Arn>``; the logical id
    is only known once CDK has allocated it, so it is looked up rather than written down.
    """
    element = resource.node.default_child
    if not isinstance(element, CfnElement):
        raise TypeError(f"{resource.node.path} has no CloudFormation resource of its own")
    stack = Stack.of(resource)
    logical_id = stack.resolve(stack.get_logical_id(element))
    return f"{rule}[Resource::<{logical_id}.Arn>{suffix}]"

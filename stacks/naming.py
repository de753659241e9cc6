"""Names of the resources ``cdk destroy`` keeps.

The reports and access log buckets and the log groups are retained on purpose: they are
the record of what ran. A retained resource keeps its name after its stack is gone, so a
fixed name would make the next deploy of the same stage fail ("... already exists").
Their names therefore end in the first group of the stack's own id, a UUID CloudFormation
makes for each stack, e.g. ``/aws/lambda/prod-ImsTraining-LoadConfig-1a2b3c4d``: still
readable and found by prefix, and new when the stage is deployed again after a destroy.
Resources that are deleted with the stack (functions, state machines, alarms, the
schedule group) keep plain fixed names.
"""

from __future__ import annotations

from aws_cdk import Aws, Fn, Stack
from constructs import IConstruct


def deployment_suffix(scope: IConstruct) -> str:
    """``1a2b3c4d`` from ``arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/1a2b3c4d-...``."""
    stack_uuid = Fn.select(2, Fn.split("/", Stack.of(scope).stack_id))
    return Fn.select(0, Fn.split("-", stack_uuid))


def retained_bucket_name(scope: IConstruct, stage: str, purpose: str) -> str:
    """``{stage}-ims-training-{purpose}-{account}-{suffix}``: at most 57 characters for a
    10-character stage (S3 allows 63), unique per account and per deployment."""
    return f"{stage}-ims-training-{purpose}-{Aws.ACCOUNT_ID}-{deployment_suffix(scope)}"


def retained_log_group_name(scope: IConstruct, base: str) -> str:
    """``{base}-{suffix}``, e.g. ``/aws/vendedlogs/states/qa-ImsTrainingReset-1a2b3c4d``."""
    return f"{base}-{deployment_suffix(scope)}"

"""What each kind of access in the registry means in IAM, and the environment it brings.

A function's profile (training_refresh/registry.py) lists the kinds of access it needs;
``FunctionGrants.grant`` adds exactly the policy statements of one kind to the function's
role and returns the ``IMS_*`` variables that go with it. An access this module does not
know fails the synth, so a new kind cannot silently grant nothing.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from stacks import nag
from stacks.bundling import ca_bundle_lambda_path
from stacks.config import StageSettings
from training_refresh.env_names import EnvName
from training_refresh.registry import Access

WORK_PREFIX = "work/"
REPORTS_PREFIX = "reports/"
GOLD_PREFIX = "gold/"
"""Key prefixes the Lambdas write in the reports bucket (work files, run reports, the
gold catalog file, which never expires)."""

RUN_FILES = {
    Access.WRITE_WORK_FILES: ("WriteRunWorkFiles", "s3:PutObject", WORK_PREFIX),
    Access.READ_WORK_FILES: ("ReadRunWorkFiles", "s3:GetObject", WORK_PREFIX),
    Access.WRITE_REPORTS: ("WriteRunReports", "s3:PutObject", REPORTS_PREFIX),
    Access.WRITE_GOLD_CATALOG: ("WriteGoldCatalog", "s3:PutObject", GOLD_PREFIX),
}
"""The one S3 action and prefix behind each kind of run-file access (GetObject also
covers the HeadObject that checks a work file's size before reading it)."""


class FunctionGrants:
    """Grants of one stack: its settings, its reports bucket and its CA bundle."""

    def __init__(
        self, stack: Stack, settings: StageSettings, reports: s3.Bucket, ca_bundle: Path | None
    ) -> None:
        self.stack = stack
        self.settings = settings
        self.reports = reports
        self.ca_bundle = ca_bundle

    def grant(self, role: iam.Role, access: Access) -> dict[str, str]:
        """Add the policy statements of one kind of access; return its environment."""
        settings = self.settings
        if access in RUN_FILES:
            sid, action, prefix = RUN_FILES[access]
            role.add_to_policy(
                iam.PolicyStatement(
                    sid=sid,
                    actions=[action],
                    resources=[self.reports.arn_for_objects(f"{prefix}*")],
                )
            )
            nag.acknowledge(
                role,
                nag.resource_finding("AwsSolutions-IAM5", self.reports, f"/{prefix}*"),
                f"Run files have per-run keys under {prefix}; access is limited to that"
                " prefix of this stack's own reports bucket.",
            )
            return {EnvName.WORK_BUCKET.value: self.reports.bucket_name}
        if access is Access.SCENARIOS:
            scenarios = settings.scenarios
            scenario_objects = (
                f"arn:{self.stack.partition}:s3:::{scenarios.bucket}/{scenarios.prefix}*"
            )
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="ReadScenarioFiles",
                    actions=["s3:GetObject"],
                    resources=[scenario_objects],
                )
            )
            nag.acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::{scenario_objects}]",
                "Operators name scenario files freely; reading is limited to the configured"
                " prefix of the scenario bucket.",
            )
            if scenarios.kms_key_arn is not None:
                self._decrypt_via(role, "ReadScenarioFilesKey", scenarios.kms_key_arn, "s3")
            return {}
        if access is Access.TRAINING_DB:
            db = settings.training_db
            self._read_secret(role, "ReadTrainingDbSecret", db.secret_arn)
            environment = {
                EnvName.TRAINING_DB_SECRET_ARN.value: db.secret_arn,
                EnvName.TRAINING_DB_NAME.value: db.database,
                EnvName.TRAINING_DB_TLS.value: "true" if db.tls else "false",
            }
            if db.endpoint is not None:
                environment[EnvName.TRAINING_DB_HOST.value] = db.endpoint
                environment[EnvName.TRAINING_DB_PORT.value] = str(db.port)
            if self.ca_bundle is not None:
                environment[EnvName.TRAINING_DB_CA_BUNDLE.value] = ca_bundle_lambda_path(
                    self.ca_bundle
                )
            return environment
        if access is Access.WAREHOUSE:
            return self._warehouse(role)
        raise AssertionError(f"unhandled access {access}")

    def _warehouse(self, role: iam.Role) -> dict[str, str]:
        warehouse = self.settings.warehouse
        environment = {EnvName.REDSHIFT_DATABASE.value: warehouse.database}
        if warehouse.cluster_id is not None:
            target_arn = self._redshift_arn(f"cluster:{warehouse.cluster_id}")
            environment[EnvName.REDSHIFT_CLUSTER_ID.value] = warehouse.cluster_id
        else:
            assert warehouse.workgroup_name is not None  # checked by the settings model
            target_arn = self.stack.format_arn(
                service="redshift-serverless",
                resource="workgroup",
                resource_name=str(warehouse.workgroup_id),
            )
            environment[EnvName.REDSHIFT_WORKGROUP.value] = warehouse.workgroup_name
        role.add_to_policy(
            iam.PolicyStatement(
                sid="RunWarehouseStatements",
                actions=["redshift-data:ExecuteStatement"],
                resources=[target_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="FollowOwnWarehouseStatements",
                actions=[
                    "redshift-data:DescribeStatement",
                    "redshift-data:GetStatementResult",
                    "redshift-data:CancelStatement",
                ],
                resources=["*"],  # these actions take no resource; the condition scopes them
                conditions={
                    "StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}
                },
            )
        )
        if warehouse.credentials == "secret":
            assert warehouse.secret_arn is not None
            self._read_secret(role, "ReadWarehouseSecret", warehouse.secret_arn)
            environment[EnvName.REDSHIFT_SECRET_ARN.value] = warehouse.secret_arn
        elif warehouse.credentials == "db_user":
            assert warehouse.db_user is not None
            assert warehouse.cluster_id is not None
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="GetWarehouseUserCredentials",
                    actions=["redshift:GetClusterCredentials"],
                    resources=[
                        self._redshift_arn(f"dbuser:{warehouse.cluster_id}/{warehouse.db_user}"),
                        self._redshift_arn(f"dbname:{warehouse.cluster_id}/{warehouse.database}"),
                    ],
                )
            )
            environment[EnvName.REDSHIFT_DB_USER.value] = warehouse.db_user
        elif warehouse.cluster_id is not None:
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="GetWarehouseIamCredentials",
                    actions=["redshift:GetClusterCredentialsWithIAM"],
                    resources=[
                        self._redshift_arn(f"dbname:{warehouse.cluster_id}/{warehouse.database}")
                    ],
                )
            )
        else:
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="GetWarehouseIamCredentials",
                    actions=["redshift-serverless:GetCredentials"],
                    resources=[target_arn],
                )
            )
        return environment

    def _redshift_arn(self, resource: str) -> str:
        stack = self.stack
        return f"arn:{stack.partition}:redshift:{stack.region}:{stack.account}:{resource}"

    def _read_secret(self, role: iam.Role, sid: str, secret_arn: str) -> None:
        role.add_to_policy(
            iam.PolicyStatement(
                sid=sid, actions=["secretsmanager:GetSecretValue"], resources=[secret_arn]
            )
        )
        for index, key_arn in enumerate(self.settings.secrets_kms_key_arns):
            self._decrypt_via(role, f"{sid}Key{index + 1}", key_arn, "secretsmanager")

    def _decrypt_via(self, role: iam.Role, sid: str, key_arn: str, service: str) -> None:
        role.add_to_policy(
            iam.PolicyStatement(
                sid=sid,
                actions=["kms:Decrypt"],
                resources=[key_arn],
                conditions={
                    "StringEquals": {
                        "kms:ViaService": f"{service}.{self.stack.region}.amazonaws.com"
                    }
                },
            )
        )

    # ------------------------------------------------------------------------ state machines

"""Per-stage settings, read from the ``ims:stages`` context of cdk.json.

Everything that differs between dev, qa and prod is here, never in code. Unknown keys are
refused (a typo in cdk.json must not silently fall back to a default), and a bad value
fails the synth with the path of the offending key. docs/deploy.md describes every key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stacks.constants import STACK_ENVIRONMENT

STAGES_CONTEXT_KEY = "ims:stages"
STAGE_SELECTOR_CONTEXT_KEY = "stage"
"""``cdk synth -c stage=dev`` synthesizes one stage; without it every stage is built."""

LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip
"""The values CloudWatch Logs accepts for a log group's retention."""

_ACCOUNT = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-\d")
_STAGE = re.compile(r"[a-z][a-z0-9]{1,9}")
_SECRET_ARN = re.compile(
    r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}"
)
_KMS_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_KEY_PREFIX = re.compile(r"([A-Za-z0-9!_.*'()=-]+/)+")
_SCHEDULE = re.compile(r"(cron|rate)\(.+\)")
_ENV_NAME = re.compile(r"(IMS|POWERTOOLS)_[A-Z0-9_]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

_STACK_ENVIRONMENT_PREFIXES = ("IMS_TRAINING_DB_", "IMS_REDSHIFT_", "IMS_WORK_BUCKET")
"""Resource settings the stack derives from training_db, warehouse and its own bucket
(together with the matching IAM permissions)."""

RDS_CA_BUNDLES_URL = "https://truststore.pki.rds.amazonaws.com/"
"""Where AWS publishes the RDS CA bundles (global/global-bundle.pem, per-region bundles)."""


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VpcSettings(_Settings):
    """The existing network the Lambdas run in (imported by id: synth stays offline)."""

    vpc_id: str = Field(pattern=r"^vpc-[0-9a-f]{8,17}$")
    availability_zones: tuple[str, ...] = Field(min_length=1)
    private_subnet_ids: tuple[str, ...] = Field(min_length=1)
    security_group_id: str = Field(pattern=r"^sg-[0-9a-f]{8,17}$")
    private_route_table_ids: tuple[str, ...] = ()
    """The route table of each private subnet, in the same order (several subnets may share
    one). Needed only with ``create_endpoints`` (the S3 gateway endpoint is a route)."""
    create_endpoints: bool = False
    """Make the VPC endpoints the Lambdas need (S3 gateway; Secrets Manager and Redshift
    Data API interface endpoints reachable on 443 from ``security_group_id``). False: the
    subnets reach those services some other way (NAT, or endpoints that already exist)."""

    @field_validator("private_subnet_ids")
    @classmethod
    def _subnet_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for subnet in value:
            if not re.fullmatch(r"subnet-[0-9a-f]{8,17}", subnet):
                raise ValueError(f"{subnet!r} is not a subnet id")
        return value

    @field_validator("private_route_table_ids")
    @classmethod
    def _route_table_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for table in value:
            if not re.fullmatch(r"rtb-[0-9a-f]{8,17}", table):
                raise ValueError(f"{table!r} is not a route table id")
        return value

    @model_validator(mode="after")
    def _one_zone_per_subnet(self) -> Self:
        if len(self.availability_zones) != len(self.private_subnet_ids):
            raise ValueError(
                "availability_zones must list the zone of each private subnet, in the same order"
            )
        if self.private_route_table_ids and len(self.private_route_table_ids) != len(
            self.private_subnet_ids
        ):
            raise ValueError(
                "private_route_table_ids must list the route table of each private subnet,"
                " in the same order"
            )
        return self

    @model_validator(mode="after")
    def _endpoints_need_route_tables_and_distinct_zones(self) -> Self:
        if not self.create_endpoints:
            return self
        if not self.private_route_table_ids:
            raise ValueError(
                "create_endpoints needs private_route_table_ids (the S3 gateway endpoint is"
                " added to the private subnets' route tables)"
            )
        if len(set(self.availability_zones)) != len(self.availability_zones):
            raise ValueError(
                "create_endpoints: an interface endpoint takes one subnet per availability"
                " zone; list private subnets of distinct zones"
            )
        return self


class TrainingDbSettings(_Settings):
    """The RDS MySQL training database: its endpoint and the secret with its credentials
    (the Lambda reads ``username`` and ``password`` from it; ``host``, ``port`` and
    ``dbname`` there are used only where the endpoint is not given)."""

    endpoint: str | None = Field(default=None, pattern=r"^[A-Za-z0-9.-]{1,253}$")
    """Host name of the RDS instance or cluster; an RDS-managed master secret has none."""
    port: int = Field(default=3306, ge=1, le=65535)
    secret_arn: str
    database: str = Field(default="ims_training", pattern=r"^[A-Za-z0-9_]{1,64}$")
    tls: bool = True
    ca_bundle_file: str | None = None
    """PEM file (path relative to the project root) bundled into the Lambda asset and used
    to verify the RDS certificate, e.g. ``certs/rds-global-bundle.pem``. Required with TLS:
    RDS certificates are issued by Amazon RDS CAs that no public trust store holds."""

    @field_validator("secret_arn")
    @classmethod
    def _secret_arn(cls, value: str) -> str:
        return _check_secret_arn(value)

    @model_validator(mode="after")
    def _tls_needs_the_rds_ca_bundle(self) -> Self:
        if self.tls and self.ca_bundle_file is None:
            raise ValueError(
                "training_db.tls is true but training_db.ca_bundle_file is not set: the Lambdas"
                " could never verify the RDS certificate (Amazon RDS CAs are in no public trust"
                " store). Name a PEM file in the project, e.g. certs/rds-global-bundle.pem (make"
                f" rds-ca-bundle), or AWS's global-bundle.pem or region bundle from"
                f" {RDS_CA_BUNDLES_URL}"
            )
        return self


class WarehouseSettings(_Settings):
    """The Redshift Data API target: a provisioned cluster or a Serverless workgroup, and
    one credential mode: a Secrets Manager secret, a database user (temporary credentials,
    provisioned only) or neither (the Lambda's IAM identity)."""

    database: str = Field(pattern=r"^[A-Za-z0-9_$-]{1,127}$")
    cluster_id: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9-]{0,62}$")
    workgroup_name: str | None = Field(default=None, pattern=r"^[a-z0-9-]{3,64}$")
    workgroup_id: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    )
    """The workgroup's id (UUID): its IAM ARN is built from the id, not the name."""
    secret_arn: str | None = None
    db_user: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.@$+-]{1,127}$")

    @field_validator("secret_arn")
    @classmethod
    def _secret_arn(cls, value: str | None) -> str | None:
        return None if value is None else _check_secret_arn(value)

    @model_validator(mode="after")
    def _one_target_one_credential(self) -> Self:
        if (self.cluster_id is None) == (self.workgroup_name is None):
            raise ValueError("set exactly one of cluster_id and workgroup_name")
        if self.workgroup_name is not None and self.workgroup_id is None:
            raise ValueError("a Serverless workgroup needs workgroup_id (for its IAM ARN)")
        if self.cluster_id is not None and self.workgroup_id is not None:
            raise ValueError("workgroup_id belongs to a Serverless workgroup, not a cluster")
        if self.secret_arn is not None and self.db_user is not None:
            raise ValueError("secret_arn and db_user are alternative credentials: set one")
        if self.db_user is not None and self.workgroup_name is not None:
            raise ValueError("db_user only works with a provisioned cluster (cluster_id)")
        return self

    @property
    def credentials(self) -> Literal["secret", "db_user", "iam"]:
        if self.secret_arn is not None:
            return "secret"
        if self.db_user is not None:
            return "db_user"
        return "iam"


class ScenarioSettings(_Settings):
    """The existing bucket operators drop scenario files into (the old
    ``env-training-scenarios-colonybrands-east1``), read only under ``prefix``."""

    bucket: str
    prefix: str = Field(description="key prefix the Lambdas may read, ending in '/'")
    trigger_prefix: str | None = None
    """Objects created under this prefix (within ``prefix``) start a gold load. None: no
    trigger. See docs/deploy.md for the as-of date rule."""
    kms_key_arn: str | None = None
    """The bucket's KMS key if it uses SSE-KMS with a customer managed key."""

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, value: str) -> str:
        if not _BUCKET.fullmatch(value) or ".." in value:
            raise ValueError(f"{value!r} is not an S3 bucket name")
        return value

    @field_validator("prefix", "trigger_prefix")
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        if value is not None and not _KEY_PREFIX.fullmatch(value):
            raise ValueError(
                f"{value!r} must be a key prefix of plain folder names ending in '/'"
                " (letters, digits, !_.*'()=- ; no leading '/')"
            )
        return value

    @field_validator("kms_key_arn")
    @classmethod
    def _kms_key(cls, value: str | None) -> str | None:
        if value is not None and not _KMS_KEY_ARN.fullmatch(value):
            raise ValueError(f"{value!r} is not a KMS key ARN")
        return value

    @model_validator(mode="after")
    def _trigger_inside_readable_prefix(self) -> Self:
        if self.trigger_prefix is not None and not self.trigger_prefix.startswith(self.prefix):
            raise ValueError("trigger_prefix must lie inside prefix (the Lambdas read only there)")
        return self


class StageSettings(_Settings):
    account: str
    region: str
    vpc: VpcSettings
    training_db: TrainingDbSettings
    warehouse: WarehouseSettings
    scenarios: ScenarioSettings
    alarm_emails: tuple[str, ...] = Field(min_length=1)
    reset_schedules: tuple[str, ...] = ()
    """EventBridge Scheduler expressions (``cron(...)``), America/New_York. Empty: none."""
    reset_input: dict[str, Any] = Field(default_factory=dict)
    """The input document of scheduled reset executions."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_retention_days: int = 90
    report_retention_days: int = 400
    work_file_retention_days: int = Field(default=14, ge=1)
    access_log_retention_days: int = Field(default=90, ge=1)
    workflow_timeouts_minutes: dict[str, int] = Field(default_factory=dict)
    secrets_kms_key_arns: tuple[str, ...] = ()
    """Customer managed KMS keys of the two secrets, if they are not encrypted with the
    account's default ``aws/secretsmanager`` key (kms:Decrypt via Secrets Manager only)."""
    extra_environment: dict[str, str] = Field(default_factory=dict)
    """More ``IMS_*`` / ``POWERTOOLS_*`` variables for every Lambda (tuning knobs)."""
    termination_protection: bool = False

    @field_validator("account")
    @classmethod
    def _account(cls, value: str) -> str:
        if not _ACCOUNT.fullmatch(value):
            raise ValueError("account must be a 12-digit AWS account id")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not _REGION.fullmatch(value):
            raise ValueError(f"{value!r} is not an AWS region name")
        return value

    @field_validator("alarm_emails")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for email in value:
            if not _EMAIL.fullmatch(email):
                raise ValueError(f"{email!r} is not an e-mail address")
        return value

    @field_validator("reset_schedules")
    @classmethod
    def _schedules(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for expression in value:
            if not _SCHEDULE.fullmatch(expression.strip()):
                raise ValueError(f"{expression!r} is not a cron(...) or rate(...) expression")
        return tuple(expression.strip() for expression in value)

    @field_validator("log_retention_days", "report_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"{value} is not one of {LOG_RETENTION_DAYS}")
        return value

    @field_validator("workflow_timeouts_minutes")
    @classmethod
    def _timeouts(cls, value: dict[str, int]) -> dict[str, int]:
        for workflow, minutes in value.items():
            if not 1 <= minutes <= 365 * 24 * 60:
                raise ValueError(f"timeout of {workflow!r} must be 1 minute to 1 year")
        return value

    @field_validator("secrets_kms_key_arns")
    @classmethod
    def _kms_keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for arn in value:
            if not _KMS_KEY_ARN.fullmatch(arn):
                raise ValueError(f"{arn!r} is not a KMS key ARN")
        return value

    @field_validator("extra_environment")
    @classmethod
    def _extra_environment(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not _ENV_NAME.fullmatch(name):
                raise ValueError(f"{name!r}: only IMS_* and POWERTOOLS_* variables may be added")
            if name in STACK_ENVIRONMENT or name.startswith(_STACK_ENVIRONMENT_PREFIXES):
                raise ValueError(
                    f"{name!r} is set by the stack from other settings and cannot be overridden"
                )
        return value


def _check_secret_arn(value: str) -> str:
    if not _SECRET_ARN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a complete Secrets Manager secret ARN (it must end in the"
            " six-character suffix AWS adds, e.g. ...:secret:name-AbC123)"
        )
    return value


class StageConfigError(ValueError):
    """cdk.json holds a stage the stack cannot be built from."""


def load_stages(context: Mapping[str, Any] | None) -> dict[str, StageSettings]:
    """Every stage of the ``ims:stages`` context, validated."""
    if not isinstance(context, Mapping) or not context:
        raise StageConfigError(
            f"cdk.json context {STAGES_CONTEXT_KEY!r} must map stage names to their settings"
        )
    stages: dict[str, StageSettings] = {}
    for name, raw in context.items():
        if not _STAGE.fullmatch(str(name)):
            raise StageConfigError(
                f"{STAGES_CONTEXT_KEY}: stage name {name!r} must be 2-10 lower-case letters/digits"
            )
        try:
            stages[name] = StageSettings.model_validate(raw)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in problem['loc']) or '(stage)'}: {problem['msg']}"
                for problem in error.errors()
            )
            raise StageConfigError(f"{STAGES_CONTEXT_KEY}.{name}: {problems}") from None
    return stages


def select_stages(
    stages: Mapping[str, StageSettings], selected: str | None
) -> dict[str, StageSettings]:
    """All stages, or the one named by ``-c stage=NAME``."""
    if selected is None or selected == "":
        return dict(stages)
    if selected not in stages:
        raise StageConfigError(
            f"-c {STAGE_SELECTOR_CONTEXT_KEY}={selected}: no such stage in {STAGES_CONTEXT_KEY}"
            f" (stages: {', '.join(sorted(stages))})"
        )
    return {selected: stages[selected]}

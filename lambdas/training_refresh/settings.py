"""The Lambda functions' settings, read from their environment as models.

Each model holds what one concern needs, so a function reads only the variables its stack
profile gives it (a reset copy has no work bucket, a report no warehouse). Field aliases are
the variable names of :class:`~training_refresh.env_names.EnvName`; unset and blank
variables count as absent, so their defaults apply. Every problem becomes one
``ConfigurationError`` naming the variable, never echoing values. The domain receives what
these build (a ``LeaseTimes``, a ``WarehouseTarget``, connection settings) as arguments and
never reads the environment itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from training_refresh.adapters.data_api import WarehouseTarget
from training_refresh.adapters.mysql import MySqlSettings
from training_refresh.env_names import EnvName
from training_refresh.errors import ConfigurationError
from training_refresh.gold_load.work import CUSTOMERS_PER_CHUNK
from training_refresh.lease.times import DEFAULT_GOLD_LOAD_TIMES, DEFAULT_RESET_TIMES, LeaseTimes
from training_refresh.messages.common import validation_problems
from training_refresh.reset.swap import DEFAULT_GOLD_RECOPIES

SECRET_MAX_AGE_SECONDS = 300
"""How long a warm Lambda reuses the MySQL secret it read; an authentication failure reads
it again at once (the secret may have been rotated)."""


class _Settings(BaseSettings):
    model_config = SettingsConfigDict(
        case_sensitive=True, extra="ignore", frozen=True, hide_input_in_errors=True
    )

    @field_validator("*", mode="before")
    @classmethod
    def _blank_means_unset(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if not value and info.field_name is not None:
                field = cls.model_fields[info.field_name]
                return (
                    value if field.is_required() else field.get_default(call_default_factory=True)
                )
        return value

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Self:
        """The settings from ``environ`` (default: the process environment)."""
        try:
            return cls() if environ is None else cls.model_validate(dict(environ))
        except ValidationError as error:
            raise ConfigurationError(validation_problems(error)) from None


class WorkFilesSettings(_Settings):
    work_bucket: str = Field(alias=EnvName.WORK_BUCKET, min_length=1)
    """The reports bucket: run reports under ``reports/``, work files under ``work/``."""


class GoldLoadSettings(_Settings):
    customers_per_chunk: int = Field(
        default=CUSTOMERS_PER_CHUNK, alias=EnvName.CUSTOMERS_PER_CHUNK, ge=1, le=CUSTOMERS_PER_CHUNK
    )
    """Customers per extraction statement and MySQL transaction (lower it for big rows)."""


class DataApiSettings(_Settings):
    """The Redshift target; exactly one of cluster and workgroup (see WarehouseTarget)."""

    database: str | None = Field(default=None, alias=EnvName.REDSHIFT_DATABASE)
    cluster_identifier: str | None = Field(default=None, alias=EnvName.REDSHIFT_CLUSTER_ID)
    workgroup_name: str | None = Field(default=None, alias=EnvName.REDSHIFT_WORKGROUP)
    secret_arn: str | None = Field(default=None, alias=EnvName.REDSHIFT_SECRET_ARN)
    db_user: str | None = Field(default=None, alias=EnvName.REDSHIFT_DB_USER)
    first_poll_seconds: float = Field(
        default=0.1, gt=0, le=5.0, alias=EnvName.DATA_API_FIRST_POLL_SECONDS
    )
    """Wait before the first DescribeStatement; Redshift rarely answers sooner. The local
    runtime, whose statements finish at once, lowers it."""

    def target(self) -> WarehouseTarget:
        try:
            return WarehouseTarget(
                database=self.database or "",
                cluster_identifier=self.cluster_identifier,
                workgroup_name=self.workgroup_name,
                secret_arn=self.secret_arn,
                db_user=self.db_user,
            )
        except ValueError as error:
            raise ConfigurationError(str(error)) from None


class RdsSecret(BaseModel):
    """The JSON of the training database's Secrets Manager secret (an RDS-managed master
    secret holds only username and password; other secrets also the endpoint)."""

    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    username: str = Field(min_length=1)
    password: str = ""
    host: str | None = None
    port: int = 3306
    dbname: str | None = None


class TrainingDbSettings(_Settings):
    """Where the training database is; credentials come from the secret. Host, port and
    database from the environment win over the secret's where set."""

    secret_arn: str = Field(alias=EnvName.TRAINING_DB_SECRET_ARN, min_length=1)
    secret_max_age_seconds: int = Field(
        default=SECRET_MAX_AGE_SECONDS, ge=0, alias=EnvName.TRAINING_DB_SECRET_MAX_AGE_SECONDS
    )
    database: str | None = Field(default=None, alias=EnvName.TRAINING_DB_NAME)
    host: str | None = Field(default=None, alias=EnvName.TRAINING_DB_HOST)
    port: int | None = Field(default=None, ge=1, le=65535, alias=EnvName.TRAINING_DB_PORT)
    tls: bool = Field(default=True, alias=EnvName.TRAINING_DB_TLS)
    ca_bundle: str | None = Field(default=None, alias=EnvName.TRAINING_DB_CA_BUNDLE)

    def connection(self, secret: Any) -> MySqlSettings:
        """The connection settings, with the credentials of ``secret`` (its parsed JSON)."""
        try:
            parsed = RdsSecret.model_validate(secret)
        except ValidationError as error:
            problems = validation_problems(error)
            raise ConfigurationError(
                f"the secret {self.secret_arn} is not an RDS database secret: {problems}"
            ) from None
        host = self.host or parsed.host
        if not host:
            raise ConfigurationError(
                f"{EnvName.TRAINING_DB_HOST} is not set and the secret names no host"
            )
        return MySqlSettings(
            host=host,
            port=self.port or parsed.port,
            user=parsed.username,
            password=parsed.password,
            database=self.database or parsed.dbname,
            tls=self.tls,
            ca_bundle=self.ca_bundle,
        )


class LeaseSettings(_Settings):
    """The refresh lease's times (see ``lease``); tests shorten them to seconds."""

    gold_load_lease_seconds: float = Field(
        default=DEFAULT_GOLD_LOAD_TIMES.ttl_seconds, gt=0, alias=EnvName.GOLD_LOAD_LEASE_SECONDS
    )
    gold_load_wait_seconds: float = Field(
        default=DEFAULT_GOLD_LOAD_TIMES.wait_seconds, ge=0, alias=EnvName.GOLD_LOAD_WAIT_SECONDS
    )
    reset_lease_seconds: float = Field(
        default=DEFAULT_RESET_TIMES.ttl_seconds, gt=0, alias=EnvName.RESET_LEASE_SECONDS
    )
    reset_wait_seconds: float = Field(
        default=DEFAULT_RESET_TIMES.wait_seconds, ge=0, alias=EnvName.RESET_WAIT_SECONDS
    )
    poll_seconds: float = Field(
        default=DEFAULT_RESET_TIMES.poll_seconds, gt=0, alias=EnvName.LEASE_POLL_SECONDS
    )

    def gold_load_times(self) -> LeaseTimes:
        return LeaseTimes(
            self.gold_load_lease_seconds, self.gold_load_wait_seconds, self.poll_seconds
        )

    def reset_times(self) -> LeaseTimes:
        return LeaseTimes(self.reset_lease_seconds, self.reset_wait_seconds, self.poll_seconds)


class ResetSettings(_Settings):
    """How often a reset copies the gold copies again when a publication changed them while
    it copied (``reset.swap``), before it fails with GoldChangedDuringResetError."""

    gold_recopies: int = Field(
        default=DEFAULT_GOLD_RECOPIES, ge=0, le=100, alias=EnvName.RESET_GOLD_RECOPIES
    )

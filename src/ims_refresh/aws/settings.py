"""The environment variables that name a deployment, read as one settings model.

``targets`` looks values up in a documented order (options, the ``--stage`` stack, these
variables, the ``IMS_STAGE`` stack); this model is only where the variables are read.
Blank values mean unset. ``AWS_REGION`` counts like ``AWS_DEFAULT_REGION`` (botocore only
reads the latter; the runbook and Lambda set the former).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from training_refresh.registry import GOLD_LOAD, GOLD_REMOVE, GOLD_UNDO, RESET


class DeploymentEnvName(StrEnum):
    STAGE = "IMS_STAGE"
    GOLD_LOAD_STATE_MACHINE_ARN = "IMS_GOLD_LOAD_STATE_MACHINE_ARN"
    RESET_STATE_MACHINE_ARN = "IMS_RESET_STATE_MACHINE_ARN"
    GOLD_UNDO_STATE_MACHINE_ARN = "IMS_GOLD_UNDO_STATE_MACHINE_ARN"
    GOLD_REMOVE_STATE_MACHINE_ARN = "IMS_GOLD_REMOVE_STATE_MACHINE_ARN"
    SCENARIO_BUCKET = "IMS_SCENARIO_BUCKET"
    SCENARIO_PREFIX = "IMS_SCENARIO_PREFIX"
    REPORTS_BUCKET = "IMS_REPORTS_BUCKET"
    AWS_REGION = "AWS_REGION"
    AWS_DEFAULT_REGION = "AWS_DEFAULT_REGION"


STATE_MACHINE_ENV: Final[Mapping[str, DeploymentEnvName]] = {
    GOLD_LOAD: DeploymentEnvName.GOLD_LOAD_STATE_MACHINE_ARN,
    RESET: DeploymentEnvName.RESET_STATE_MACHINE_ARN,
    GOLD_UNDO: DeploymentEnvName.GOLD_UNDO_STATE_MACHINE_ARN,
    GOLD_REMOVE: DeploymentEnvName.GOLD_REMOVE_STATE_MACHINE_ARN,
}
"""Workflow -> the variable naming its state machine."""


class DeploymentSettings(BaseSettings):
    model_config = SettingsConfigDict(
        case_sensitive=True, env_ignore_empty=True, extra="ignore", frozen=True
    )

    stage: str | None = Field(default=None, alias=DeploymentEnvName.STAGE)
    gold_load_state_machine_arn: str | None = Field(
        default=None, alias=DeploymentEnvName.GOLD_LOAD_STATE_MACHINE_ARN
    )
    reset_state_machine_arn: str | None = Field(
        default=None, alias=DeploymentEnvName.RESET_STATE_MACHINE_ARN
    )
    gold_undo_state_machine_arn: str | None = Field(
        default=None, alias=DeploymentEnvName.GOLD_UNDO_STATE_MACHINE_ARN
    )
    gold_remove_state_machine_arn: str | None = Field(
        default=None, alias=DeploymentEnvName.GOLD_REMOVE_STATE_MACHINE_ARN
    )
    scenario_bucket: str | None = Field(default=None, alias=DeploymentEnvName.SCENARIO_BUCKET)
    scenario_prefix: str | None = Field(default=None, alias=DeploymentEnvName.SCENARIO_PREFIX)
    reports_bucket: str | None = Field(default=None, alias=DeploymentEnvName.REPORTS_BUCKET)
    aws_region: str | None = Field(default=None, alias=DeploymentEnvName.AWS_REGION)
    aws_default_region: str | None = Field(default=None, alias=DeploymentEnvName.AWS_DEFAULT_REGION)

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> DeploymentSettings:
        """The settings of ``environ`` (default: the process environment)."""
        environ = os.environ if environ is None else environ
        names = {str(name) for name in DeploymentEnvName}
        given = {k: v.strip() for k, v in environ.items() if k in names and v and v.strip()}
        return cls.model_validate(given)

    def get(self, name: DeploymentEnvName) -> str | None:
        """The value of the variable ``name`` (None: unset or blank)."""
        value = self.model_dump(by_alias=True).get(str(name))
        return None if value is None else str(value)

    @property
    def region(self) -> str | None:
        """``AWS_REGION``, else ``AWS_DEFAULT_REGION``; None: boto3's own configuration."""
        return self.aws_region or self.aws_default_region

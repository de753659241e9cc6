"""What a handler gives the domain besides its event: adapters, table groups, the date and
the step hook, in one object that callers may replace.

Every handler takes ``dependencies`` as a keyword argument (the Powertools decorators pass
extra keyword arguments through to the handler); Lambda calls handlers with the event and
the context only, so production always gets :data:`PRODUCTION`. The handler tests pass
recording fakes, and the local runtime passes production's adapters with its own step hook.

Production builds its adapters per invocation, from the settings of the environment: a
boto3 client costs milliseconds, and it never outlives the credentials or endpoints of the
environment it was made for. Only the MySQL secret is cached across warm invocations
(Powertools parameters, ``IMS_TRAINING_DB_SECRET_MAX_AGE_SECONDS``), and it is read only
when a step connects, so a report step still writes its report when the secret is
unreadable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities import parameters

from training_refresh.adapters.aws_config import CLIENT_CONFIG
from training_refresh.adapters.data_api import DataApiWarehouse, TimeLeft, Warehouse
from training_refresh.adapters.mysql import ACCESS_DENIED, Connection, connect, error_code
from training_refresh.adapters.object_store import ObjectStore, S3ObjectStore
from training_refresh.adapters.step_functions import StepFunctionsExecutions
from training_refresh.as_of import today_utc
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease.holder import ExecutionCheck, never_abandoned
from training_refresh.settings import DataApiSettings, TrainingDbSettings
from training_refresh.table_groups import TableGroupSet, load_table_groups


def s3_object_store() -> ObjectStore:
    return S3ObjectStore(boto3.client("s3", config=CLIENT_CONFIG))


def time_left_of(context: Any) -> TimeLeft:
    """Seconds left in the invocation, from the Lambda context."""
    return lambda: float(context.get_remaining_time_in_millis()) / 1000.0


def data_api_warehouse(time_left: TimeLeft) -> Warehouse:
    """The warehouse of the settings; its waits end before the invocation's deadline."""
    settings = DataApiSettings.load()
    return DataApiWarehouse(
        boto3.client("redshift-data", config=CLIENT_CONFIG),
        settings.target(),
        poll_initial=settings.first_poll_seconds,
        time_left=time_left,
    )


def step_functions_check(execution_arn: str) -> bool | None:
    """Whether a lease holder's execution still runs (DescribeExecution; None: unknown)."""
    executions = StepFunctionsExecutions(
        lambda: boto3.client("stepfunctions", config=CLIENT_CONFIG)
    )
    return executions.still_running(execution_arn)


@cache
def _secrets_provider() -> parameters.SecretsProvider:
    """One provider per process, so its cache lives across warm invocations; made on first
    use (not at import), with the same client config as every other client."""
    return parameters.SecretsProvider(boto_config=CLIENT_CONFIG)


def powertools_secret(settings: TrainingDbSettings, fresh: bool) -> Any:
    """The secret's JSON through Powertools parameters: cached for the settings' max age
    across warm invocations; ``fresh`` reads it from Secrets Manager at once."""
    return _secrets_provider().get(
        settings.secret_arn,
        transform="json",
        max_age=settings.secret_max_age_seconds,
        force_fetch=fresh,
    )


@dataclass(frozen=True)
class TrainingDbConnector:
    """Connects to the training database with the secret's credentials. The settings and
    the secret are read on each call, not before: a step that never connects never needs
    them. A refused login reads the secret again once (it may have been rotated since it
    was cached)."""

    read_secret: Callable[[TrainingDbSettings, bool], Any] = powertools_secret

    def __call__(self) -> Connection:
        settings = TrainingDbSettings.load()
        try:
            return connect(settings.connection(self.read_secret(settings, False)))
        except Exception as error:
            if error_code(error) != ACCESS_DENIED:
                raise
        return connect(settings.connection(self.read_secret(settings, True)))

    def describe(self) -> str | None:
        """``host:port/database`` of the training database, for run reports (None when the
        settings or the secret cannot be read: the report is written all the same)."""
        try:
            settings = TrainingDbSettings.load()
            target = settings.connection(self.read_secret(settings, False))
        except Exception:
            return None
        return f"{target.host}:{target.port}/{target.database or ''}"


PRODUCTION_CONNECTOR = TrainingDbConnector()


@dataclass(frozen=True)
class Dependencies:
    object_store: Callable[[], ObjectStore] = s3_object_store
    warehouse: Callable[[TimeLeft], Warehouse] = data_api_warehouse
    """Given the invocation's time left, which bounds every wait for a statement."""
    connect_mysql: Callable[[], Connection] = PRODUCTION_CONNECTOR
    """Connects anew on every call; the steps close what they open."""
    training_database: Callable[[], str | None] = PRODUCTION_CONNECTOR.describe
    """``host:port/database`` the steps connect to, as the run reports name it."""
    table_groups: Callable[[], TableGroupSet] = load_table_groups
    today: Callable[[], date] = today_utc
    on_step: OnStep = ignore_step
    still_running: ExecutionCheck = step_functions_check
    """Is a lease holder's execution still running? (``lease.holder``)"""
    abandoned: Callable[[], bool] = never_abandoned
    """The local runtime's: True once an interrupted local run was given up."""
    holds_run_lock: bool = False
    """The local runtime's: its process holds each run's named lock (``lease.run_lock``)."""


PRODUCTION = Dependencies()

"""The Lambda settings: read from the environment by their IMS_* names, blank means unset,
every problem one ConfigurationError that names the variable and never echoes a value."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from training_refresh.adapters.data_api import WarehouseTarget
from training_refresh.env_names import EnvName
from training_refresh.errors import ConfigurationError
from training_refresh.lease import DEFAULT_GOLD_LOAD_TIMES, LeaseTimes
from training_refresh.settings import (
    DataApiSettings,
    GoldLoadSettings,
    LeaseSettings,
    TrainingDbSettings,
    WorkFilesSettings,
)


def warehouse_target(environ: Mapping[str, str]) -> WarehouseTarget:
    return DataApiSettings.load(environ).target()


def test_target_from_env_for_a_cluster_with_a_secret() -> None:
    # Given the environment of a provisioned cluster with a Secrets Manager secret
    environ = {
        "IMS_REDSHIFT_DATABASE": "prd",
        "IMS_REDSHIFT_CLUSTER_ID": "ims-cluster",
        "IMS_REDSHIFT_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:rs",
        "IMS_REDSHIFT_WORKGROUP": "  ",
    }

    # When the target is read, blank variables count as unset
    target = warehouse_target(environ)

    # Then it carries exactly the ExecuteStatement arguments for that setup
    assert target.execute_statement_arguments() == {
        "Database": "prd",
        "ClusterIdentifier": "ims-cluster",
        "SecretArn": "arn:aws:secretsmanager:us-east-1:1:secret:rs",
    }


def test_target_from_env_for_a_serverless_workgroup() -> None:
    target = warehouse_target({"IMS_REDSHIFT_DATABASE": "dev", "IMS_REDSHIFT_WORKGROUP": "wg"})
    assert target.execute_statement_arguments() == {"Database": "dev", "WorkgroupName": "wg"}


def test_target_for_a_cluster_with_a_database_user() -> None:
    target = warehouse_target(
        {
            "IMS_REDSHIFT_DATABASE": "dev",
            "IMS_REDSHIFT_CLUSTER_ID": "c",
            "IMS_REDSHIFT_DB_USER": "u",
        }
    )
    assert target.execute_statement_arguments() == {
        "Database": "dev",
        "ClusterIdentifier": "c",
        "DbUser": "u",
    }


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"IMS_REDSHIFT_CLUSTER_ID": "c"}, "IMS_REDSHIFT_DATABASE"),
        ({"IMS_REDSHIFT_DATABASE": "dev"}, "exactly one of"),
        (
            {"IMS_REDSHIFT_DATABASE": "dev", "IMS_REDSHIFT_CLUSTER_ID": "c",
             "IMS_REDSHIFT_WORKGROUP": "wg"},
            "exactly one of",
        ),
        (
            {"IMS_REDSHIFT_DATABASE": "dev", "IMS_REDSHIFT_CLUSTER_ID": "c",
             "IMS_REDSHIFT_SECRET_ARN": "arn", "IMS_REDSHIFT_DB_USER": "u"},
            "at most one",
        ),
        (
            {"IMS_REDSHIFT_DATABASE": "dev", "IMS_REDSHIFT_WORKGROUP": "wg",
             "IMS_REDSHIFT_DB_USER": "u"},
            "provisioned cluster",
        ),
    ],
)  # fmt: skip
def test_inconsistent_targets_are_refused_with_the_variables_named(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        warehouse_target(environ)
    assert "IMS_REDSHIFT_" in str(raised.value)


def test_unset_or_blank_settings_take_their_defaults() -> None:
    # Given an environment that leaves every tuning knob unset or blank
    environ = {EnvName.CUSTOMERS_PER_CHUNK: "  ", EnvName.RESET_WAIT_SECONDS: ""}
    # When the settings are read, Then the documented defaults apply
    assert GoldLoadSettings.load(environ).customers_per_chunk == 1_000
    assert LeaseSettings.load(environ).gold_load_times() == DEFAULT_GOLD_LOAD_TIMES
    assert DataApiSettings.load({}).first_poll_seconds == 0.1


def test_lease_times_come_from_their_variables() -> None:
    lease = LeaseSettings.load(
        {
            EnvName.RESET_LEASE_SECONDS: "30",
            EnvName.RESET_WAIT_SECONDS: "1",
            EnvName.LEASE_POLL_SECONDS: "0.1",
            EnvName.GOLD_LOAD_WAIT_SECONDS: "0",
        }
    )
    assert lease.reset_times() == LeaseTimes(ttl_seconds=30, wait_seconds=1, poll_seconds=0.1)
    assert lease.gold_load_times().wait_seconds == 0


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({EnvName.CUSTOMERS_PER_CHUNK: "1001"}, EnvName.CUSTOMERS_PER_CHUNK),
        ({EnvName.CUSTOMERS_PER_CHUNK: "many"}, EnvName.CUSTOMERS_PER_CHUNK),
        ({EnvName.RESET_WAIT_SECONDS: "soon-ish"}, EnvName.RESET_WAIT_SECONDS),
        ({EnvName.GOLD_LOAD_LEASE_SECONDS: "-5"}, EnvName.GOLD_LOAD_LEASE_SECONDS),
    ],
)
def test_an_unusable_setting_is_one_error_naming_the_variable_without_its_value(
    environ: dict[str, str], named: str
) -> None:
    settings = GoldLoadSettings if named == EnvName.CUSTOMERS_PER_CHUNK else LeaseSettings
    with pytest.raises(ConfigurationError) as raised:
        settings.load(environ)
    assert named in str(raised.value)
    assert environ[named] not in str(raised.value)


def test_a_missing_work_bucket_is_named() -> None:
    with pytest.raises(ConfigurationError, match=EnvName.WORK_BUCKET):
        WorkFilesSettings.load({EnvName.WORK_BUCKET: " "})
    assert WorkFilesSettings.load({EnvName.WORK_BUCKET: "b"}).work_bucket == "b"


def test_database_settings_take_credentials_from_the_secret_and_the_rest_from_the_environment():
    # Given an RDS-managed secret (username and password only) and the endpoint in the env
    settings = TrainingDbSettings.load(
        {
            EnvName.TRAINING_DB_SECRET_ARN: "arn:secret",
            EnvName.TRAINING_DB_HOST: "db.internal",
            EnvName.TRAINING_DB_PORT: "3307",
            EnvName.TRAINING_DB_NAME: "ims_training",
            EnvName.TRAINING_DB_TLS: "true",
            EnvName.TRAINING_DB_CA_BUNDLE: "/var/task/certs/ca.pem",
        }
    )
    # When the connection settings are built from the secret
    connection = settings.connection({"username": "ims", "password": "s3cret!"})
    # Then they combine both, and the password is never shown
    assert (connection.host, connection.port, connection.database) == (
        "db.internal",
        3307,
        "ims_training",
    )
    assert (connection.user, connection.tls, connection.ca_bundle) == (
        "ims",
        True,
        "/var/task/certs/ca.pem",
    )
    assert connection.password.get_secret_value() == "s3cret!"
    assert "s3cret!" not in repr(connection)
    assert settings.secret_max_age_seconds == 300


def test_a_secret_that_is_not_a_database_secret_is_refused_without_echoing_it() -> None:
    settings = TrainingDbSettings.load({EnvName.TRAINING_DB_SECRET_ARN: "arn:secret"})
    with pytest.raises(ConfigurationError, match="username") as raised:
        settings.connection({"password": "s3cret!", "host": "h"})
    assert "s3cret!" not in str(raised.value)
    with pytest.raises(ConfigurationError, match=EnvName.TRAINING_DB_HOST):
        settings.connection({"username": "ims", "password": "s3cret!"})

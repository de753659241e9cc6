"""The production connection of the handlers against the real MariaDB: settings from the
environment, credentials from the secret, read again once when the login is refused."""

from __future__ import annotations

from typing import Any

import pytest

from training_refresh.env_names import EnvName
from training_refresh.handlers.dependencies import TrainingDbConnector
from training_refresh.settings import TrainingDbSettings


class RotatedSecret:
    """A secret whose cached value is stale: the password only works read afresh."""

    def __init__(self) -> None:
        self.reads: list[bool] = []

    def __call__(self, settings: TrainingDbSettings, fresh: bool) -> Any:
        self.reads.append(fresh)
        password = "" if fresh else "rotated-away"
        return {"username": "root", "password": password, "host": "127.0.0.1", "port": 3306}


@pytest.fixture(autouse=True)
def function_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in EnvName:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(EnvName.TRAINING_DB_SECRET_ARN, "arn:aws:secretsmanager:local:1:secret:db")
    monkeypatch.setenv(EnvName.TRAINING_DB_TLS, "false")


def test_a_refused_login_reads_the_secret_again_once_and_connects() -> None:
    # Given a cached secret whose password was rotated away
    secret = RotatedSecret()
    # When the handlers' connector connects
    connection = TrainingDbConnector(read_secret=secret)()
    # Then it read the cached secret, was refused, read it afresh and is connected
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchall()[0][0] == 1
            cursor.execute("SELECT @@SESSION.innodb_lock_wait_timeout")
            assert cursor.fetchall()[0][0] == 20  # the workflow session
    finally:
        connection.close()
    assert secret.reads == [False, True]


def test_a_step_that_does_not_connect_needs_no_database_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given no secret configured, When the connector is made, Then nothing is read yet
    monkeypatch.delenv(EnvName.TRAINING_DB_SECRET_ARN)
    secret = RotatedSecret()
    connector = TrainingDbConnector(read_secret=secret)
    assert secret.reads == []
    # And only connecting says what is missing
    with pytest.raises(ValueError, match=EnvName.TRAINING_DB_SECRET_ARN):
        connector()

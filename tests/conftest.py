"""Fixtures shared by every test layer: throwaway MariaDB and PostgreSQL databases.

Each fixture creates a database with a random name and drops it afterwards, so tests
never touch the local defaults (ims_training, ims_warehouse) and can run in any order.
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from support import mysql_url_text

from ims_refresh.settings import LocalDatabases, LocalEnvName, MySqlUrl
from ims_refresh.synthetic_warehouse import build_warehouse
from training_refresh.adapters.mysql import Connection, connect

MARIADB = "mysql://root@127.0.0.1:3306/"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/"
SHARED_WAREHOUSE_CUSTOMERS = 400

# Property tests judge results, never speed: on a busy shared machine generating or running
# an example can take longer than hypothesis's defaults allow.
settings.register_profile(
    "ims", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.load_profile("ims")

# A shell starts a background job (`make test &`, nohup) with SIGINT ignored, and every
# process inherits an ignored signal across exec: the commands the tests start would then
# never see the Ctrl-C those tests send. Handled again here, it is the default in children.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _mysql_server() -> Connection:
    return connect(MySqlUrl.parse(MARIADB + "x").without_database(), workflow_session=False)


@pytest.fixture
def training_db() -> Iterator[MySqlUrl]:
    """An empty MariaDB database for one test."""
    url = MySqlUrl.parse(f"{MARIADB}ims_test_{uuid.uuid4().hex[:10]}")
    yield url
    with _mysql_server() as server, server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{url.database}`")


def _drop_postgres_database(name: str) -> None:
    with psycopg.connect(POSTGRES + "postgres", autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _new_warehouse(customers: int) -> tuple[str, str]:
    name = f"ims_wh_test_{uuid.uuid4().hex[:10]}"
    url = POSTGRES + name
    build_warehouse(url, customers, seed=4242, profile="demo")
    return name, url


@pytest.fixture(scope="session")
def shared_warehouse_url() -> Iterator[str]:
    """A seeded synthetic warehouse that tests only read."""
    name, url = _new_warehouse(SHARED_WAREHOUSE_CUSTOMERS)
    yield url
    _drop_postgres_database(name)


@pytest.fixture
def own_warehouse_url() -> Iterator[str]:
    """A small seeded warehouse that one test may change."""
    name, url = _new_warehouse(120)
    yield url
    _drop_postgres_database(name)


@pytest.fixture
def databases(training_db: MySqlUrl, shared_warehouse_url: str) -> LocalDatabases:
    return LocalDatabases(training=training_db, warehouse_url=shared_warehouse_url)


@pytest.fixture
def own_databases(
    training_db: MySqlUrl, own_warehouse_url: str, monkeypatch: pytest.MonkeyPatch
) -> LocalDatabases:
    """A training database and a warehouse of the test's own, which the local commands the
    test runs use as their defaults (``IMS_TRAINING_DB_URL``, ``IMS_WAREHOUSE_URL``)."""
    monkeypatch.setenv(LocalEnvName.TRAINING_DB_URL, mysql_url_text(training_db))
    monkeypatch.setenv(LocalEnvName.WAREHOUSE_URL, own_warehouse_url)
    return LocalDatabases(training=training_db, warehouse_url=own_warehouse_url)

"""Build the real adapters (boto3 clients, pymysql connections) from the environment.

Only the handlers call this module; the domain modules receive what it builds. Clients
are created per invocation on purpose: it costs milliseconds, and it means a client never
outlives the credentials or endpoints of the environment it was made for.
"""

from __future__ import annotations

import json
import os
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import boto3
import pymysql

from training_refresh.gold_load import CUSTOMERS_PER_CHUNK
from training_refresh.gold_merge import Connection
from training_refresh.object_store import S3ObjectStore
from training_refresh.warehouse import DataApiWarehouse, WarehouseTarget

WORK_BUCKET_ENV = "IMS_WORK_BUCKET"
TRAINING_DB_SECRET_ENV = "IMS_TRAINING_DB_SECRET_ARN"  # noqa: S105 - a variable name
TRAINING_DB_NAME_ENV = "IMS_TRAINING_DB_NAME"
TRAINING_DB_HOST_ENV = "IMS_TRAINING_DB_HOST"
TRAINING_DB_PORT_ENV = "IMS_TRAINING_DB_PORT"
TRAINING_DB_TLS_ENV = "IMS_TRAINING_DB_TLS"
TRAINING_DB_CA_BUNDLE_ENV = "IMS_TRAINING_DB_CA_BUNDLE"
CUSTOMERS_PER_CHUNK_ENV = "IMS_CUSTOMERS_PER_CHUNK"
DATA_API_FIRST_POLL_ENV = "IMS_DATA_API_FIRST_POLL_SECONDS"
DEFAULT_FIRST_POLL_SECONDS = 0.1
"""Wait before the first DescribeStatement; Redshift rarely answers sooner. The local
runtime, whose statements finish at once, lowers it."""
LOCK_WAIT_SECONDS = 20
"""innodb_lock_wait_timeout for our sessions: a stuck lock becomes a retryable error
(TrainingDatabaseBusyError) instead of holding a Lambda until its timeout."""


@dataclass(frozen=True)
class MySqlSettings:
    host: str
    port: int
    user: str
    password: str
    database: str
    tls: bool
    ca_bundle: str | None


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


def work_bucket(environ: Mapping[str, str] = os.environ) -> str:
    return _required(environ, WORK_BUCKET_ENV)


def customers_per_chunk(environ: Mapping[str, str] = os.environ) -> int:
    """Customers per extraction statement and MySQL transaction (tunable for big rows)."""
    raw = environ.get(CUSTOMERS_PER_CHUNK_ENV, "").strip()
    if not raw:
        return CUSTOMERS_PER_CHUNK
    value = int(raw)
    if not 1 <= value <= CUSTOMERS_PER_CHUNK:
        raise RuntimeError(f"{CUSTOMERS_PER_CHUNK_ENV} must be 1..{CUSTOMERS_PER_CHUNK}")
    return value


def object_store() -> S3ObjectStore:
    return S3ObjectStore(boto3.client("s3"))


def warehouse(environ: Mapping[str, str] = os.environ) -> DataApiWarehouse:
    first_poll = float(environ.get(DATA_API_FIRST_POLL_ENV) or DEFAULT_FIRST_POLL_SECONDS)
    return DataApiWarehouse(
        boto3.client("redshift-data"), WarehouseTarget.from_env(environ), poll_initial=first_poll
    )


def mysql_settings(environ: Mapping[str, str] = os.environ) -> MySqlSettings:
    """Credentials from the RDS secret; host, port and database from the environment
    where set (an RDS-managed master secret holds only username and password)."""
    secret_arn = _required(environ, TRAINING_DB_SECRET_ENV)
    secret = json.loads(
        boto3.client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]
    )
    return MySqlSettings(
        host=environ.get(TRAINING_DB_HOST_ENV) or str(secret["host"]),
        port=int(environ.get(TRAINING_DB_PORT_ENV) or secret.get("port", 3306)),
        user=str(secret["username"]),
        password=str(secret.get("password", "")),
        database=environ.get(TRAINING_DB_NAME_ENV) or str(secret.get("dbname", "")),
        tls=environ.get(TRAINING_DB_TLS_ENV, "true").lower() == "true",
        ca_bundle=environ.get(TRAINING_DB_CA_BUNDLE_ENV) or None,
    )


def _tls_context(settings: MySqlSettings) -> ssl.SSLContext | None:
    if not settings.tls:
        return None
    context = ssl.create_default_context(cafile=settings.ca_bundle)
    return context


def connect_mysql(settings: MySqlSettings) -> Connection:
    connection: Connection = pymysql.connect(
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password,
        database=settings.database,
        charset="utf8mb4",
        autocommit=True,
        ssl=_tls_context(settings),
        # Without this pymysql "prefers" TLS: it builds a context for every connection
        # (~20 ms) and encrypts wherever the server offers it, though TLS was turned off.
        ssl_disabled=not settings.tls,
        connect_timeout=10,
        # Strict mode even where the server default is lax: a value that does not fit
        # must fail the chunk, never be truncated silently.
        init_command=(
            f"SET SESSION innodb_lock_wait_timeout = {LOCK_WAIT_SECONDS}, "
            "sql_mode = CONCAT_WS(',', @@SESSION.sql_mode, 'STRICT_ALL_TABLES')"
        ),
    )
    return connection


def mysql_connector(environ: Mapping[str, str] = os.environ) -> Callable[[], Connection]:
    settings = mysql_settings(environ)
    return lambda: connect_mysql(settings)

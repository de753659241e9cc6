"""The training database (MySQL / MariaDB through pymysql): the only module that connects.

It owns what every user of the database needs alike, so no copy can drift:

* :class:`Connection` / :class:`Cursor`, the part of pymysql the domain uses (tests fake it);
* :func:`connect`, with TLS where the settings ask for it and the session set up for the
  workflows (strict mode, a short InnoDB lock wait);
* :func:`quote_identifier` for the identifiers of the validated table configuration;
* one error translation (:func:`translated_errors`): pymysql errors become the domain's
  ``TrainingDatabaseBusyError`` (retryable: lock waits, deadlocks, lost connections) or
  ``TrainingDatabaseError``, and their messages are **always** redacted - MySQL quotes the
  offending value ("Duplicate entry '90022' for key ...") and these messages travel into
  Step Functions causes, run reports and logs;
* :func:`transaction`, :func:`rollback_quietly` and :func:`named_lock` (``GET_LOCK``).
"""

from __future__ import annotations

import hashlib
import ssl
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, Protocol

import pymysql
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from training_refresh.errors import (
    TrainingDatabaseBusyError,
    TrainingDatabaseError,
    TrainingRefreshError,
)
from training_refresh.redaction import redact_values

LOCK_WAIT_SECONDS = 20
"""innodb_lock_wait_timeout of the workflows' sessions: a stuck row lock becomes a
retryable error (TrainingDatabaseBusyError) instead of holding a Lambda until its timeout."""
CONNECT_TIMEOUT_SECONDS = 10
MAX_LOCK_NAME = 64
"""MySQL refuses longer GET_LOCK names."""

ACCESS_DENIED = 1045
TABLE_EXISTS = 1050
NO_SUCH_TABLE = 1146
LOCK_WAIT_ERRORS = frozenset({1205, 1213})
"""Lock wait timeout, deadlock: retrying helps."""
LOST_CONNECTION_ERRORS = frozenset({2006, 2013})
DATA_ERRORS = frozenset({1048, 1062, 1216, 1264, 1265, 1292, 1364, 1366, 1406, 1452, 3819, 4025})
"""A row's values refused: column cannot be null, duplicate key, foreign key (1216, 1452),
out of range, truncated, incorrect date or value, no default, too long, CHECK constraint
(MySQL 3819, MariaDB 4025). The same rows fail again: retrying does not help."""

_WORKFLOW_SESSION = (
    f"SET SESSION innodb_lock_wait_timeout = {LOCK_WAIT_SECONDS}, "
    # Strict mode even where the server default is lax: a value that does not fit must
    # fail the chunk, never be truncated silently.
    "sql_mode = CONCAT_WS(',', @@SESSION.sql_mode, 'STRICT_ALL_TABLES')"
)


class Cursor(Protocol):
    def execute(self, query: str, args: Any = ...) -> int: ...
    def executemany(self, query: str, args: Iterable[Any]) -> int: ...
    def fetchall(self) -> Any: ...
    def fetchone(self) -> Any: ...
    def __enter__(self) -> Cursor: ...
    def __exit__(self, *exc: object) -> None: ...


class Connection(Protocol):
    """The part of a pymysql connection that this project uses."""

    server_status: int

    def cursor(self, cursor: Any = ...) -> Cursor: ...
    def escape(self, obj: Any, mapping: Any = None) -> str: ...
    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> Connection: ...
    def __exit__(self, *exc: object) -> None: ...


class MySqlSettings(BaseModel):
    """Where and as whom to connect. The Lambdas build it from their environment and the
    RDS secret (``settings.TrainingDbSettings``), the local tools from a URL."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    host: str = Field(min_length=1)
    port: int = Field(default=3306, ge=1, le=65535)
    user: str = Field(min_length=1)
    password: SecretStr = SecretStr("")
    database: str | None = None
    """The default database of the session; None for server-level work."""
    tls: bool = True
    ca_bundle: str | None = None
    """CA file to verify the server with (None: the system's trust store)."""

    def without_database(self) -> MySqlSettings:
        return self.model_copy(update={"database": None})


def connect(
    settings: MySqlSettings,
    *,
    autocommit: bool = True,
    workflow_session: bool = True,
    **driver_options: Any,
) -> Connection:
    """A new connection. ``workflow_session`` sets the session up as the workflows need it
    (strict mode, a short lock wait); tools that only inspect or prepare tables may turn it
    off. ``driver_options`` go to pymysql as they are (e.g. ``local_infile``)."""
    tls = _tls_context(settings)
    options: dict[str, Any] = {
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "init_command": _WORKFLOW_SESSION if workflow_session else None,
        **driver_options,
    }
    connection: Connection = pymysql.connect(
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password.get_secret_value(),
        database=settings.database,
        charset="utf8mb4",
        autocommit=autocommit,
        ssl=tls,
        # Without this pymysql "prefers" TLS: it builds a context for every connection
        # (~20 ms) and encrypts wherever the server offers it, though TLS was turned off.
        ssl_disabled=tls is None,
        **options,
    )
    return connection


def _tls_context(settings: MySqlSettings) -> ssl.SSLContext | None:
    if not settings.tls:
        return None
    return ssl.create_default_context(cafile=settings.ca_bundle)


def quote_identifier(name: str) -> str:
    if not name or "`" in name or "\x00" in name:
        raise TrainingDatabaseError(f"refusing to quote identifier {name!r}")
    return f"`{name}`"


# --- errors ----------------------------------------------------------------------------


def error_code(error: BaseException) -> int | None:
    """The MySQL error number of a pymysql error; None for anything else."""
    if not isinstance(error, pymysql.MySQLError):
        return None
    args = error.args
    return args[0] if args and isinstance(args[0], int) else None


def as_domain_error(error: Exception, doing: str) -> Exception:
    """A pymysql error as a domain error with its values redacted; anything else unchanged
    (domain errors, warehouse errors, programming errors)."""
    if isinstance(error, TrainingRefreshError):
        return error
    code = error_code(error)
    if code is None:
        return error
    text = f"{doing}: {redacted_message(error)}"
    if code in LOCK_WAIT_ERRORS or code in LOST_CONNECTION_ERRORS:
        return TrainingDatabaseBusyError(text)
    return TrainingDatabaseError(text)


def is_data_error(error: BaseException) -> bool:
    """Whether MySQL refused a statement for its rows' values (:data:`DATA_ERRORS`)."""
    return error_code(error) in DATA_ERRORS


def redacted_message(error: BaseException) -> str:
    """``MySQL error 1406: Data too long for column 'CITY' at row 3``: a pymysql error's
    number and message, the values MySQL quotes in it redacted."""
    text = str(error.args[1]) if len(error.args) > 1 else ""
    return f"MySQL error {error_code(error)}: {redact_values(text)}"


@contextmanager
def translated_errors(doing: str) -> Iterator[None]:
    """pymysql errors raised in the body leave it as domain errors (see as_domain_error);
    ``doing`` says what was being done, e.g. ``copying IMS_ORDER_GOLD``."""
    try:
        yield
    except Exception as error:
        converted = as_domain_error(error, doing)
        if converted is error:
            raise
        raise converted from None


# --- transactions and locks --------------------------------------------------------------


@contextmanager
def connected(connect: Callable[[], Connection]) -> Iterator[Connection]:
    """A new connection from ``connect`` for the body, closed afterwards (quietly: a close
    that fails must not hide what the body raised)."""
    connection = connect()
    try:
        yield connection
    finally:
        with suppress(Exception):
            connection.close()


def rollback_quietly(connection: Connection) -> None:
    # A failed rollback means the connection is gone, and MySQL rolls back on disconnect.
    with suppress(Exception):
        connection.rollback()


@contextmanager
def transaction(connection: Connection) -> Iterator[None]:
    """BEGIN ... COMMIT around the body; any exception rolls back and passes unchanged."""
    connection.begin()
    try:
        yield
    except BaseException:
        rollback_quietly(connection)
        raise
    connection.commit()


def database_lock_name(cursor: Cursor, namespace: str, *parts: str) -> str:
    """``namespace.database[.part...]``, the GET_LOCK name of something in the session's
    database (named locks are server-wide); hashed when longer than MySQL allows."""
    cursor.execute("SELECT DATABASE()")
    rows = cursor.fetchall()
    database = rows[0][0] if rows else None
    if not database:
        raise TrainingDatabaseError("the training database connection has no default database")
    return lock_name(namespace, str(database), *parts)


def lock_name(namespace: str, database: str, *parts: str) -> str:
    """``namespace.database[.part...]``, hashed when longer than MySQL allows (the name
    ``database_lock_name`` gives, for a caller that knows the database name)."""
    name = ".".join((namespace, database, *parts))
    if len(name) <= MAX_LOCK_NAME:
        return name
    digest = hashlib.sha256(".".join((database, *parts)).encode()).hexdigest()[:40]
    return f"{namespace}.{digest}"


@contextmanager
def named_lock(
    cursor: Cursor, name: str, wait_seconds: int, *, busy: str, doing: str
) -> Iterator[None]:
    """Hold the named lock ``name`` for the body; TrainingDatabaseBusyError(``busy``) when
    it is not free within ``wait_seconds``. Released afterwards, and by MySQL should the
    session die. The body's exceptions pass unchanged."""
    with translated_errors(doing):
        cursor.execute("SELECT GET_LOCK(%s, %s)", (name, wait_seconds))
        rows = cursor.fetchall()
    if not rows or rows[0][0] != 1:
        raise TrainingDatabaseBusyError(busy)
    try:
        yield
    finally:
        with suppress(Exception):  # a lost connection releases the lock anyway
            cursor.execute("SELECT RELEASE_LOCK(%s)", (name,))
            cursor.fetchall()

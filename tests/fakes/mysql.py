"""Stand-ins for the training database where a test must not (or cannot) reach one."""

from __future__ import annotations

from typing import Any

from training_refresh.adapters.mysql import Connection


def no_database() -> Connection:
    raise AssertionError("the training database must not be touched here")


def unreachable_database() -> Connection:
    raise ConnectionRefusedError("no MySQL in unit tests")


class RejectingCursor:
    def __init__(self, connection: RejectingConnection) -> None:
        self.connection = connection

    def execute(self, query: str, args: Any = None) -> int:
        self.connection.statements.append(query)
        raise self.connection.error

    def executemany(self, query: str, args: Any) -> int:
        return self.execute(query, args)

    def fetchall(self) -> Any:
        return ()

    def fetchone(self) -> Any:
        return None

    def __enter__(self) -> RejectingCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class RejectingConnection:
    """A connection whose every statement fails with ``error`` (e.g. a pymysql error with
    the value MySQL quotes); records the statements and what was done to it."""

    server_status = 0

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.statements: list[str] = []
        self.events: list[str] = []

    def cursor(self, cursor: Any = None) -> RejectingCursor:
        return RejectingCursor(self)

    def escape(self, obj: Any, mapping: Any = None) -> str:
        return repr(obj)

    def begin(self) -> None:
        self.events.append("begin")

    def commit(self) -> None:
        self.events.append("commit")

    def rollback(self) -> None:
        self.events.append("rollback")

    def close(self) -> None:
        self.events.append("close")

    def __enter__(self) -> RejectingConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Connector:
    """A ``connect_mysql`` that records how often it was called and hands out
    ``connection`` (or raises ``error``)."""

    def __init__(
        self, connection: Connection | None = None, error: Exception | None = None
    ) -> None:
        self.connection = connection
        self.error = error
        self.calls = 0

    def __call__(self) -> Connection:
        self.calls += 1
        if self.error is not None:
            raise self.error
        assert self.connection is not None, "give the Connector a connection or an error"
        return self.connection

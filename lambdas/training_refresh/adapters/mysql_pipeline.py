"""Statements of one transaction executed in order on a thread of their own.

Problem: a gold load's merge builds a multi-row INSERT (decoding, scanning and rendering
2,000 rows in Python), sends it, and waits for MySQL to insert them before it builds the
next. The largest config (IMS_ORDER and IMS_AUTH) runs alone for most of a load, so those
waits add up on its critical path: measured on a 10,000-customer load, its thread spent
18 s of 53 s waiting for MySQL while the GIL was free.

Design: :class:`StatementPipeline` hands each statement to one writer thread, which runs
them in order on the caller's cursor, so MySQL inserts one batch while Python builds the
next. The queue holds at most :data:`PIPELINE_DEPTH` statements, which bounds the memory
of rendered SQL (about 0.6 MB a statement). Only the writer uses the connection while the
pipeline is open; the caller reads the connection's settings (its escaping) only.

A statement that fails stops the writer: the statements queued after it are dropped, and
the caller gets :class:`StatementFailed` (with the failed statement's ``tag`` and the
pymysql error) from its next :meth:`~StatementPipeline.submit` or from
:meth:`~StatementPipeline.drain`. Leaving the block in any way waits for the statement in
flight (MySQL cannot be interrupted mid-statement) and ends the thread, so the caller's
transaction is rolled back or committed only after the writer is done with the
connection. The writer is a daemon thread: a process that ends does not wait for it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, TypeVar

from training_refresh.adapters.mysql import Cursor

PIPELINE_DEPTH = 2
"""Statements queued besides the one the writer runs: enough that MySQL never waits for
the next batch to be rendered, few enough to hold little memory."""

Tag = TypeVar("Tag")


class StatementFailed(Exception, Generic[Tag]):
    """A statement of the pipeline failed; ``error`` is what pymysql raised. The caller
    turns it back into that error (a domain error through ``translated_errors``)."""

    def __init__(self, tag: Tag, error: Exception) -> None:
        super().__init__(f"a pipelined statement failed: {type(error).__name__}")
        self.tag = tag
        self.error = error


@dataclass(frozen=True)
class _Statement(Generic[Tag]):
    sql: str
    tag: Tag
    done: Callable[[int], None]


_STOP = None


class StatementPipeline(Generic[Tag]):
    """A context manager; see the module docstring."""

    def __init__(self, cursor: Cursor) -> None:
        self._cursor = cursor
        self._queue: queue.Queue[_Statement[Tag] | None] = queue.Queue(PIPELINE_DEPTH)
        self._failure: StatementFailed[Tag] | None = None
        self._thread = threading.Thread(target=self._write, name="mysql-pipeline", daemon=True)

    def __enter__(self) -> StatementPipeline[Tag]:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop()

    def submit(self, sql: str, tag: Tag, done: Callable[[int], None] = lambda _rows: None) -> None:
        """Queue ``sql``; ``done`` gets its affected-row count (on the writer thread)."""
        self._raise_failure()
        statement = _Statement(sql, tag, done)
        while True:
            try:
                self._queue.put(statement, timeout=0.1)
                return
            except queue.Full:
                self._raise_failure()  # the writer stopped at a failure and takes no more

    def drain(self) -> None:
        """Wait until every statement submitted has run; raise the failure of one."""
        self._stop()
        self._raise_failure()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _stop(self) -> None:
        if not self._thread.is_alive():
            return
        while True:
            try:
                self._queue.put(_STOP, timeout=0.1)
                break
            except queue.Full:
                if not self._thread.is_alive():
                    break
        self._thread.join()

    def _write(self) -> None:
        while (statement := self._queue.get()) is not _STOP:
            if self._failure is not None:
                continue  # dropped: the transaction fails at an earlier statement
            try:
                statement.done(self._cursor.execute(statement.sql))
            except Exception as error:  # handed to the caller's thread
                self._failure = StatementFailed(statement.tag, error)

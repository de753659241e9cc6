"""Who is taking a lease: the execution it belongs to, how to tell whether another holder's
execution still runs, and whether this run was abandoned.

A handler sets these for the duration of its step (``handlers.lease_holder``) from its
event and its dependencies, so every lease function below it records the execution ARN of
its row and can check the holders it waits for, without every domain step passing them
along. Outside a handler (tests, tools) nothing is recorded and no holder can be checked:
leases then fall back to their TTL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

ExecutionCheck = Callable[[str], bool | None]
"""Execution ARN -> True while it runs, False once it ended, None when that cannot be told."""


def cannot_tell(_execution_arn: str) -> bool | None:
    return None


def never_abandoned() -> bool:
    return False


@dataclass(frozen=True)
class LeaseHolder:
    execution_arn: str | None = None
    """The Step Functions execution of the current run, recorded in its lease rows."""
    still_running: ExecutionCheck = cannot_tell
    abandoned: Callable[[], bool] = never_abandoned
    """True once the run was given up (a local run interrupted or out of time): it then
    takes and renews no lease, so what its process releases stays released."""
    holds_run_lock: bool = False
    """A local run: its process holds the run's named lock (``run_lock``), recorded in its
    rows, so others can tell at once when the process is gone."""


NOBODY = LeaseHolder()
"""Outside a handler: no execution recorded, no holder checked, never abandoned."""
_CURRENT: ContextVar[LeaseHolder | None] = ContextVar("lease_holder", default=None)


def current_holder() -> LeaseHolder:
    return _CURRENT.get() or NOBODY


@contextmanager
def lease_holder(holder: LeaseHolder) -> Iterator[None]:
    token = _CURRENT.set(holder)
    try:
        yield
    finally:
        _CURRENT.reset(token)

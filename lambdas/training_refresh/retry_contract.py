"""Which transient errors each Lambda task can raise; its ASL ``Retry`` names each of them.

Step Functions matches a ``Retry``'s ``ErrorEquals`` against the Lambda's ``errorType`` (the
exception's class name) exactly: a subclass is *not* matched by its base class's name, so a
``Retry`` on ``TrainingDatabaseBusyError`` never retries ``GoldChangeInProgressError``. Every
transient error a task can raise is therefore listed here, by its own class, under the task's
name (``registry.TASKS``), and by its own name in that task's ``Retry``;
``tests/unit/test_asl_error_names.py`` checks both directions (every name a ``Retry``
matches is an error class; every error listed here, and no other domain error, is in the
task's ``Retry``). The operator's "(transient: the workflow may retry it)" label is read
from the ASL files (``ims_refresh.asl_files.retried_errors``), not from class inheritance.

Where the errors come from: every task that touches MySQL can meet a lock wait, deadlock or
lost connection (``TrainingDatabaseBusyError``, adapters/mysql.py); the Data API throttles
(``WarehouseThrottledError``), a statement outlives our wait (``WarehouseTimeoutError``) or
loses its connection or node (``WarehouseConnectionLostError``);
a gold-changing run's bounded wait for another one (the gold writer lease) ends in
``GoldChangeInProgressError`` (a reset waits for no gold-changing run, nor they for a
reset); a publication or the reset's swap that could not get
its tables in time raises ``GoldPublishBlockedError`` / ``SwapBlockedError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from training_refresh.errors import (
    GoldChangeInProgressError,
    GoldPublishBlockedError,
    SwapBlockedError,
    TrainingDatabaseBusyError,
    TrainingRefreshError,
    WarehouseConnectionLostError,
    WarehouseThrottledError,
    WarehouseTimeoutError,
)

_Errors = frozenset[type[TrainingRefreshError]]
_MYSQL: Final[_Errors] = frozenset({TrainingDatabaseBusyError})
_WAREHOUSE: Final[_Errors] = frozenset(
    {WarehouseThrottledError, WarehouseTimeoutError, WarehouseConnectionLostError}
)
_GOLD_WRITER: Final[_Errors] = _MYSQL | {GoldChangeInProgressError}
"""A gold-changing step takes or renews the gold writer lease (one such run at a time)."""

TRANSIENT_BY_TASK: Final[Mapping[str, _Errors]] = MappingProxyType(
    {
        "plan-gold-load": _WAREHOUSE | _GOLD_WRITER,
        "load-config": _WAREHOUSE | _GOLD_WRITER,
        "publish-gold-load": _GOLD_WRITER | {GoldPublishBlockedError},
        "write-gold-load-report": _MYSQL,
        "prepare-reset": _MYSQL,
        "copy-reset-table": _MYSQL,
        "swap-reset-tables": _MYSQL | {SwapBlockedError},
        "write-reset-report": _MYSQL,
        "restore-customers": _MYSQL,
        "write-restore-report": _MYSQL,
        "stage-reset-copies": _MYSQL,
        "undo-gold": _GOLD_WRITER | {GoldPublishBlockedError},
        "write-gold-undo-report": _MYSQL,
        "remove-gold-customers": _GOLD_WRITER | {GoldPublishBlockedError},
        "write-gold-remove-report": _MYSQL,
    }
)
"""Task name -> the transient errors its handler can raise (each must be in its Retry)."""

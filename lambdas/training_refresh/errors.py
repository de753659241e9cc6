"""Domain errors.

The class names are the error names that the state machines' ``Retry`` and ``Catch``
blocks match (a Lambda's ``errorType`` is its exception's class name), so renaming a
class here means changing ``statemachines/*.asl.json`` too; a unit test keeps both
lists in step.
"""


class TrainingRefreshError(Exception):
    """Base of every error this product raises on purpose."""


class BadInputError(TrainingRefreshError):
    """The caller's input is unusable; nothing was written."""


class ScenarioFileError(BadInputError):
    """The scenario file cannot be used (bad value, encoding, no usable column...)."""


class InvalidAsOfDateError(BadInputError):
    """The as-of date is not a real calendar date, or lies in the future."""


class UnknownTableError(BadInputError):
    """A config or table name that the table configuration does not hold."""


class TableConfigError(TrainingRefreshError):
    """The table configuration data file is malformed."""


class ConfigurationError(TrainingRefreshError, ValueError):
    """A setting of the function's environment (or its database secret) is missing or
    unusable; the message names the variable, never its value."""


class WarehouseQueryError(TrainingRefreshError):
    """A Redshift Data API statement FAILED or was ABORTED: retrying will not help."""


class WarehouseThrottledError(TrainingRefreshError):
    """The Redshift Data API throttled us or is busy: transient, retry later."""


class WarehouseTimeoutError(TrainingRefreshError):
    """A statement did not finish within the time we wait for it: transient."""


class WarehouseConnectionLostError(TrainingRefreshError):
    """A statement failed because its connection or a node went away (a node restart, a
    leader failover, a terminated session; the Data API's ``DatabaseConnectionException``),
    not because of its SQL: transient, the same statement is retried."""


class ResultTooLargeError(TrainingRefreshError):
    """A statement's result would exceed what the Data API returns: chunk smaller."""


class RowTooLargeError(TrainingRefreshError):
    """A row of a statement's result is larger than the Data API returns (64 KB per row):
    chunking smaller does not help; the row's long column must be shortened or left out."""


class StatementTooLargeError(TrainingRefreshError):
    """A SQL text would exceed the Data API's 100 KB limit: chunk smaller."""


class TrainingDatabaseError(TrainingRefreshError):
    """The training MySQL database refused a change (schema mismatch, constraint...)."""


class TrainingDatabaseBusyError(TrainingRefreshError):
    """A lock on the training database could not be had in time: transient."""


TRANSIENT_ERRORS: tuple[type[TrainingRefreshError], ...] = (
    WarehouseThrottledError,
    WarehouseTimeoutError,
    WarehouseConnectionLostError,
    TrainingDatabaseBusyError,
)


class SchemaMismatchError(TrainingDatabaseError):
    """A gold copy and its training table differ in columns (or one of them is missing)."""


class SwapBlockedError(TrainingDatabaseBusyError):
    """The reset's atomic RENAME could not get the training tables in time: trainee queries
    or open transactions hold them. Nothing was swapped; transient."""


class GoldChangeInProgressError(TrainingDatabaseBusyError):
    """A gold-changing run (gold load, removal, undo) waited its bounded time while another
    one held the gold writer lease and gave up without writing anything; the message names
    the running one (run id, started at, last seen)."""


class RunAbandonedError(TrainingRefreshError):
    """The run was given up (a local run interrupted by Ctrl-C or SIGTERM, or out of its
    ``--timeout``) and released its leases: it takes or renews no lease any more."""


class EmptyGoldCopyError(TrainingRefreshError):
    """A reset found gold copies without a row and was not allowed to publish them
    (``allow_empty``); nothing was copied or swapped."""


class ResetLeaseLostError(TrainingRefreshError):
    """A reset step no longer holds the reset lease (it expired or was released), so another
    reset may have dropped its copies: the reset stops without swapping."""


class ResetSupersededError(ResetLeaseLostError):
    """A newer reset took the reset lease over; this older reset stops without swapping."""


class NothingToUndoError(BadInputError):
    """An undo was asked for, but no gold-changing run is recorded before the current
    gold state; nothing was changed."""


class StateNoLongerKeptError(BadInputError):
    """An undo needs a gold state that is no longer kept; nothing was changed."""


class CustomersNotInGoldError(BadInputError):
    """A removal names only customers that no gold copy holds; nothing was changed."""


class GoldPublishBlockedError(TrainingDatabaseBusyError):
    """Publishing waited its bounded time for statements reading the gold copies (a
    reset's copy, a restore) and gave up; nothing was published. Transient."""


class GoldChangedDuringResetError(TrainingRefreshError):
    """Gold was published again every time the reset copied it (more often than
    ``IMS_RESET_GOLD_RECOPIES`` allows): the reset stops without swapping, the training
    tables are unchanged. Not retried by the workflow: run the reset again when the gold
    loads have settled."""


class StaleGoldBuildError(TrainingRefreshError):
    """A run's build tables no longer fit the published gold state (another run published
    in between, or they were dropped); nothing was published."""


class PiiDetectedError(TrainingRefreshError):
    """The privacy gate found personal data in a kept column of a chunk (issue 15): the
    chunk was not committed and the config publishes nothing. The message names table,
    column, rules, counts and customer numbers, never a value. Not transient."""


class DataQualityError(TrainingRefreshError):
    """The source broke a data-quality rule of design §3.2 that has no safe reading (a CDC
    change whose operation is not I, U or D after trimming and upper-casing, a NULL
    operation or a NULL timestamp): the chunk rolls back and the config publishes nothing.
    The message names the table, the count, the business keys and the operation values
    found, never another value. Not transient: the source must be corrected."""


class SourceSchemaError(TrainingRefreshError):
    """A column the configs extract is gone from the source, or a kept column's source type
    no longer fits its MySQL column: the gold load's plan refuses before anything is
    written, naming table, column and both types (never a value)."""


def _with_subclasses(cls: type[Exception]) -> set[str]:
    return {cls.__name__}.union(*(_with_subclasses(sub) for sub in cls.__subclasses__()))


def error_names(cls: type[Exception]) -> frozenset[str]:
    """The names of ``cls`` and every subclass (how Step Functions sees them)."""
    return frozenset(_with_subclasses(cls))


def bad_input_error_names() -> frozenset[str]:
    """Error names that mean the caller's input was unusable (exit code 2)."""
    return error_names(BadInputError)

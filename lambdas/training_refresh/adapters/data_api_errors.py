"""Data API failures as the warehouse's named errors, their texts redacted.

A botocore ``ClientError`` is recognised by its ``response["Error"]["Code"]`` (this module
never imports botocore); a statement that FAILED or was ABORTED by its
``DescribeStatement`` status and error text. Error texts of the Data API can quote values of
the SQL or of the rows; they are redacted (``redaction``) before they go into an error.

A statement that failed because its connection or a node went away (not because of its SQL)
is :class:`WarehouseConnectionLostError`, which the ASL retries: the Data API's
``DatabaseConnectionException``, or a FAILED statement whose error text says the session
ended under it (:data:`CONNECTION_LOST_PHRASES`: libpq's and Redshift's words for a
terminated backend, a node restart or a leader failover).

A result row larger than the Data API's 64 KB per row is :class:`RowTooLargeError`: the
service fails such a statement with "Packet for query is too large"
(https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-troubleshooting.html); unlike a
result that is too large as a whole, fewer customers per statement do not help.
"""

from __future__ import annotations

from collections.abc import Mapping

from training_refresh.errors import (
    ResultTooLargeError,
    RowTooLargeError,
    WarehouseConnectionLostError,
    WarehouseQueryError,
    WarehouseThrottledError,
)
from training_refresh.redaction import redact_values

THROTTLING_ERROR_CODES = frozenset(
    {
        # The Data API's own "busy" answers.
        "ActiveStatementsExceededException",
        "ActiveSessionsExceededException",
        "ActiveWaitingRequestsExceededException",
        "InternalServerException",
        "ThrottlingException",
        "TooManyRequestsException",
        # botocore's generic throttling codes (botocore.retries.standard).
        "Throttling",
        "ThrottledException",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)


CONNECTION_LOST_CODES = frozenset({"DatabaseConnectionException"})
"""The Data API's "Connection to a database failed" answer (HTTP 500)."""

CONNECTION_LOST_PHRASES = (
    "server closed the connection unexpectedly",
    "terminating connection",
    "connection reset by peer",
    "connection refused",
    "could not connect to server",
    "connection to server",
    "ssl syscall error",
    "connection is closed",
    "lost connection",
    "failover",
    "cluster is not available",
    "cluster is unavailable",
)
"""Lower-case phrases of a FAILED statement's error text that mean the session or node went
away under the statement (PostgreSQL/libpq, which the local stand-in runs on, and Redshift:
a terminated backend, a restarted node, a leader failover); the SQL itself was fine."""


def client_error_code(error: Exception) -> str | None:
    response = getattr(error, "response", None)
    if not isinstance(response, Mapping):
        return None
    code = response.get("Error", {}).get("Code")
    return code if isinstance(code, str) and code else None


def client_error_as_warehouse_error(operation: str, code: str, message: str) -> Exception:
    if code in THROTTLING_ERROR_CODES:
        return WarehouseThrottledError(
            f"Redshift Data API {operation} was throttled or busy ({code}); retry later"
        )
    message = redact_values(message)
    if code in CONNECTION_LOST_CODES:
        return WarehouseConnectionLostError(
            f"Redshift Data API {operation} could not reach the database ({code}): {message};"
            " retry later"
        )
    if says_row_too_large(message):
        return RowTooLargeError(f"Redshift Data API {operation}: {ROW_TOO_LARGE} ({message})")
    if _says_result_too_large(message):
        return ResultTooLargeError(f"Redshift Data API {operation}: {message}")
    return WarehouseQueryError(f"Redshift Data API {operation} failed: {message}")


def statement_failure(statement_id: str, status: str, error_text: str) -> Exception:
    error_text = redact_values(error_text)
    summary = f"statement {statement_id} {status}"
    if says_row_too_large(error_text):
        return RowTooLargeError(f"{summary}: {ROW_TOO_LARGE} ({error_text})")
    if error_text and _says_result_too_large(error_text):
        return ResultTooLargeError(f"{summary}: {error_text} (query fewer customers at a time)")
    if status == "FAILED" and says_connection_lost(error_text):
        return WarehouseConnectionLostError(
            f"{summary}: the warehouse connection was lost ({error_text}); the statement"
            " itself was fine, retry it"
        )
    return WarehouseQueryError(f"{summary}: {error_text}" if error_text else summary)


ROW_TOO_LARGE = "a row of the result is larger than the Data API's 64 KB per row"


def says_row_too_large(text: str) -> bool:
    """Whether an error text is the Data API's answer to a result row over 64 KB."""
    return "packet for query is too large" in text.lower()


def _says_result_too_large(text: str) -> bool:
    lowered = text.lower()
    return "size limit" in lowered and "exceed" in lowered


def says_connection_lost(text: str) -> bool:
    """Whether a statement's error text says its session or node went away."""
    lowered = text.lower()
    return any(phrase in lowered for phrase in CONNECTION_LOST_PHRASES)

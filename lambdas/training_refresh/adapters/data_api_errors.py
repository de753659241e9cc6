"""Data API failures as the warehouse's named errors, their texts redacted.

A botocore ``ClientError`` is recognised by its ``response["Error"]["Code"]`` (this module
never imports botocore); a statement that FAILED or was ABORTED by its
``DescribeStatement`` status and error text. Error texts of the Data API can quote values of
the SQL or of the rows; they are redacted (``redaction``) before they go into an error.
"""

from __future__ import annotations

from collections.abc import Mapping

from training_refresh.errors import (
    ResultTooLargeError,
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
    if _says_result_too_large(message):
        return ResultTooLargeError(f"Redshift Data API {operation}: {message}")
    return WarehouseQueryError(f"Redshift Data API {operation} failed: {message}")


def statement_failure(statement_id: str, status: str, error_text: str) -> Exception:
    error_text = redact_values(error_text)
    summary = f"statement {statement_id} {status}"
    if error_text and _says_result_too_large(error_text):
        return ResultTooLargeError(f"{summary}: {error_text} (query fewer customers at a time)")
    return WarehouseQueryError(f"{summary}: {error_text}" if error_text else summary)


def _says_result_too_large(text: str) -> bool:
    lowered = text.lower()
    return "size limit" in lowered and "exceed" in lowered

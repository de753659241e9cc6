"""What both workflows' run reports share: timestamps, error details, input names."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from training_refresh.errors import BadInputError
from training_refresh.object_store import S3Location


def report_location(work_bucket: str, workflow: str, run_id: str) -> S3Location:
    return S3Location(work_bucket, f"reports/{workflow}/{run_id}.json")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def seconds_between(start: str, end: str) -> float:
    try:
        return round(
            (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds(), 3
        )
    except ValueError:
        return 0.0


def error_details(error: Mapping[str, Any]) -> dict[str, str]:
    """Step Functions' Error/Cause of a Lambda failure → a readable name and message."""
    name = str(error.get("Error", "Unknown"))
    cause = str(error.get("Cause", ""))
    try:
        message = str(json.loads(cause).get("errorMessage", cause))
    except (json.JSONDecodeError, AttributeError):
        message = cause
    return {"name": name, "message": message[:2000]}


def _with_subclasses(cls: type[Exception]) -> set[str]:
    return {cls.__name__}.union(*(_with_subclasses(sub) for sub in cls.__subclasses__()))


def bad_input_error_names() -> frozenset[str]:
    """Error names that mean the caller's input was unusable (exit code 2).

    Computed on call, so error classes defined in any module are included.
    """
    return frozenset(_with_subclasses(BadInputError))


def requested_names(raw: Any, what: str) -> list[str] | None:
    """A request's ``tables``: None, a list of names or a comma-separated string."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise BadInputError(f"'tables' must be a list of {what} names")
    return raw

"""Message parts both workflows share: the execution, caught errors, requested names."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from training_refresh.errors import BadInputError

MAX_ERROR_MESSAGE_CHARS = 2000

RunStatus = Literal["succeeded", "failed", "bad_input"]
"""How a run ended, in every report and outcome."""


def validation_problems(error: ValidationError) -> str:
    """The errors of a validation, by field, without the input values (they may be data)."""
    return "; ".join(
        f"{'.'.join(str(part) for part in e['loc']) or '(top)'}: {e['msg']}"
        for e in error.errors(include_input=False, include_url=False)
    )


class Message(BaseModel):
    """A message our own steps produce: unknown fields are refused, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Lenient(BaseModel):
    """A document that may come from elsewhere (an older version, an operator): unknown
    fields are ignored and every field has a default."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class ExecutionInfo(Message):
    """``$$.Execution`` fields the state machines pass to their first and last steps."""

    name: str
    start_time: str | None = None
    arn: str | None = None
    """``$$.Execution.Id``: recorded in the run's lease rows, so a waiting run can ask Step
    Functions whether this execution still runs."""


class ErrorDetail(Lenient):
    """An error as a run report shows it: its name and (redacted) message."""

    name: str | None = None
    message: str | None = None


class CaughtError(Lenient):
    """What a ``Catch`` puts into the state: Step Functions' ``Error`` and ``Cause`` (for a
    Lambda error, the JSON of ``errorType``, ``errorMessage`` and the stack trace)."""

    error: Any = Field(default="Unknown", alias="Error")
    cause: Any = Field(default="", alias="Cause")

    def details(self) -> ErrorDetail:
        """A readable name and message (the Lambda's ``errorMessage`` where there is one)."""
        cause = str(self.cause)
        try:
            message = str(json.loads(cause).get("errorMessage", cause))
        except (json.JSONDecodeError, AttributeError):
            message = cause
        return ErrorDetail(name=str(self.error), message=message[:MAX_ERROR_MESSAGE_CHARS])


def requested_names(raw: JsonValue, what: str) -> list[str] | None:
    """A request's ``tables``: None, a list of names or a comma-separated string."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise BadInputError(f"'tables' must be a list of {what} names")
    return [str(item) for item in raw]

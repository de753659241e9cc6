"""Event shapes shared by the handlers of both workflows."""

from typing import Any

from aws_lambda_powertools.utilities.parser import BaseModel


class ExecutionInfo(BaseModel):
    """``$$.Execution`` fields the state machines pass to their first and last steps."""

    name: str
    start_time: str | None = None


class StartEvent(BaseModel):
    """A workflow's first step: the execution input as given, and who runs it."""

    request: dict[str, Any]
    execution: ExecutionInfo


class ReportEvent(BaseModel):
    """A workflow's report step: the whole state, and who ran it."""

    execution: ExecutionInfo
    state: dict[str, Any]

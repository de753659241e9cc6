"""Reading a Step Functions execution's history, for the CLI and the local runtime."""

from __future__ import annotations

from typing import Any


def execution_history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    """Every event of an execution, oldest first."""
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
        if token:
            kwargs["nextToken"] = token
        page = sfn.get_execution_history(**kwargs)
        events.extend(page.get("events") or [])
        token = page.get("nextToken")
        if not token:
            return events


def largest_state_payload(sfn: Any, arn: str) -> int:
    """The largest input or output of any state of the execution, in UTF-8 bytes."""
    largest = 0
    for event in execution_history(sfn, arn):
        for details in event.values():
            if isinstance(details, dict):
                for key in ("input", "output"):
                    value = details.get(key)
                    if isinstance(value, str):
                        largest = max(largest, len(value.encode("utf-8")))
    return largest

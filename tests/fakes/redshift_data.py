"""A ``redshift-data`` client answered from a script (see ``stubbed``).

The script says what each operation answers: ``statuses`` for successive DescribeStatement
calls (the last repeating), ``pages`` chained by NextToken, ``errors`` per operation.
``calls`` records the API parameters of each call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fakes.stubbed import stubbed_client

STATEMENT_ID = "d9b6c0c9-0747-4bf4-b142-e8883122f766"


class ScriptedRedshiftData:
    def __init__(
        self,
        *,
        statuses: Iterable[str] = ("FINISHED",),
        pages: Iterable[dict[str, Any]] = (),
        has_result_set: bool = True,
        error_text: str | None = None,
        errors: Mapping[str, Exception] | None = None,
    ) -> None:
        self.statuses = list(statuses)
        self.pages = list(pages)
        self.has_result_set = has_result_set
        self.error_text = error_text
        self.errors = dict(errors or {})
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.client = stubbed_client("redshift-data", self._answer)

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]

    def _answer(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((operation, params))
        if operation in self.errors:
            raise self.errors[operation]
        answer: dict[str, Any] = getattr(self, f"_{operation}")(params)
        return answer

    def _execute_statement(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Id": STATEMENT_ID, "Database": params["Database"]}

    def _describe_statement(self, params: dict[str, Any]) -> dict[str, Any]:
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        description: dict[str, Any] = {
            "Id": params["Id"],
            "Status": status,
            "HasResultSet": self.has_result_set and status == "FINISHED",
        }
        if self.error_text is not None:
            description["Error"] = self.error_text
        return description

    def _get_statement_result(self, params: dict[str, Any]) -> dict[str, Any]:
        index = int(params.get("NextToken", 0))
        page = dict(self.pages[index])
        if index + 1 < len(self.pages):
            page["NextToken"] = str(index + 1)
        return page

    def _cancel_statement(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Status": True}

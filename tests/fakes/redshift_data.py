"""A real boto3 ``redshift-data`` client answered by botocore's Stubber from a script.

The script says what each operation answers (``statuses`` for successive DescribeStatement
calls, the last repeating; ``pages`` chained by NextToken; ``errors`` per operation); the
answer is queued on the Stubber as the call is made, so botocore checks every request
against the service model (parameter validation) and every scripted response against the
operation's output shape. ``calls`` records the API parameters of each call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import boto3
from botocore.exceptions import ClientError
from botocore.stub import Stubber

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
        self.client = boto3.client(
            "redshift-data",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        self.stubber = Stubber(self.client)
        self.client.meta.events.register_first("before-parameter-build.*.*", self._answer)
        self.stubber.activate()

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]

    def _answer(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        operation = _snake_case(model.name)
        self.calls.append((operation, dict(params)))
        error = self.errors.get(operation)
        if isinstance(error, ClientError):
            details = error.response["Error"]
            self.stubber.add_client_error(
                operation, service_error_code=details["Code"], service_message=details["Message"]
            )
            return
        if error is not None:
            raise error
        self.stubber.add_response(operation, getattr(self, f"_{operation}")(params))

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


def _snake_case(operation_name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation_name).lstrip("_")

"""Real boto3 clients whose calls are answered by botocore's Stubber, one call at a time.

``answer(operation, params)`` (snake_case operation, the call's API parameters) returns the
response or raises: a ``ClientError`` becomes the service's error response, anything else
(e.g. a network error) is raised from the call as botocore would. The answer is queued on
the Stubber as the call is made, so botocore still checks every request against the
service model (parameter validation) and every response against the operation's output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import ClientError
from botocore.stub import Stubber

Answer = Callable[[str, dict[str, Any]], dict[str, Any]]


def stubbed_client(service: str, answer: Answer) -> Any:
    client = boto3.client(
        service,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    stubber = Stubber(client)

    def queue_answer(model: Any, params: dict[str, Any], **_: Any) -> None:
        operation = _snake_case(model.name)
        try:
            response = answer(operation, dict(params))
        except ClientError as error:
            details = error.response["Error"]
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
            stubber.add_client_error(
                operation,
                service_error_code=details["Code"],
                service_message=details["Message"],
                http_status_code=status,
            )
            return
        stubber.add_response(operation, response)

    # Registered before the Stubber's own check, which expects the answer queued.
    client.meta.events.register_first("before-parameter-build.*.*", queue_answer)
    stubber.activate()
    return client


def _snake_case(operation_name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation_name).lstrip("_")

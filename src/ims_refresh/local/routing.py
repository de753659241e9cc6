"""Route boto3 calls of chosen services to in-process fakes, below the client.

botocore emits ``before-call.<service>.<operation>`` just before it sends a request; a
handler that returns ``(http_response, parsed_response)`` there replaces the request
entirely, so the calling code (and its client) run exactly as they would against AWS.
The handler is registered in botocore's built-in handlers when a router is first activated
(:func:`routed`, entered by the local runtime as it starts; never at import), and every
session created afterwards (boto3's default session inside moto's mock, moto's Step
Functions interpreter's clients, the Lambda code's clients) picks it up. It does nothing
while no router is active.

The ``before-call`` event only carries the serialized request, so the API parameters are
copied into the request context one step earlier, at ``before-parameter-build``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import botocore.handlers
from botocore.awsrequest import AWSResponse

ServiceHandler = Callable[[str, dict[str, Any]], dict[str, Any]]
"""Takes the operation name and API parameters; returns the parsed response."""

_PARAMS_KEY = "ims_local_api_params"


class LocalServiceError(Exception):
    """Raised by a service handler to answer with an AWS error response."""

    def __init__(self, code: str, message: str, status_code: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status_code = status_code


class _Router:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._services: dict[str, ServiceHandler] = {}

    def set(self, services: dict[str, ServiceHandler]) -> None:
        with self._lock:
            self._services = dict(services)

    def get(self, service_id: str) -> ServiceHandler | None:
        with self._lock:
            return self._services.get(service_id)


_ROUTER = _Router()


def _service_id(event_name: str) -> str:
    return event_name.split(".")[1]


def _remember_params(
    params: dict[str, Any], context: dict[str, Any], event_name: str, **_: Any
) -> None:
    if _ROUTER.get(_service_id(event_name)) is not None:
        context[_PARAMS_KEY] = dict(params)


def _answer_locally(
    model: Any, context: dict[str, Any], event_name: str, **_: Any
) -> tuple[AWSResponse, dict[str, Any]] | None:
    handler = _ROUTER.get(_service_id(event_name))
    if handler is None:
        return None
    try:
        parsed = handler(model.name, context.get(_PARAMS_KEY, {}))
        status = 200
    except LocalServiceError as error:
        status = error.status_code
        parsed = {"Error": {"Code": error.code, "Message": error.message}}
    parsed.setdefault("ResponseMetadata", {}).update(
        {"HTTPStatusCode": status, "RequestId": "local", "HTTPHeaders": {}, "RetryAttempts": 0}
    )
    return AWSResponse("https://local.invalid/", status, {}, None), parsed


_HANDLERS: list[Any] = [
    ("before-parameter-build", _remember_params),
    ("before-call", _answer_locally),
]


def install() -> None:
    """Register the handlers in botocore's built-in handlers (once per process)."""
    for handler in _HANDLERS:
        if handler not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append(handler)


@contextmanager
def routed(services: dict[str, ServiceHandler]) -> Iterator[None]:
    """Answer calls to ``services`` (hyphenized service ids, e.g. ``redshift-data``) locally.

    Only clients of sessions created after the first ``routed`` of the process are routed
    (the local runtime enters it before moto's mock, which starts a fresh default session).
    """
    install()
    _ROUTER.set(services)
    try:
        yield
    finally:
        _ROUTER.set({})

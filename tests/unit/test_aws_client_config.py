"""Every AWS client of the Lambda package is made with the explicit ``CLIENT_CONFIG``
(short connect/read timeouts, standard retries: ``adapters/aws_config.py``)."""

from __future__ import annotations

import ast
from pathlib import Path

import training_refresh
from training_refresh.adapters.aws_config import CLIENT_CONFIG

PACKAGE = Path(training_refresh.__file__).parent
CLIENT_FACTORIES = {"client": "config", "SecretsProvider": "boto_config"}
"""Calls that make an AWS client -> the keyword that carries its botocore Config."""


def client_calls() -> list[tuple[str, ast.Call]]:
    calls = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in CLIENT_FACTORIES
            ):
                calls.append((f"{path.relative_to(PACKAGE)}:{node.lineno}", node))
    return calls


def test_every_client_of_the_lambdas_passes_the_client_config() -> None:
    # Given every call in the Lambda package that makes a boto3 client
    calls = client_calls()
    assert len(calls) >= 4  # s3, redshift-data, stepfunctions, secretsmanager

    # Then each passes CLIENT_CONFIG by the factory's keyword
    unconfigured = [
        place
        for place, call in calls
        if not any(
            keyword.arg == CLIENT_FACTORIES[call.func.attr]  # type: ignore[attr-defined]
            and isinstance(keyword.value, ast.Name)
            and keyword.value.id == "CLIENT_CONFIG"
            for keyword in call.keywords
        )
    ]
    assert unconfigured == []


def test_the_client_config_bounds_connecting_and_reading_and_retries_in_standard_mode() -> None:
    assert CLIENT_CONFIG.connect_timeout == 5
    assert CLIENT_CONFIG.read_timeout == 30
    retries = CLIENT_CONFIG.retries or {}
    assert retries["mode"] == "standard"
    assert retries["total_max_attempts"] == 5

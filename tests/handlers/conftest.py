"""Handler tests: each handler called as Lambda calls it (a JSON event and a generated
context), with fake adapters injected through ``dependencies`` and its settings in the
environment under their EnvName names."""

from __future__ import annotations

import pytest
from fakes.lambda_context import LambdaContext

from training_refresh.env_names import EnvName, PowertoolsEnvName

WORK_BUCKET = "ims-work"


@pytest.fixture(autouse=True)
def lambda_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The variables the stack sets for every function, and nothing about the database."""
    for name in EnvName:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(EnvName.WORK_BUCKET, WORK_BUCKET)
    monkeypatch.setenv(EnvName.REDSHIFT_DATABASE, "dev")
    monkeypatch.setenv(EnvName.REDSHIFT_CLUSTER_ID, "ims-cluster")
    monkeypatch.setenv(PowertoolsEnvName.TRACE_DISABLED, "true")
    monkeypatch.setenv(PowertoolsEnvName.METRICS_DISABLED, "true")


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def work_bucket() -> str:
    """The reports bucket the functions' environment names."""
    return WORK_BUCKET

"""Session fixtures: every stage of cdk.json synthesized once, offline, without bundling.

Bundling is skipped with CDK's ``aws:cdk:bundling-stacks`` context (the Lambda asset is
then the ``lambdas/`` directory itself), so these tests never call pip; ``make synth``
does the real bundling. cdk-nag runs in every synth here, exactly as in ``cdk synth``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # app.py and stacks/ live at the project root
    sys.path.insert(0, str(ROOT))

# jsii's banner about the machine's Node.js version would fill the test output; `make synth`
# still shows it. Must be set before aws_cdk is first imported.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")

from infra_support import Synthesized, cdk_context, synthesize_app, synthesize_stacks  # noqa: E402


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """dev, qa and prod from cdk.json, as ``cdk synth`` builds them."""
    return synthesize_app(cdk_context(), tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def stage_names() -> list[str]:
    return sorted(cdk_context()["ims:stages"])


def _variant(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    stage = {**base, **changes}
    return stage


@pytest.fixture(scope="session")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """Settings cdk.json does not show: Redshift Serverless with IAM auth, a provisioned
    cluster with a database user, a test CA bundle, customer managed KMS keys, no trigger,
    VPC endpoints made by the stack (dbuser)."""
    dev = cdk_context()["ims:stages"]["dev"]
    account = dev["account"]
    serverless = _variant(
        dev,
        warehouse={
            "database": "oframe",
            "workgroup_name": "training-wg",
            "workgroup_id": "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
        },
        training_db={
            **dev["training_db"],
            "ca_bundle_file": "tests/infra/data/test-ca.pem",
        },
        scenarios={**dev["scenarios"], "trigger_prefix": None},
        reset_schedules=["cron(0 7 ? * MON-FRI *)"],
        secrets_kms_key_arns=[
            f"arn:aws:kms:us-east-1:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ],
        extra_environment={"IMS_CUSTOMERS_PER_CHUNK": "500"},
    )
    dbuser = _variant(
        dev,
        warehouse={"database": "oframe", "cluster_id": "dw-cluster", "db_user": "ims_training"},
        vpc={
            **dev["vpc"],
            "create_endpoints": True,
            # both private subnets use one route table
            "private_route_table_ids": ["rtb-aaaaaaaaaaaaaaaa1", "rtb-aaaaaaaaaaaaaaaa1"],
        },
    )
    return synthesize_stacks(
        {"svless": serverless, "dbuser": dbuser}, tmp_path_factory.mktemp("cdk.variants")
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the infrastructure tests on one xdist worker (with ``--dist loadgroup``), so
    the stages are synthesized once per run instead of once per worker."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.xdist_group("cdk-synth"))

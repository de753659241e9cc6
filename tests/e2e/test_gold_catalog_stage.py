"""``ims-refresh gold list --stage``: the deployed catalog file in S3, no database access.

The local runtime plays the deployed stack (moto's Step Functions runs the ASL, the real
handlers write MariaDB and moto's S3); ``start`` commands run the workflows, and
``gold list`` reads only ``gold/catalog.json`` of the reports bucket.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from support import warehouse_customers

from ims_refresh.aws.settings import DeploymentEnvName
from ims_refresh.aws.targets import TargetOptions
from ims_refresh.cli import main
from ims_refresh.exit_codes import ExitCode
from ims_refresh.gold_list_command import gold_list
from ims_refresh.local.mysql_setup import ensure_training_tables
from ims_refresh.local.runtime import REGION, SCENARIO_BUCKET, WORK_BUCKET, LocalRuntime
from ims_refresh.settings import LocalDatabases
from ims_refresh.synthetic_warehouse import DEMO_AS_OF
from training_refresh.env_names import EnvName
from training_refresh.gold_ops.catalog_file import CATALOG_KEY
from training_refresh.table_groups import load_table_groups

PREFIX = "ims-training/"
FAST = ["--poll-seconds", "0.05"]


@pytest.fixture
def stack(databases: LocalDatabases, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalRuntime]:
    for name in DeploymentEnvName:
        if name.startswith("IMS_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(EnvName.LEASE_POLL_SECONDS, "0.1")
    ensure_training_tables(databases.training, load_table_groups())
    with LocalRuntime(databases) as runtime:
        yield runtime
        sfn = boto3.client("stepfunctions", region_name=REGION)
        deadline = time.monotonic() + 120
        for arn in runtime.state_machines.values():
            for item in sfn.list_executions(stateMachineArn=arn)["executions"]:
                while (
                    sfn.describe_execution(executionArn=item["executionArn"])["status"] == "RUNNING"
                    and time.monotonic() < deadline
                ):
                    time.sleep(0.05)


def start(stack: LocalRuntime, workflow: str, scenario: Path, *extra: str) -> None:
    arguments = ["start", workflow, "--scenarios", str(scenario), *extra]
    arguments += ["--state-machine-arn", stack.state_machines[workflow]]
    arguments += ["--reports-bucket", WORK_BUCKET, "--scenario-bucket", SCENARIO_BUCKET]
    arguments += ["--scenario-prefix", PREFIX, "--wait", *FAST]
    assert main(arguments) == 0


ROW = re.compile(r"^ +([0-9]+)  [0-9]{4}-", re.MULTILINE)


def listed_by_stage(*customers: str) -> tuple[ExitCode, list[int], str]:
    """``gold list --stage test`` with the stack outputs CloudFormation would answer."""

    def stack_outputs(name: str, region: str | None) -> dict[str, str]:
        assert name == "test-ImsTrainingRefresh"
        return {"ReportsBucketName": WORK_BUCKET}

    out, err = io.StringIO(), io.StringIO()
    code = gold_list(
        customers=customers[0] if customers else None,
        options=TargetOptions(stage="test", region=REGION),
        out=out,
        err=err,
        stack_outputs=stack_outputs,
    )
    text = out.getvalue() + err.getvalue()
    return code, [int(number) for number in ROW.findall(text)], text


def test_gold_list_by_stage_reads_the_catalog_file_each_publication_writes(
    databases: LocalDatabases,
    stack: LocalRuntime,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given no publication yet: the stage has no catalog file, which is bad input
    code, _, text = listed_by_stage()
    assert code == ExitCode.BAD_INPUT and "does not exist" in text
    # When a gold load of a labelled local file is started and followed
    a, b = warehouse_customers(databases.warehouse_url, 2)
    scenario = tmp_path / "refunds.csv"
    scenario.write_text(f"customer_number,scenario\n{a},refund\n{b},\n", "utf-8")
    start(stack, "gold-load", scenario, "--as-of", DEMO_AS_OF.isoformat())
    # Then gold list --json --reports-bucket shows what the publish step wrote, with no
    # database reachable from this command
    monkeypatch.setenv("IMS_TRAINING_DB_URL", "mysql://nobody@127.0.0.1:1/none")
    capsys.readouterr()
    code = main(["gold", "list", "--json", "--reports-bucket", WORK_BUCKET, "--region", REGION])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document["source"] == f"s3://{WORK_BUCKET}/{CATALOG_KEY}"
    entries = {e["customer_number"]: e for e in document["entries"]}
    assert sorted(entries) == [a, b]
    assert entries[a]["label"] == "refund" and entries[b]["label"] is None
    assert entries[a]["scenario_file"] == str(scenario)  # as the operator named it
    assert entries[a]["as_of"] == DEMO_AS_OF.isoformat()
    assert entries[a]["run_id"].startswith("gold-load-")
    # When a is removed, Then the file the removal wrote lists b only, found by --stage
    retired = tmp_path / "retired.csv"
    retired.write_text(f"{a}\n", "utf-8")
    start(stack, "gold-remove", retired)
    code, listed, _ = listed_by_stage()
    assert (code, listed) == (0, [b])
    # And undoing the removal writes a file listing a again
    arguments = ["start", "gold-undo", "--state-machine-arn", stack.state_machines["gold-undo"]]
    assert main([*arguments, "--reports-bucket", WORK_BUCKET, "--wait", *FAST]) == 0
    code, listed, text = listed_by_stage(str(a))
    assert (code, listed) == (0, [a]) and "/ refund" in text
    # And bad --customers are bad input here too
    code, _, text = listed_by_stage("12,x")
    assert code == ExitCode.BAD_INPUT and "not a customer number" in text

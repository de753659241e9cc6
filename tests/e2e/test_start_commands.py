"""``ims-refresh start|status|runs`` against a "deployed" stack.

The local runtime plays the deployed stack: moto's Step Functions executes the ASL files
(their Lambda tasks run the real handlers against MariaDB and the PostgreSQL warehouse)
and moto's S3 holds the scenario and reports buckets. The commands only get the state
machine ARNs and bucket names, exactly as they would from the stack outputs, and talk to
Step Functions and S3 through boto3.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest
from fakes.hooks import StepHooks
from reset_support import connect
from support import mysql_query, warehouse_customers, write_scenario

from ims_refresh.aws.settings import DeploymentEnvName
from ims_refresh.aws.start import start_reset
from ims_refresh.aws.targets import TargetOptions
from ims_refresh.aws.waiting import SystemClock, Waiting
from ims_refresh.cli import main
from ims_refresh.local.mysql_setup import ensure_training_tables
from ims_refresh.local.runtime import REGION, SCENARIO_BUCKET, WORK_BUCKET, LocalRuntime
from ims_refresh.settings import LocalDatabases
from ims_refresh.synthetic_warehouse import DEMO_AS_OF
from training_refresh.env_names import EnvName
from training_refresh.lease import acquire_gold_load_lease, release_gold_load_lease
from training_refresh.table_groups import load_table_groups

AS_OF = DEMO_AS_OF.isoformat()
SCENARIO_PREFIX = "ims-training/"
FAST = ["--poll-seconds", "0.05"]


@pytest.fixture
def deployed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing in the environment names a deployment unless a test says so."""
    for name in DeploymentEnvName:
        if name.startswith("IMS_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(EnvName.RESET_WAIT_SECONDS, "1")
    monkeypatch.setenv(EnvName.LEASE_POLL_SECONDS, "0.1")


@pytest.fixture
def step_hooks() -> StepHooks:
    """What the deployed Lambdas do at each step; a test may slow one down."""
    return StepHooks()


@pytest.fixture
def stack(
    databases: LocalDatabases, deployed_environment: None, step_hooks: StepHooks
) -> Iterator[LocalRuntime]:
    """The deployed stack: both state machines, the scenario and reports buckets, and a
    training database whose tables exist (as they do in RDS)."""
    ensure_training_tables(databases.training, load_table_groups())
    with LocalRuntime(databases, on_step=step_hooks) as runtime:
        yield runtime
        _wait_for_all_executions(runtime)


def _wait_for_all_executions(runtime: LocalRuntime) -> None:
    """No execution may outlive the test (its databases are dropped afterwards)."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    deadline = time.monotonic() + 120
    for arn in runtime.state_machines.values():
        for item in sfn.list_executions(stateMachineArn=arn)["executions"]:
            while (
                sfn.describe_execution(executionArn=item["executionArn"])["status"] == "RUNNING"
                and time.monotonic() < deadline
            ):
                time.sleep(0.05)


def deployment(runtime: LocalRuntime, workflow: str = "gold-load") -> list[str]:
    """Explicit target options, as an operator without CloudFormation access gives them."""
    return [
        "--state-machine-arn",
        runtime.state_machines[workflow],
        "--reports-bucket",
        WORK_BUCKET,
    ]


def uploads() -> list[str]:
    return ["--scenario-bucket", SCENARIO_BUCKET, "--scenario-prefix", SCENARIO_PREFIX]


@pytest.fixture
def env_deployment(stack: LocalRuntime, monkeypatch: pytest.MonkeyPatch) -> LocalRuntime:
    """The deployment named by environment variables (how an Automic agent is set up)."""
    names = DeploymentEnvName
    monkeypatch.setenv(names.GOLD_LOAD_STATE_MACHINE_ARN, stack.state_machines["gold-load"])
    monkeypatch.setenv(names.RESET_STATE_MACHINE_ARN, stack.state_machines["reset"])
    monkeypatch.setenv(names.REPORTS_BUCKET, WORK_BUCKET)
    monkeypatch.setenv(names.SCENARIO_BUCKET, SCENARIO_BUCKET)
    monkeypatch.setenv(names.SCENARIO_PREFIX, SCENARIO_PREFIX)
    return stack


def executions(runtime: LocalRuntime, workflow: str) -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    return list(sfn.list_executions(stateMachineArn=runtime.state_machines[workflow])["executions"])


def scenario_objects() -> list[str]:
    listed = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=SCENARIO_BUCKET)
    return [item["Key"] for item in listed.get("Contents", [])]


def read_report(uri: str) -> dict[str, Any]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    body = boto3.client("s3", region_name=REGION).get_object(Bucket=bucket, Key=key)["Body"]
    return json.loads(body.read())


def started_arn(out: str) -> str:
    return next(
        line.split("execution: ", 1)[1].strip()
        for line in out.splitlines()
        if line.strip().startswith("execution: arn:")
    )


def gold_rows(databases: LocalDatabases, table: str) -> int:
    return int(mysql_query(databases.training, f"SELECT COUNT(*) FROM `{table}`")[0][0])


# ------------------------------------------------------------------------ gold load


def test_start_gold_load_waits_prints_progress_and_the_report_summary(
    databases: LocalDatabases,
    stack: LocalRuntime,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a local scenario file of ten warehouse customers
    customers = warehouse_customers(databases.warehouse_url, 10)
    scenario = write_scenario(tmp_path / "spring class.csv", customers)
    # When it is started against the deployed gold load and followed
    code = main(
        [
            "start",
            "gold-load",
            "--scenarios",
            str(scenario),
            "--as-of",
            AS_OF,
            "--wait",
            *FAST,
            *deployment(stack),
            *uploads(),
        ]
    )
    # Then it succeeds and the log tells the story line by line
    out = capsys.readouterr().out
    assert code == 0, out
    assert "started gold-load execution gold-load-" in out
    assert "follow it: ims-refresh status arn:aws:states:" in out
    assert "plan: 10 customer(s) requested, 10 found, 0 missing; 5 config(s) to load" in out
    assert "customer loaded: IMS_CUSTOMER 10 rows read, 10 written" in out
    assert "5 of 5 config(s) done" in out
    assert "ended SUCCEEDED" in out
    assert "gold load succeeded" in out
    # And every line of the log is one plain line with a UTC timestamp (no TTY tricks)
    progress = [line for line in out.splitlines() if line[:1].isdigit()]
    assert progress
    assert all(line[4] == "-" and line[19] == "Z" for line in progress)
    assert "\r" not in out
    assert "\x1b" not in out
    # And the uploaded copy lies under the readable prefix, not named *.csv (no trigger)
    (key,) = scenario_objects()
    assert key.startswith(SCENARIO_PREFIX + "ims-refresh-start/gold-load-")
    assert key.endswith("/spring_class.csv.upload")
    # And the gold copies were loaded and the report in S3 says so
    assert gold_rows(databases, "IMS_CUSTOMER_GOLD") == 10
    report_uri = next(line for line in out.splitlines() if line.startswith("report: "))[8:]
    report = read_report(report_uri)
    assert report["status"] == "succeeded"
    assert report["customers"]["found"] == 10
    assert report["scenario_file"] == f"s3://{SCENARIO_BUCKET}/{key}"


def test_a_failing_config_fails_the_run_with_exit_code_1(
    training_db: Any,
    own_warehouse_url: str,
    deployed_environment: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a warehouse that lost one source table
    databases = LocalDatabases(training=training_db, warehouse_url=own_warehouse_url)
    with psycopg.connect(own_warehouse_url, autocommit=True) as connection:
        connection.execute("DROP TABLE oframe_prd_s.ims_mason_preferences")
    customers = warehouse_customers(own_warehouse_url, 5)
    scenario = write_scenario(tmp_path / "s.csv", customers)
    ensure_training_tables(databases.training, load_table_groups())
    with LocalRuntime(databases) as runtime:
        try:
            # When a gold load is started and followed
            code = main(
                [
                    "start",
                    "gold-load",
                    "--scenarios",
                    str(scenario),
                    "--as-of",
                    AS_OF,
                    "--wait",
                    *FAST,
                    *deployment(runtime),
                    *uploads(),
                ]
            )
        finally:
            _wait_for_all_executions(runtime)
    # Then it exits 1, the log names the failed config and why, and the others loaded
    out = capsys.readouterr().out
    assert code == 1, out
    assert "mason_preferences FAILED: WarehouseQueryError" in out
    assert "ended FAILED (ConfigsFailed)" in out
    assert "error [mason_preferences] WarehouseQueryError" in out
    assert "customer loaded" in out
    assert gold_rows(databases, "IMS_CUSTOMER_GOLD") == 5


@pytest.mark.parametrize(
    ("scenario", "as_of", "extra", "expected_in_message"),
    [
        (b"customer_number\n7\nseven\n", AS_OF, [], "line 3"),
        (b"", AS_OF, [], "empty"),
        (b"customer_number\n7\n", "2999-01-01", [], "future"),
        (b"customer_number\n7\n", "31.03.2025", [], "YYYY-MM-DD"),
        (b"customer_number\n7\n", AS_OF, ["--tables", "customer,custmer"], "custmer"),
        (None, AS_OF, [], "no-such-file.csv"),
    ],
)
def test_bad_input_exits_2_and_starts_nothing(
    env_deployment: LocalRuntime,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    scenario: bytes | None,
    as_of: str,
    extra: list[str],
    expected_in_message: str,
) -> None:
    # Given a bad scenario file, date or config name
    path = tmp_path / "no-such-file.csv"
    if scenario is not None:
        path = tmp_path / "bad.csv"
        path.write_bytes(scenario)
    # When a gold load is started
    code = main(
        ["start", "gold-load", "--scenarios", str(path), "--as-of", as_of, "--wait", *extra]
    )
    # Then the exit code is 2, the message says what is wrong, and nothing was started
    assert code == 2
    assert expected_in_message in capsys.readouterr().err
    assert executions(env_deployment, "gold-load") == []
    assert scenario_objects() == []


@pytest.mark.parametrize(
    ("uri", "expected_in_message"),
    [
        (f"s3://{SCENARIO_BUCKET}/{SCENARIO_PREFIX}missing.csv", "does not exist"),
        (f"s3://{SCENARIO_BUCKET}/elsewhere/picks.csv", "outside what the gold load may read"),
        (f"s3://{SCENARIO_BUCKET}/{SCENARIO_PREFIX}bad.csv", "line 2"),
        ("s3://just-a-bucket", "s3://bucket/key"),
    ],
)
def test_a_bad_s3_scenario_file_is_refused_before_starting(
    env_deployment: LocalRuntime,
    capsys: pytest.CaptureFixture[str],
    uri: str,
    expected_in_message: str,
) -> None:
    # Given scenario files in S3, one of them bad
    s3 = boto3.client("s3", region_name=REGION)
    for key, body in {
        f"{SCENARIO_PREFIX}bad.csv": b"customer_number\nabc\n",
        "elsewhere/picks.csv": b"customer_number\n7\n",
    }.items():
        s3.put_object(Bucket=SCENARIO_BUCKET, Key=key, Body=body)
    # When a gold load is started on one that is missing, unreadable for it, or bad
    code = main(["start", "gold-load", "--scenarios", uri, "--as-of", AS_OF])
    # Then it exits 2 without starting anything
    assert code == 2
    assert expected_in_message in capsys.readouterr().err
    assert executions(env_deployment, "gold-load") == []


def test_an_s3_scenario_file_is_used_where_it_is_and_start_returns_at_once(
    databases: LocalDatabases, stack: LocalRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a scenario file the operators dropped into the scenario bucket
    key = f"{SCENARIO_PREFIX}gold-load/picks.csv"
    body = "customer_number\n" + "\n".join(
        map(str, warehouse_customers(databases.warehouse_url, 3))
    )
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=SCENARIO_BUCKET, Key=key, Body=body.encode()
    )
    # When a gold load of two configs is started on it without --wait
    code = main(
        [
            "start",
            "gold-load",
            "--scenarios",
            f"s3://{SCENARIO_BUCKET}/{key}",
            "--as-of",
            AS_OF,
            "--tables",
            "customer,cus_email",
            *deployment(stack),
        ]
    )
    # Then it exits 0 at once, printing the execution and how to follow it
    out = capsys.readouterr().out
    assert code == 0
    arn = started_arn(out)
    assert f"follow it: ims-refresh status {arn} --wait" in out
    # And the execution reads that very file, with the chosen configs
    sfn = boto3.client("stepfunctions", region_name=REGION)
    request = json.loads(sfn.describe_execution(executionArn=arn)["input"])
    assert request == {
        "scenarios": f"s3://{SCENARIO_BUCKET}/{key}",
        "as_of": AS_OF,
        "tables": ["customer", "cus_email"],
    }
    assert scenario_objects() == [key]
    # And following it later ends with the execution's own exit code
    assert main(["status", arn, "--wait", *FAST]) == 0
    out = capsys.readouterr().out
    assert "following gold-load-" in out
    assert "2 of 2 config(s) done" in out
    assert "gold load succeeded" in out
    # And without a reports bucket, runs finds the report through the execution history
    assert main(["runs", "--state-machine-arn", stack.state_machines["gold-load"]]) == 0
    out = capsys.readouterr().out
    assert f"input: scenarios s3://{SCENARIO_BUCKET}/{key}, as of {AS_OF}" in out
    assert "configs: all 2 loaded" in out
    assert f"report: s3://{WORK_BUCKET}/reports/gold-load/" in out


def test_a_dry_run_start_previews_and_writes_nothing(
    databases: LocalDatabases,
    env_deployment: LocalRuntime,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a scenario with nine known customers and one unknown
    customers = warehouse_customers(databases.warehouse_url, 9, offset=20)
    scenario = write_scenario(tmp_path / "preview.csv", [*customers, 999999999999997])
    # When its preview is started and followed
    code = main(
        [
            "start",
            "gold-load",
            "--scenarios",
            str(scenario),
            "--as-of",
            AS_OF,
            "--dry-run",
            "--wait",
            *FAST,
        ]
    )
    # Then it succeeds, shows what would load, and no gold table has a row
    out = capsys.readouterr().out
    assert code == 0, out
    assert "preview (--dry-run)" in out
    assert "10 customer(s) requested, 9 found, 1 missing" in out
    assert "customer counted: IMS_CUSTOMER 9 rows read" in out
    assert "gold load preview succeeded" in out
    assert "(preview: nothing written)" in out
    for spec in load_table_groups().all_tables():
        assert gold_rows(databases, spec.gold_table) == 0
    (execution,) = executions(env_deployment, "gold-load")
    assert execution["name"].startswith("gold-load-preview-")
    report = read_report(f"s3://{WORK_BUCKET}/reports/gold-load/{execution['name']}.json")
    assert report["dry_run"] is True
    assert report["configs"][0]["tables"]
    assert {config["status"] for config in report["configs"]} == {"previewed"}


# --------------------------------------------------------------------- giving up


def test_a_wait_timeout_exits_3_and_the_execution_keeps_running(
    databases: LocalDatabases,
    env_deployment: LocalRuntime,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    step_hooks: StepHooks,
) -> None:
    # Given a gold load whose planning takes a while
    step_hooks.at("check-customers", lambda: time.sleep(1.5))
    scenario = write_scenario(tmp_path / "s.csv", warehouse_customers(databases.warehouse_url, 4))
    # When it is started with a wait shorter than that
    code = main(
        [
            "start",
            "gold-load",
            "--scenarios",
            str(scenario),
            "--as-of",
            AS_OF,
            "--wait",
            "--timeout",
            "0.3",
            *FAST,
        ]
    )
    # Then it gives up with exit code 3 and says the execution keeps running
    out = capsys.readouterr().out
    assert code == 3
    arn = started_arn(out)
    last = out.strip().splitlines()[-1]
    assert "gave up waiting: no end within 0.3 s (--timeout)" in last
    assert f"keeps running in AWS; follow it with: ims-refresh status {arn} --wait" in last
    sfn = boto3.client("stepfunctions", region_name=REGION)
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    # And following it as the line says sees it through
    assert main(["status", arn, "--wait", *FAST]) == 0
    assert "gold load succeeded" in capsys.readouterr().out


class CtrlC(SystemClock):
    """An operator who presses Ctrl-C at the first pause of the wait."""

    def sleep(self, seconds: float) -> None:
        raise KeyboardInterrupt


def test_ctrl_c_while_waiting_exits_3_and_says_how_to_follow(
    databases: LocalDatabases,
    env_deployment: LocalRuntime,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given an operator who presses Ctrl-C while a reset is followed
    # When the reset is started and waited for
    code = start_reset(
        tables=None,
        options=TargetOptions(),
        waiting=Waiting(wait=True, poll_seconds=0.05, clock=CtrlC()),
    )
    # Then the command stops with exit code 3 and the execution goes on
    out = capsys.readouterr().out
    assert code == 3
    arn = started_arn(out)
    assert "gave up waiting: interrupted (Ctrl-C)" in out
    assert f"follow it with: ims-refresh status {arn} --wait" in out
    assert len(executions(env_deployment, "reset")) == 1


# --------------------------------------------------------------------------- reset


def test_start_reset_waits_and_reports_each_table(
    databases: LocalDatabases,
    env_deployment: LocalRuntime,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given gold copies loaded by a gold load
    scenario = write_scenario(tmp_path / "s.csv", warehouse_customers(databases.warehouse_url, 6))
    assert (
        main(
            ["start", "gold-load", "--scenarios", str(scenario), "--as-of", AS_OF, "--wait", *FAST]
        )
        == 0
    )
    capsys.readouterr()
    # When a reset is started and followed
    code = main(["start", "reset", "--wait", *FAST])
    # Then every table is copied, swapped and summarised
    out = capsys.readouterr().out
    assert code == 0, out
    assert "reset lease taken; 6 table(s) to copy from gold generation 1" in out
    assert "IMS_CUSTOMER copied to staging: 6 rows" in out
    assert "6 of 6 table(s) done" in out
    assert "swapped 6 training table(s) in one RENAME (1 attempt(s)); they hold gold " in out
    assert "reset succeeded" in out
    assert gold_rows(databases, "IMS_CUSTOMER") == 6


def test_a_reset_during_a_gold_load_succeeds_with_exit_code_0(
    databases: LocalDatabases,
    env_deployment: LocalRuntime,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a gold load that holds its refresh lease (it is loading)
    with connect(databases.training) as connection:
        acquire_gold_load_lease(connection, "gold-load-still-running")
        try:
            # When a reset is started and followed
            code = main(["start", "reset", "--allow-empty", "--wait", *FAST])
        finally:
            release_gold_load_lease(connection, "gold-load-still-running")
    # Then it succeeds without waiting for the gold load, saying which gold it copied
    out = capsys.readouterr().out
    assert code == 0, out
    assert "from gold generation 0" in out
    assert "they hold gold generation 0" in out
    assert "reset succeeded" in out


def test_bad_reset_tables_exit_2_and_start_nothing(
    env_deployment: LocalRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["start", "reset", "--tables", "IMS_CUSTOMER,IMS_ORDERS"]) == 2
    assert "IMS_ORDERS" in capsys.readouterr().err
    assert executions(env_deployment, "reset") == []


# ---------------------------------------------------------------- status and runs


def test_status_and_runs_show_state_progress_and_report(
    databases: LocalDatabases,
    env_deployment: LocalRuntime,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a gold load and then a reset that ran
    scenario = write_scenario(tmp_path / "s.csv", warehouse_customers(databases.warehouse_url, 5))
    assert (
        main(
            ["start", "gold-load", "--scenarios", str(scenario), "--as-of", AS_OF, "--wait", *FAST]
        )
        == 0
    )
    gold_arn = started_arn(capsys.readouterr().out)
    assert main(["start", "reset", "--wait", *FAST]) == 0
    reset_arn = started_arn(capsys.readouterr().out)
    gold_name = gold_arn.rsplit(":", 1)[1]

    # When the gold load's status is asked by name
    assert main(["status", gold_name]) == 0
    # Then it shows the state, times, input, the per-config progress and the report
    out = capsys.readouterr().out
    assert out.startswith(f"gold-load {gold_name}: SUCCEEDED\n")
    assert f"execution: {gold_arn}" in out
    assert f"as of {AS_OF}, all enabled tables" in out
    assert "stopped:" in out
    assert "progress:" in out
    assert "customer loaded: IMS_CUSTOMER 5 rows read, 5 written" in out
    assert "gold load succeeded" in out
    assert f"report: s3://{WORK_BUCKET}/reports/gold-load/{gold_name}.json" in out

    # When the reset's status is asked as JSON
    assert main(["status", reset_arn, "--json"]) == 0
    # Then the JSON holds the execution, its progress per table and the report
    status = json.loads(capsys.readouterr().out)
    assert status["execution"]["status"] == "SUCCEEDED"
    assert status["execution"]["workflow"] == "reset"
    assert status["execution"]["duration_seconds"] >= 0
    assert status["progress"]["done"] == status["progress"]["total"] == 6
    assert {item["status"] for item in status["progress"]["items"]} == {"swapped"}
    assert status["report"]["status"] == "succeeded"
    assert status["report"]["rows_copied"] == status["progress"]["rows_so_far"]

    # When the recent runs are listed
    assert main(["runs"]) == 0
    # Then both are there, newest first, with their outcome per config or table
    out = capsys.readouterr().out
    assert out.index(reset_arn.rsplit(":", 1)[1]) < out.index(gold_name)
    assert "configs: all 5 loaded" in out
    assert "tables: all 6 swapped" in out
    assert "gold load succeeded: 5 of 5 customers found, 5 config(s) loaded" in out

    # When only the last reset is asked for, as JSON
    assert main(["runs", "--workflow", "reset", "--last", "1", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    # Then exactly that one comes back
    assert [run["execution"]["arn"] for run in runs] == [reset_arn]
    assert runs[0]["report"]["workflow"] == "reset"


def test_status_of_an_unknown_execution_exits_2(
    env_deployment: LocalRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "gold-load-20000101T000000-000000"]) == 2
    assert "no such execution" in capsys.readouterr().err


def test_runs_without_a_deployment_is_a_usage_error(
    deployed_environment: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["runs"]) == 2
    err = capsys.readouterr().err
    assert "--stage" in err
    assert "IMS_GOLD_LOAD_STATE_MACHINE_ARN" in err


def test_a_stage_finds_the_deployment_in_its_stack_outputs(
    stack: LocalRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the stack outputs of stage "test" (what CloudFormation answers for the stack)
    outputs = {
        "GoldLoadStateMachineArn": stack.state_machines["gold-load"],
        "ResetStateMachineArn": stack.state_machines["reset"],
        "ReportsBucketName": WORK_BUCKET,
        "ScenarioBucketName": SCENARIO_BUCKET,
        "ScenarioPrefix": SCENARIO_PREFIX,
    }
    asked: list[str] = []

    def stack_outputs(name: str, region: str | None) -> dict[str, str]:
        asked.append(name)
        return outputs

    # When a reset of the (still empty) IMS_CUSTOMER gold copy is started by stage, with
    # empty gold copies allowed, and followed
    code = start_reset(
        tables="IMS_CUSTOMER",
        allow_empty=True,
        options=TargetOptions(stage="test"),
        waiting=Waiting(wait=True, poll_seconds=0.05),
        stack_outputs=stack_outputs,
    )
    # Then the stack test-ImsTrainingRefresh named the state machine and the reports bucket
    out = capsys.readouterr().out
    assert code == 0, out
    assert set(asked) == {"test-ImsTrainingRefresh"}
    assert "reset lease taken; 1 table(s) to copy" in out
    assert f"report: s3://{WORK_BUCKET}/reports/reset/reset-" in out
    # And the execution input carries the tables and allow_empty, nothing else
    [execution] = executions(stack, "reset")
    sfn = boto3.client("stepfunctions", region_name=REGION)
    started_with = sfn.describe_execution(executionArn=execution["executionArn"])["input"]
    assert json.loads(started_with) == {"tables": ["IMS_CUSTOMER"], "allow_empty": True}


def test_start_gold_undo_with_nothing_to_undo_exits_2_and_says_so(
    databases: LocalDatabases, stack: LocalRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a deployment whose gold copies were never published
    arguments = ["--state-machine-arn", stack.state_machines["gold-undo"]]
    arguments += ["--reports-bucket", WORK_BUCKET, "--wait", *FAST]
    # When an undo is started and followed
    code = main(["start", "gold-undo", *arguments])
    # Then it ends as bad input with the reason, and nothing was published
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert "gold undo bad_input" in out and "nothing to undo" in out
    assert mysql_query(databases.training, "SHOW TABLES LIKE 'IMS_GOLD_STATE'") == []


def test_start_gold_remove_uploads_the_file_and_unknown_customers_exit_2(
    databases: LocalDatabases,
    stack: LocalRuntime,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a local file naming customers the (empty) gold copies do not hold
    scenario = write_scenario(tmp_path / "retired.csv", [4711, 4712])
    arguments = ["--state-machine-arn", stack.state_machines["gold-remove"]]
    arguments += ["--reports-bucket", WORK_BUCKET, *uploads(), "--wait", *FAST]
    # When a removal is started and followed
    code = main(["start", "gold-remove", "--scenarios", str(scenario), *arguments])
    # Then the file was uploaded where the workflows read (not as .csv: no trigger fires)
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert [key for key in scenario_objects() if key.endswith("retired.csv.upload")]
    assert "gold remove bad_input" in out and "CustomersNotInGoldError" in out
    assert mysql_query(databases.training, "SHOW TABLES LIKE 'IMS_GOLD_STATE'") == []

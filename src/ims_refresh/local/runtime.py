"""Run the state machines on this machine, with the production code paths unchanged.

moto executes the ASL files in process (``execute_state_machine``); its Lambda ``Invoke``
calls are answered by the handler functions in process and the Lambda code's
``redshift-data`` calls by the local PostgreSQL (both through ``routing``); S3 and Secrets
Manager are moto's. The handlers therefore run exactly as deployed: they read their
settings from the environment, fetch the MySQL credentials from a secret, and reach the
"warehouse" through the Data API client. Only the step hook (``on_step``, see
``training_refresh.hooks``) is the caller's: tests stop or slow a run at a named point.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
from aws_lambda_powertools.utilities import parameters
from botocore.response import StreamingBody
from moto import mock_aws
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

from ims_refresh.asl_files import workflow_definition
from ims_refresh.execution_history import execution_history, largest_state_payload
from ims_refresh.local import routing
from ims_refresh.local.redshift_data import PostgresDataApi
from ims_refresh.local.routing import LocalServiceError, routed
from ims_refresh.settings import LocalDatabases
from training_refresh.adapters.mysql import connect
from training_refresh.env_names import EnvName, PowertoolsEnvName
from training_refresh.errors import RunAbandonedError
from training_refresh.handlers import observability
from training_refresh.handlers.dependencies import Dependencies
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease import release_run
from training_refresh.lease.run_lock import holding_run_lock
from training_refresh.registry import HANDLERS, WORKFLOWS

REGION = "us-east-1"
ACCOUNT = "123456789012"
WORK_BUCKET = "ims-refresh-local-work"
SCENARIO_BUCKET = "ims-refresh-local-scenarios"
LAMBDA_TIMEOUT_SECONDS = 900
FINISHED = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
ABANDON_GRACE_SECONDS = 10.0
"""How long giving up a run waits for a step that is still running to return (it stops at
its next lease call or step point) before the run's leases are released anyway."""
QUIET_POLL_SECONDS = 1.0
AFTER_TASK_POLLS = (0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32)
"""``execute`` asks moto whether the execution has ended each time a task (a Lambda
invocation) returns, after each of these waits, since the end follows the last task within
a few state transitions; otherwise every second. Each answer costs moto several
milliseconds of CPU and of the GIL (it re-resolves its backend on every request): polling
every 10 ms made a gold load 20 % slower and took a fifth of a core from MariaDB during a
reset, and every 0.25 s still took 3 % of a 10,000-customer load's GIL time."""


def function_name(placeholder: str) -> str:
    return "ims-refresh-local-" + placeholder.removesuffix("FunctionArn").lower()


def function_arn(placeholder: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name(placeholder)}"


@dataclass
class LocalLambdaContext:
    """The attributes of the Lambda context object that our handlers and Powertools use."""

    function_name: str
    invoked_function_arn: str
    deadline: float
    memory_limit_in_mb: int = 1024
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class Abandoned:
    released: tuple[str, ...]
    """The lease sides the run held (``gold-load``, ``reset``...), now released."""
    step_was_running: bool
    """A step had not returned within the grace time (its statements end with the process)."""


@dataclass(frozen=True)
class ExecutionOutcome:
    name: str
    execution_arn: str
    status: str
    output: dict[str, Any] | None
    error: str | None
    cause: str | None


class _ScaledTime:
    """Stands in for ``time`` in moto's retrier so Retry intervals shrink locally."""

    def __init__(self, scale: float) -> None:
        self._scale = scale

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds * self._scale)


def _streaming(body: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(body), len(body))


class LocalRuntime:
    """A context manager holding a mocked AWS account with both workflows deployed."""

    def __init__(
        self,
        databases: LocalDatabases,
        *,
        retry_wait_scale: float = 0.001,
        on_step: OnStep = ignore_step,
    ) -> None:
        self.databases = databases
        self.retry_wait_scale = retry_wait_scale
        self._abandoned = threading.Event()
        self._dependencies = Dependencies(
            on_step=self._step(on_step), abandoned=self._abandoned.is_set, holds_run_lock=True
        )
        self._busy = threading.Condition()
        self._running_steps = 0
        self._started: dict[str, str] = {}
        self._run_locks: dict[str, ExitStack] = {}
        self._stack = ExitStack()
        self._handlers: dict[str, Callable[..., Any]] = {}
        self.data_api: PostgresDataApi | None = None
        self.state_machines: dict[str, str] = {}
        self._task_returned = threading.Event()
        self._last_task_move = 0.0

    def __enter__(self) -> LocalRuntime:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _start(self) -> None:
        stack = self._stack
        # Before moto's mock starts its fresh default session, so that session is routed.
        routing.install()
        stack.enter_context(mock.patch.dict(os.environ, self._environment()))
        # The shared Powertools logger was created at import; follow the level asked for now.
        observability.logger.setLevel(os.environ[PowertoolsEnvName.LOG_LEVEL])
        # In Lambda the log lines go to stdout (CloudWatch); on this machine stdout is the
        # command's output (summaries, --json), so they go to stderr.
        handler = observability.logger.registered_handler
        if isinstance(handler, logging.StreamHandler):
            stack.callback(
                handler.setStream, handler.setStream(observability.CurrentStream("stderr"))
            )
        # Secrets cached by an earlier runtime of this process belong to another mock account.
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        stack.callback(parameters.clear_caches)
        stack.enter_context(mock_aws(config={"stepfunctions": {"execute_state_machine": True}}))
        stack.enter_context(
            mock.patch.object(retrier_decl, "time", _ScaledTime(self.retry_wait_scale))
        )
        self.data_api = PostgresDataApi(self.databases.warehouse_url)
        close = getattr(self.data_api, "close", None)
        if close is not None:
            stack.callback(close)
        stack.enter_context(routed({"lambda": self._invoke, "redshift-data": self.data_api.handle}))
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (WORK_BUCKET, SCENARIO_BUCKET):
            s3.create_bucket(Bucket=bucket)
        training = self.databases.training
        secret_arn = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="ims-refresh-local/training-db",
            SecretString=json.dumps(
                {
                    "engine": "mysql",
                    "host": training.host,
                    "port": training.port,
                    "username": training.user,
                    "password": training.password.get_secret_value(),
                    "dbname": training.database,
                }
            ),
        )["ARN"]
        os.environ[EnvName.TRAINING_DB_SECRET_ARN] = secret_arn
        for placeholder, dotted in HANDLERS.items():
            module_name, _, attribute = dotted.rpartition(".")
            self._handlers[function_name(placeholder)] = getattr(
                importlib.import_module(module_name), attribute
            )
        substitutions = {placeholder: function_arn(placeholder) for placeholder in HANDLERS}
        sfn = boto3.client("stepfunctions", region_name=REGION)
        for workflow in WORKFLOWS:
            self.state_machines[workflow] = sfn.create_state_machine(
                name=f"ims-refresh-local-{workflow}",
                definition=workflow_definition(workflow, substitutions),
                roleArn=f"arn:aws:iam::{ACCOUNT}:role/ims-refresh-local-states",
            )["stateMachineArn"]

    def _environment(self) -> dict[str, str]:
        return {
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            EnvName.WORK_BUCKET: WORK_BUCKET,
            EnvName.TRAINING_DB_TLS: "false",
            EnvName.DATA_API_FIRST_POLL_SECONDS: "0.002",
            EnvName.REDSHIFT_CLUSTER_ID: "local-warehouse",
            EnvName.REDSHIFT_DATABASE: self.databases.warehouse_database,
            EnvName.REDSHIFT_DB_USER: "local",
            PowertoolsEnvName.SERVICE_NAME: observability.SERVICE,
            PowertoolsEnvName.TRACE_DISABLED: "true",
            PowertoolsEnvName.METRICS_DISABLED: "true",
            PowertoolsEnvName.LOG_LEVEL: os.environ.get(PowertoolsEnvName.LOG_LEVEL, "WARNING"),
        }

    def _step(self, on_step: OnStep) -> OnStep:
        """The caller's step hook; once the run is given up, a step stops at its next point."""

        def step(name: str) -> None:
            if self._abandoned.is_set():
                raise RunAbandonedError(f"the run was stopped at {name}")
            on_step(name)

        return step

    def _invoke(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation != "Invoke":
            raise LocalServiceError("InvalidParameterValueException", f"{operation} is not local")
        if self._abandoned.is_set():
            raise LocalServiceError("ServiceException", "the local run was stopped")
        with self._busy:
            self._running_steps += 1
        self._last_task_move = time.monotonic()
        try:
            return self._call_handler(params)
        finally:
            self._last_task_move = time.monotonic()
            with self._busy:
                self._running_steps -= 1
                self._busy.notify_all()

    def abandon(self, name: str) -> Abandoned:
        """Give execution ``name`` up: no further step starts, a running one stops at its
        next lease call or step point (waited for up to ABANDON_GRACE_SECONDS), then every
        lease row of the run is deleted and the execution stopped. A local run cannot go
        on without its process, so this is what Ctrl-C, SIGTERM and ``--timeout`` do."""
        self._abandoned.set()
        with self._busy:
            finished = self._busy.wait_for(lambda: self._running_steps == 0, ABANDON_GRACE_SECONDS)
        with closing(connect(self.databases.training)) as connection:
            released = release_run(connection, name)
        self._run_locks.pop(name, ExitStack()).close()
        arn = self._started.get(name)
        if arn is not None:
            boto3.client("stepfunctions", region_name=REGION).stop_execution(executionArn=arn)
        return Abandoned(released=tuple(released), step_was_running=not finished)

    def _call_handler(self, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params.get("FunctionName", "")).rsplit(":", 1)[-1]
        handler = self._handlers.get(name)
        if handler is None:
            raise LocalServiceError(
                "ResourceNotFoundException", f"Function not found: {name}", status_code=404
            )
        raw = params.get("Payload") or b"{}"
        event = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
        context = LocalLambdaContext(
            function_name=name,
            invoked_function_arn=str(params["FunctionName"]),
            deadline=time.monotonic() + LAMBDA_TIMEOUT_SECONDS,
        )
        response: dict[str, Any] = {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
        try:
            result = handler(event, context, dependencies=self._dependencies)
        except Exception as error:
            result = {
                "errorType": type(error).__name__,
                "errorMessage": str(error),
                "requestId": context.aws_request_id,
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
            response["FunctionError"] = "Unhandled"
        response["Payload"] = _streaming(json.dumps(result, default=str).encode("utf-8"))
        self._task_returned.set()
        return response

    def upload_scenario_file(self, path: Path) -> str:
        key = f"scenarios/{uuid.uuid4().hex[:8]}/{path.name}"
        boto3.client("s3", region_name=REGION).upload_file(str(path), SCENARIO_BUCKET, key)
        return f"s3://{SCENARIO_BUCKET}/{key}"

    def read_bytes(self, uri: str) -> bytes:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        body = boto3.client("s3", region_name=REGION).get_object(Bucket=bucket, Key=key)["Body"]
        return bytes(body.read())

    def read_json_if_exists(self, uri: str) -> Any:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        s3 = boto3.client("s3", region_name=REGION)
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        except s3.exceptions.NoSuchKey:
            return None
        return json.loads(body.read())

    def execute(
        self,
        workflow: str,
        payload: Mapping[str, Any],
        *,
        name: str,
        timeout: float,
        on_poll: Callable[[str], None] | None = None,
    ) -> ExecutionOutcome:
        """Start an execution and wait until it ends; TimeoutError if it does not in time.

        ``on_poll`` is called with the execution ARN each time the execution is asked
        whether it has ended (a progress display reads its history from there)."""
        # Held until the run ends, or ``abandon`` released its leases (lease.run_lock).
        run_lock = ExitStack()
        run_lock.enter_context(holding_run_lock(self.databases.training, name))
        self._stack.callback(run_lock.close)
        self._run_locks[name] = run_lock
        sfn = boto3.client("stepfunctions", region_name=REGION)
        arn = sfn.start_execution(
            stateMachineArn=self.state_machines[workflow], name=name, input=json.dumps(payload)
        )["executionArn"]
        self._started[name] = arn
        deadline = time.monotonic() + timeout
        waits: list[float] = []
        while True:
            described = sfn.describe_execution(executionArn=arn)
            if on_poll is not None:
                on_poll(arn)
            if described["status"] in FINISHED:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution {name} still running after {timeout:.0f}s")
            if waits:
                time.sleep(waits.pop(0))
            elif self._task_returned.wait(QUIET_POLL_SECONDS):
                self._task_returned.clear()
                waits = list(AFTER_TASK_POLLS)
        run_lock.close()
        output = json.loads(described["output"]) if described.get("output") else None
        return ExecutionOutcome(
            name=name,
            execution_arn=arn,
            status=described["status"],
            output=output,
            error=described.get("error"),
            cause=described.get("cause"),
        )

    def last_task_move(self) -> float:
        """When (``time.monotonic``) a task last started or returned; 0.0 before the first.

        An execution's history changes only around its tasks (the states between two
        tasks follow the return within milliseconds), so a progress display reads it
        again only after a move (``live_progress.RunWatch.poll``)."""
        return self._last_task_move

    def execution_events(self, execution_arn: str) -> list[dict[str, Any]]:
        """The execution's history so far, oldest event first."""
        sfn = boto3.client("stepfunctions", region_name=REGION)
        return list(execution_history(sfn, execution_arn))

    def largest_state_payload_bytes(self, outcome: ExecutionOutcome) -> int:
        """The largest input or output of any state of the execution, in UTF-8 bytes (Step
        Functions refuses more than 256 KiB)."""
        sfn = boto3.client("stepfunctions", region_name=REGION)
        return largest_state_payload(sfn, outcome.execution_arn)

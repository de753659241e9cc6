"""``ims-refresh start|status|runs``: operate the workflows deployed in AWS.

- ``start gold-load|reset`` validates everything it can on this machine first (as-of date,
  ``--tables``, the scenario file: a local file, or the ``s3://`` object downloaded), so a
  bad input never starts an execution (exit code 2). A local scenario file is uploaded to
  the scenario bucket first. The execution gets a readable unique name
  (``gold-load-20250401T063000-123456``). With ``--wait`` it prints progress lines read from
  the execution history, then the run report's summary, and exits 0/1/2 like ``run``.
- Waiting ends with exit code 3 when ``--timeout`` passes, or on Ctrl-C / SIGTERM (an
  Automic job cancelled): the execution keeps running in AWS, and the last line says how
  to follow it (``ims-refresh status ARN --wait``).
- ``status`` shows one execution (state, times, per-config or per-table progress, the run
  report); ``runs`` the latest executions. ``--json`` for machines.

The deployment is found through ``aws_targets`` (stack outputs by ``--stage``, or explicit
ARNs and buckets). Exit codes per docs/design.md §6; AWS being unreachable (credentials, network,
permissions) is exit code 1.
"""

from __future__ import annotations

import io
import json
import re
import signal
import sys
import time
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TextIO

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ims_refresh.aws_targets import (
    AwsUnavailableError,
    StackOutputs,
    TargetError,
    TargetOptions,
    Targets,
    cloudformation_outputs,
    execution_arn,
    parse_execution_arn,
    resolve_targets,
    workflow_of_state_machine,
)
from ims_refresh.execution_history import execution_history
from ims_refresh.exit_codes import ExitCode
from ims_refresh.progress import (
    ExecutionProgress,
    json_or_none,
    timestamp,
)
from ims_refresh.run_report import (
    execution_name,
    print_execution_status,
    print_runs,
)
from training_refresh.adapters.object_store import S3Location, S3ObjectStore
from training_refresh.as_of import parse_as_of, today_utc
from training_refresh.errors import BadInputError, bad_input_error_names
from training_refresh.gold_load.plan import MAX_SCENARIO_FILE_BYTES
from training_refresh.messages.common import requested_names
from training_refresh.reset.tables import select_tables
from training_refresh.run_files import report_location
from training_refresh.scenarios import parse_scenario_file
from training_refresh.table_groups import load_table_groups

POLL_SECONDS: Final = 10.0
"""How often ``--wait`` asks Step Functions (DescribeExecution + GetExecutionHistory)."""
HEARTBEAT_SECONDS: Final = 300.0
"""A "still running" line after this long without news, so a job log shows it is alive."""
DEFAULT_WAIT_SECONDS: Final[dict[str, float]] = {"gold-load": 8 * 3600 + 600, "reset": 3600 + 600}
"""``--wait`` gives up after the stack's state machine timeout (gold load 8 h, reset 1 h)
plus 10 minutes, so normally the execution ends (TIMED_OUT at worst) before we give up."""
UPLOAD_FOLDER: Final = "ims-refresh-start/"
UPLOAD_SUFFIX: Final = ".upload"
"""Uploaded scenario files end in ``.upload``, never ``.csv``: the stack's upload trigger
starts a gold load for every ``*.csv`` under its prefix, which would be a second run."""
RUNNING_STATES: Final = frozenset({"RUNNING", "PENDING_REDRIVE"})
MAX_FAILED_POLLS: Final = 6
"""Polls in a row that may fail (network, throttling) before ``--wait`` gives up."""
MAX_REPORT_BYTES: Final = 16 * 1024 * 1024
_SAFE_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class _StopWaiting(Exception):
    """SIGTERM while waiting (e.g. the Automic job was cancelled)."""


def _pause(seconds: float) -> None:
    """Sleep between polls (a seam for tests)."""
    time.sleep(seconds)


def _now() -> float:
    return time.monotonic()


class Aws:
    """boto3 clients of one region (None: boto3's default), created once each."""

    def __init__(self, region: str | None) -> None:
        self.region = region
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=self.region)
        return self._clients[service]

    @property
    def sfn(self) -> Any:
        return self.client("stepfunctions")

    @property
    def s3(self) -> Any:
        return self.client("s3")


def _default_stack_outputs() -> StackOutputs:
    return cloudformation_outputs(lambda region: boto3.client("cloudformation", region_name=region))


def _emit(out: TextIO, text: str) -> None:
    print(text, file=out, flush=True)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


@contextmanager
def _aws_errors(what: str) -> Iterator[None]:
    """Turn a failing AWS call into AwsUnavailableError with a readable message."""
    try:
        yield
    except ClientError as error:
        raise AwsUnavailableError(f"{what}: {error}") from error
    except BotoCoreError as error:
        raise AwsUnavailableError(f"{what}: {error}") from error


def _fail(err: TextIO, error: Exception) -> ExitCode:
    if isinstance(error, (BadInputError, TargetError)):
        print(f"ims-refresh: bad input: {error}", file=err, flush=True)
        return ExitCode.BAD_INPUT
    print(f"ims-refresh: {error}", file=err, flush=True)
    return ExitCode.FAILED


# ------------------------------------------------------------------------------ start


@dataclass(frozen=True)
class _Waiting:
    wait: bool
    timeout: float | None
    poll_seconds: float


def start_gold_load(
    *,
    scenarios: str,
    as_of: str,
    tables: str | None,
    options: TargetOptions,
    dry_run: bool = False,
    wait: bool = False,
    timeout: float | None = None,
    poll_seconds: float = POLL_SECONDS,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stack_outputs: StackOutputs | None = None,
    environ: Mapping[str, str] | None = None,
) -> ExitCode:
    """``ims-refresh start gold-load``; exit code per docs/design.md §6."""
    out, err = out or sys.stdout, err or sys.stderr
    local = None if scenarios.startswith("s3://") else Path(scenarios)
    try:
        day = parse_as_of(as_of, today_utc())
        chosen = requested_names(tables, "table config")
        if tables is not None:
            load_table_groups().select_groups(chosen)
        if local is not None:
            data = _read_local_scenario(local)
            parse_scenario_file(data, source=str(local))
        targets = resolve_targets(
            options,
            workflows=("gold-load",),
            need_scenario_bucket=local is not None,
            environ=environ,
            stack_outputs=stack_outputs or _default_stack_outputs(),
        )
        aws = Aws(targets.region)
        name = execution_name("gold-load")
        if local is None:
            location = S3Location.parse(scenarios)
            _check_readable_by_gold_load(location, targets)
            parse_scenario_file(_download_scenario(aws, location), source=location.uri)
        else:
            location = _upload_scenario(aws, targets, local, data, name)
    except (BadInputError, TargetError, AwsUnavailableError) as error:
        return _fail(err, error)
    request: dict[str, Any] = {"scenarios": location.uri, "as_of": day.isoformat()}
    if chosen is not None:
        request["tables"] = chosen
    if dry_run:
        request["dry_run"] = True
    notes = [f"scenario file: {location.uri}" + (f" (uploaded from {local})" if local else "")]
    if dry_run:
        notes.append("preview (--dry-run): counts what would load, writes nothing to MySQL")
    return _start(
        aws,
        targets,
        "gold-load",
        name=name,
        request=request,
        notes=notes,
        waiting=_Waiting(wait, timeout, poll_seconds),
        out=out,
        err=err,
    )


def start_reset(
    *,
    tables: str | None,
    options: TargetOptions,
    wait: bool = False,
    timeout: float | None = None,
    poll_seconds: float = POLL_SECONDS,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stack_outputs: StackOutputs | None = None,
    environ: Mapping[str, str] | None = None,
) -> ExitCode:
    """``ims-refresh start reset``; exit code per docs/design.md §6."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        chosen = requested_names(tables, "training table")
        select_tables(load_table_groups(), chosen)
        targets = resolve_targets(
            options,
            workflows=("reset",),
            environ=environ,
            stack_outputs=stack_outputs or _default_stack_outputs(),
        )
    except (BadInputError, TargetError, AwsUnavailableError) as error:
        return _fail(err, error)
    request: dict[str, Any] = {} if chosen is None else {"tables": chosen}
    return _start(
        Aws(targets.region),
        targets,
        "reset",
        name=execution_name("reset"),
        request=request,
        notes=[],
        waiting=_Waiting(wait, timeout, poll_seconds),
        out=out,
        err=err,
    )


def _read_local_scenario(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_SCENARIO_FILE_BYTES:
            raise BadInputError(
                f"scenario file {path} is {size} bytes; the limit is {MAX_SCENARIO_FILE_BYTES}"
            )
        return path.read_bytes()
    except OSError as error:
        raise BadInputError(f"cannot read scenario file {path}: {error.strerror}") from error


def _check_readable_by_gold_load(location: S3Location, targets: Targets) -> None:
    """When the scenario bucket is known, the gold load can read only under its prefix."""
    if targets.scenario_bucket is None:
        return
    if location.bucket != targets.scenario_bucket or not location.key.startswith(
        targets.scenario_prefix
    ):
        raise BadInputError(
            f"{location.uri} is outside what the gold load may read "
            f"(s3://{targets.scenario_bucket}/{targets.scenario_prefix}...); copy the file "
            "there or give a local file, which is uploaded there"
        )


def _download_scenario(aws: Aws, location: S3Location) -> bytes:
    try:
        return S3ObjectStore(aws.s3).get_bytes(
            location.bucket, location.key, MAX_SCENARIO_FILE_BYTES
        )
    except BadInputError as error:
        raise BadInputError(f"scenario file: {error} (or cannot be read with your role)") from error
    except (ClientError, BotoCoreError) as error:
        raise AwsUnavailableError(f"cannot read {location.uri}: {error}") from error


def upload_key(prefix: str, execution: str, file_name: str) -> str:
    """Where ``start gold-load`` puts a local scenario file: under the readable prefix,
    in a folder of its own, ending in ``.upload`` so the upload trigger ignores it."""
    safe = _SAFE_FILE_NAME.sub("_", file_name).strip("._") or "scenario"
    return f"{prefix}{UPLOAD_FOLDER}{execution}/{safe}{UPLOAD_SUFFIX}"


def _upload_scenario(
    aws: Aws, targets: Targets, path: Path, data: bytes, execution: str
) -> S3Location:
    assert targets.scenario_bucket is not None  # resolve_targets(need_scenario_bucket=True)
    location = S3Location(
        targets.scenario_bucket, upload_key(targets.scenario_prefix, execution, path.name)
    )
    with _aws_errors(f"cannot upload {path} to {location.uri}"):
        aws.s3.put_object(
            Bucket=location.bucket, Key=location.key, Body=data, ContentType="text/csv"
        )
    return location


def follow_hint(arn: str) -> str:
    return f"ims-refresh status {arn} --wait"


def console_url(arn: str) -> str | None:
    parts = parse_execution_arn(arn)
    if parts is None or parts["partition"] != "aws":
        return None
    region = parts["region"]
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{arn}"
    )


def _start(
    aws: Aws,
    targets: Targets,
    workflow: str,
    *,
    name: str,
    request: Mapping[str, Any],
    notes: list[str],
    waiting: _Waiting,
    out: TextIO,
    err: TextIO,
) -> ExitCode:
    machine = targets.state_machines[workflow]
    try:
        arn = str(
            aws.sfn.start_execution(stateMachineArn=machine, name=name, input=json.dumps(request))[
                "executionArn"
            ]
        )
    except ClientError as error:
        code = _error_code(error)
        if code in {"StateMachineDoesNotExist", "InvalidArn", "StateMachineDeleting"}:
            return _fail(err, TargetError(f"cannot start {machine}: {code}"))
        return _fail(err, AwsUnavailableError(f"cannot start {workflow}: {error}"))
    except BotoCoreError as error:
        return _fail(err, AwsUnavailableError(f"cannot start {workflow}: {error}"))
    _emit(out, f"{timestamp(None)} started {workflow} execution {name}")
    _emit(out, f"  execution: {arn}")
    for note in notes:
        _emit(out, f"  {note}")
    _emit(out, f"  follow it: {follow_hint(arn)}")
    url = console_url(arn)
    if url:
        _emit(out, f"  console: {url}")
    if not waiting.wait:
        return ExitCode.SUCCESS
    timeout = waiting.timeout if waiting.timeout is not None else DEFAULT_WAIT_SECONDS[workflow]
    return _wait_and_finish(
        aws,
        targets,
        arn,
        workflow=workflow,
        timeout=timeout,
        poll_seconds=waiting.poll_seconds,
        out=out,
        err=err,
    )


# ------------------------------------------------------------------------------- wait


@contextmanager
def _sigterm_stops_waiting() -> Iterator[None]:
    """While waiting, SIGTERM (a cancelled job) ends the wait like Ctrl-C does."""

    def stop(_signum: int, _frame: types.FrameType | None) -> None:
        raise _StopWaiting

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def follow_execution(
    sfn: Any,
    arn: str,
    progress: ExecutionProgress,
    *,
    timeout: float,
    poll_seconds: float,
    out: TextIO,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
) -> dict[str, Any] | None:
    """Print progress lines until the execution ends; its description, or None when
    ``timeout`` passed first. KeyboardInterrupt / _StopWaiting propagate."""
    started = _now()
    deadline = started + timeout
    last_news = started
    failed_polls = 0
    while True:
        try:
            described: dict[str, Any] = sfn.describe_execution(executionArn=arn)
            lines = progress.apply(execution_history(sfn, arn))
        except (ClientError, BotoCoreError) as error:
            failed_polls += 1
            if not _is_transient_aws_error(error) or failed_polls >= MAX_FAILED_POLLS:
                raise
            _emit(out, f"{timestamp(None)} cannot ask Step Functions ({error}); trying again")
            _pause(max(0.0, min(poll_seconds, deadline - _now())))
            continue
        failed_polls = 0
        for line in lines:
            _emit(out, line.render())
        now = _now()
        if lines:
            last_news = now
        if described["status"] not in RUNNING_STATES:
            return described
        if now >= deadline:
            return None
        if now - last_news >= heartbeat_seconds:
            _emit(out, f"{timestamp(None)} {progress.heartbeat(now - started)}")
            last_news = now
        _pause(max(0.0, min(poll_seconds, deadline - now)))


def _is_transient_aws_error(error: Exception) -> bool:
    """Network trouble, throttling and AWS-side errors: worth asking again."""
    if isinstance(error, BotoCoreError):
        return True
    if isinstance(error, ClientError):
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        code = _error_code(error)
        return status >= 500 or "Throttl" in code or code in {"TooManyRequestsException"}
    return False


def _wait_and_finish(
    aws: Aws,
    targets: Targets,
    arn: str,
    *,
    workflow: str | None,
    timeout: float,
    poll_seconds: float,
    out: TextIO,
    err: TextIO,
) -> ExitCode:
    progress = ExecutionProgress(workflow)
    stopped_by = None
    try:
        with _sigterm_stops_waiting():
            described = follow_execution(
                aws.sfn, arn, progress, timeout=timeout, poll_seconds=poll_seconds, out=out
            )
    except KeyboardInterrupt:
        described, stopped_by = None, "interrupted (Ctrl-C)"
    except _StopWaiting:
        described, stopped_by = None, "stopped (SIGTERM)"
    except (ClientError, BotoCoreError) as error:
        print(f"ims-refresh: cannot follow {arn}: {error}", file=err, flush=True)
        _emit(out, f"{timestamp(None)} the execution may still be running: {follow_hint(arn)}")
        return ExitCode.GAVE_UP_WAITING
    if described is None:
        why = stopped_by or f"no end within {timeout:g} s (--timeout)"
        _emit(
            out,
            f"{timestamp(None)} gave up waiting: {why}. The execution keeps running in AWS; "
            f"follow it with: {follow_hint(arn)}",
        )
        return ExitCode.GAVE_UP_WAITING
    ended = f"{timestamp(None)} execution {described['name']} ended {described['status']}"
    if described.get("error"):
        ended += f" ({described['error']})"
    _emit(out, ended)
    try:
        view = _view(aws, targets, described, progress, with_history=False)
    except (ClientError, BotoCoreError) as error:
        print(f"ims-refresh: cannot read the run report: {error}", file=err, flush=True)
    else:
        print_execution_status(view, out, header=False)
        out.flush()
    return exit_code_for(described)


def exit_code_for(described: Mapping[str, Any]) -> ExitCode:
    status = described.get("status")
    if status == "SUCCEEDED":
        return ExitCode.SUCCESS
    if status in RUNNING_STATES:
        return ExitCode.GAVE_UP_WAITING
    if described.get("error") in bad_input_error_names():
        return ExitCode.BAD_INPUT
    return ExitCode.FAILED


# ------------------------------------------------------------------- status and runs


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return timestamp(value)
    return None


def _seconds_between(start: Any, stop: Any) -> float | None:
    if isinstance(start, datetime) and isinstance(stop, datetime):
        return round((stop - start).total_seconds(), 3)
    return None


def _read_report(aws: Aws, uri: str) -> tuple[dict[str, Any] | None, str | None]:
    """The run report at ``uri`` and, when it cannot be read, why (None: not written)."""
    try:
        location = S3Location.parse(uri)
        body = aws.s3.get_object(Bucket=location.bucket, Key=location.key)["Body"].read(
            MAX_REPORT_BYTES
        )
        report = json.loads(body)
    except BadInputError as error:
        return None, str(error)
    except ClientError as error:
        if _error_code(error) in {"NoSuchKey", "404"}:
            return None, None
        return None, f"cannot read {uri}: {_error_code(error) or error}"
    except (BotoCoreError, json.JSONDecodeError) as error:
        return None, f"cannot read {uri}: {error}"
    return (report, None) if isinstance(report, dict) else (None, f"{uri} is not a report")


def _report_uri(
    described: Mapping[str, Any],
    workflow: str | None,
    targets: Targets,
    progress: ExecutionProgress | None,
) -> str | None:
    output = json_or_none(described.get("output"))
    if isinstance(output, Mapping) and isinstance(output.get("report"), str):
        return str(output["report"])
    if progress is not None and progress.outcome is not None:
        return progress.outcome.report
    if targets.reports_bucket and workflow:
        return report_location(targets.reports_bucket, workflow, str(described["name"])).uri
    return None


def _summary_line(described: Mapping[str, Any]) -> str | None:
    output = json_or_none(described.get("output"))
    if isinstance(output, Mapping) and output.get("summary"):
        return str(output["summary"])
    if described.get("cause"):
        return str(described["cause"])[:500]
    if described.get("error"):
        return str(described["error"])
    return None


def _fallback_report(workflow: str | None, described: Mapping[str, Any]) -> dict[str, Any]:
    """What is known when the workflow ended before its report step wrote a report."""
    return {
        "workflow": workflow or "unknown",
        "run_id": described.get("name"),
        "status": str(described.get("status", "")).lower(),
        "errors": [{"name": described.get("error"), "message": described.get("cause")}],
        "note": "the workflow wrote no run report; this is what the execution itself says",
    }


def _view(
    aws: Aws,
    targets: Targets,
    described: Mapping[str, Any],
    progress: ExecutionProgress | None,
    *,
    with_history: bool,
) -> dict[str, Any]:
    """Everything ``status``/``runs`` show about one execution, JSON-ready."""
    arn = str(described["executionArn"])
    machine = str(described.get("stateMachineArn") or "")
    workflow = targets.workflow_of(machine) if machine else workflow_of_state_machine(arn)
    lines: list[str] = []
    if progress is None and (with_history or described.get("status") in RUNNING_STATES):
        progress = ExecutionProgress(workflow)
        lines = [line.render() for line in progress.apply(execution_history(aws.sfn, arn))]
    if progress is not None and progress.workflow:
        workflow = workflow or progress.workflow
    uri = _report_uri(described, workflow, targets, progress)
    if uri is None and progress is None:
        # No reports bucket known: the report step's result in the history names it.
        progress = ExecutionProgress(workflow)
        progress.apply(execution_history(aws.sfn, arn))
        uri = _report_uri(described, workflow or progress.workflow, targets, progress)
    report, report_problem = _read_report(aws, uri) if uri else (None, None)
    finished = described.get("status") not in RUNNING_STATES
    if report is None and finished:
        report = _fallback_report(workflow, described)
    elif report is not None and not workflow:
        workflow = str(report.get("workflow") or "") or None
    start, stop = described.get("startDate"), described.get("stopDate")
    running_for = None
    if not finished and isinstance(start, datetime):
        running_for = round((datetime.now(UTC) - start.astimezone(UTC)).total_seconds(), 3)
    return {
        "execution": {
            "arn": arn,
            "name": described.get("name"),
            "workflow": workflow,
            "state_machine_arn": machine or None,
            "status": described.get("status"),
            "started_at": _iso(start),
            "stopped_at": _iso(stop),
            "duration_seconds": _seconds_between(start, stop),
            "running_for_seconds": running_for,
            "error": described.get("error"),
            "cause": described.get("cause"),
        },
        "input": json_or_none(described.get("input")),
        "summary": _summary_line(described),
        "progress": progress.snapshot() if progress is not None else None,
        "progress_lines": lines,
        "report_uri": uri,
        "report_problem": report_problem,
        "report": report,
        "follow": follow_hint(arn) if not finished else None,
    }


def _find_execution(
    aws_for: Callable[[str | None], Aws],
    execution: str,
    options: TargetOptions,
    stack_outputs: StackOutputs,
    environ: Mapping[str, str] | None,
) -> tuple[Aws, Targets, dict[str, Any]]:
    """Describe ``execution`` (an execution ARN or name)."""
    parts = parse_execution_arn(execution)
    if parts is not None:
        try:
            targets = resolve_targets(
                TargetOptions(
                    stage=options.stage,
                    reports_bucket=options.reports_bucket,
                    region=options.region,
                ),
                workflows=(),
                environ=environ,
                stack_outputs=stack_outputs,
            )
        except (TargetError, AwsUnavailableError):
            targets = Targets(reports_bucket=options.reports_bucket)
        aws = aws_for(parts["region"])
        return aws, targets, _describe(aws, [execution.strip()])
    if not re.fullmatch(r"[^:\s/]{1,80}", execution):
        raise TargetError(f"{execution[:120]!r} is neither an execution ARN nor a name")
    if options.state_machine_arn:
        guess = workflow_of_state_machine(options.state_machine_arn) or "gold-load"
        workflows: tuple[str, ...] = (guess,)
    else:
        named = [w for w in ("gold-load", "reset") if execution.startswith(w + "-")]
        workflows = tuple(named) or ("gold-load", "reset")
    targets = resolve_targets(
        options, workflows=workflows, environ=environ, stack_outputs=stack_outputs
    )
    aws = aws_for(targets.region)
    arns = [execution_arn(targets.state_machines[w], execution) for w in workflows]
    return aws, targets, _describe(aws, arns)


def _describe(aws: Aws, arns: list[str]) -> dict[str, Any]:
    for arn in arns:
        try:
            described: dict[str, Any] = aws.sfn.describe_execution(executionArn=arn)
            return described
        except ClientError as error:
            if _error_code(error) in {"ExecutionDoesNotExist", "InvalidArn"}:
                continue
            raise AwsUnavailableError(f"cannot describe {arn}: {error}") from error
        except BotoCoreError as error:
            raise AwsUnavailableError(f"cannot describe {arn}: {error}") from error
    raise TargetError(f"no such execution: {' or '.join(arns)}")


def show_status(
    execution: str,
    *,
    options: TargetOptions,
    as_json: bool = False,
    wait: bool = False,
    timeout: float | None = None,
    poll_seconds: float = POLL_SECONDS,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stack_outputs: StackOutputs | None = None,
    environ: Mapping[str, str] | None = None,
) -> ExitCode:
    """``ims-refresh status EXECUTION``: 0 when shown (whatever the execution's state),
    2 when there is no such execution. With ``--wait``: follow it to its end and exit
    with the execution's code (0/1/2), 3 when waiting ends first."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        aws, targets, described = _find_execution(
            Aws, execution, options, stack_outputs or _default_stack_outputs(), environ
        )
        arn = str(described["executionArn"])
        workflow = targets.workflow_of(str(described.get("stateMachineArn") or ""))
        limit = (
            timeout
            if timeout is not None
            else DEFAULT_WAIT_SECONDS.get(workflow or "", max(DEFAULT_WAIT_SECONDS.values()))
        )
        if wait and described["status"] in RUNNING_STATES:
            if not as_json:
                _emit(out, f"{timestamp(None)} following {described['name']} ({arn})")
            code = _wait_and_finish(
                aws,
                targets,
                arn,
                workflow=workflow,
                timeout=limit,
                poll_seconds=poll_seconds,
                out=out if not as_json else io.StringIO(),
                err=err,
            )
            if not as_json:
                return code
            if code == ExitCode.GAVE_UP_WAITING:
                print(f"ims-refresh: gave up waiting; follow it with: {follow_hint(arn)}", file=err)
            described = _describe(aws, [arn])
        with _aws_errors(f"cannot read {arn}"):
            view = _view(aws, targets, described, None, with_history=True)
    except (BadInputError, TargetError, AwsUnavailableError) as error:
        return _fail(err, error)
    if as_json:
        print(json.dumps(view, indent=2, sort_keys=True, default=str), file=out, flush=True)
    else:
        print_execution_status(view, out)
        out.flush()
    if wait:
        return exit_code_for(described)
    return ExitCode.SUCCESS


def list_runs(
    *,
    options: TargetOptions,
    workflow: str | None = None,
    last: int = 10,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stack_outputs: StackOutputs | None = None,
    environ: Mapping[str, str] | None = None,
) -> ExitCode:
    """``ims-refresh runs``: the ``last`` newest executions of one or both workflows."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        if last < 1:
            raise BadInputError("--last must be at least 1")
        if workflow is None and options.state_machine_arn:
            workflow = workflow_of_state_machine(options.state_machine_arn)
            if workflow is None:
                raise TargetError("say which workflow that state machine runs: --workflow")
        workflows = (workflow,) if workflow else ("gold-load", "reset")
        targets = resolve_targets(
            options,
            workflows=workflows,
            environ=environ,
            stack_outputs=stack_outputs or _default_stack_outputs(),
        )
        aws = Aws(targets.region)
        listed: list[dict[str, Any]] = []
        for name in workflows:
            with _aws_errors(f"cannot list the {name} executions"):
                page = aws.sfn.list_executions(
                    stateMachineArn=targets.state_machines[name], maxResults=last
                )
            listed.extend(page.get("executions") or [])
        listed.sort(key=lambda e: e.get("startDate") or datetime.min.replace(tzinfo=UTC))
        newest = list(reversed(listed))[:last]
        views = []
        for item in newest:
            with _aws_errors(f"cannot describe {item['executionArn']}"):
                described = aws.sfn.describe_execution(executionArn=item["executionArn"])
                views.append(_view(aws, targets, described, None, with_history=False))
    except (BadInputError, TargetError, AwsUnavailableError) as error:
        return _fail(err, error)
    if as_json:
        print(json.dumps({"runs": views}, indent=2, sort_keys=True, default=str), file=out)
    else:
        print_runs(views, out)
    out.flush()
    return ExitCode.SUCCESS

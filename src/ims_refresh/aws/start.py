"""``ims-refresh start WORKFLOW``: start a workflow deployed in AWS.

Everything that can be checked on this machine is checked first (as-of date, ``--tables``,
the scenario file: a local file, or the ``s3://`` object downloaded), so a bad input never
starts an execution (exit code 2). A local scenario file is uploaded to the scenario bucket
first. The execution gets a readable unique name (``gold-load-20250401T063000-123456``).
With ``--wait`` it is followed to its end (``waiting``) and the command exits 0/1/2 like
``run``. AWS being unreachable (credentials, network, permissions) is exit code 1.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from ims_refresh.aws.client import (
    Aws,
    aws_errors,
    aws_problem,
    default_stack_outputs,
    error_code,
)
from ims_refresh.aws.targets import (
    AwsUnavailableError,
    StackOutputs,
    TargetError,
    TargetOptions,
    Targets,
    resolve_targets,
)
from ims_refresh.aws.views import console_url, follow_hint
from ims_refresh.aws.waiting import NO_WAITING, Waiting, wait_and_finish
from ims_refresh.checks import read_scenario_file
from ims_refresh.exit_codes import ExitCode
from ims_refresh.failures import fail
from ims_refresh.output import offer
from ims_refresh.progress import timestamp
from ims_refresh.run_report import execution_name
from ims_refresh.table_names import resolve_tables
from training_refresh.adapters.object_store import S3Location, S3ObjectStore
from training_refresh.as_of import parse_as_of, today_utc
from training_refresh.errors import BadInputError
from training_refresh.gold_load.plan import MAX_SCENARIO_FILE_BYTES
from training_refresh.messages.reset import reset_request
from training_refresh.reset.tables import select_tables
from training_refresh.scenarios import parse_scenario_file
from training_refresh.table_groups import load_table_groups

UPLOAD_FOLDER: Final = "ims-refresh-start/"
UPLOAD_SUFFIX: Final = ".upload"
"""Uploaded scenario files end in ``.upload``, never ``.csv``: the stack's upload trigger
starts a gold load for every ``*.csv`` under its prefix, which would be a second run."""
_SAFE_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def start_gold_load(
    *,
    scenarios: str,
    as_of: str,
    tables: str | None,
    options: TargetOptions,
    dry_run: bool = False,
    waiting: Waiting = NO_WAITING,
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
        chosen = resolve_tables(tables, "gold-load")
        if chosen is not None:
            load_table_groups().select_groups(chosen)
        if local is not None:
            data = read_scenario_file(local)
            parse_scenario_file(data, source=str(local))
        targets = resolve_targets(
            options,
            workflows=("gold-load",),
            need_scenario_bucket=local is not None,
            environ=environ,
            stack_outputs=stack_outputs or default_stack_outputs(environ),
        )
        aws = Aws(targets.region)
        name = execution_name("gold-load-preview" if dry_run else "gold-load")
        if local is None:
            location = S3Location.parse(scenarios)
            _check_readable_by_gold_load(location, targets)
            parse_scenario_file(_download_scenario(aws, location), source=location.uri)
        else:
            location = _upload_scenario(aws, targets, local, data, name)
    except (BadInputError, TargetError, AwsUnavailableError) as error:
        return fail(err, error)
    request: dict[str, Any] = {"scenarios": location.uri, "as_of": day.isoformat()}
    if local is not None:
        request["scenario_name"] = str(local)  # the gold catalog names the file given
    if chosen is not None:
        request["tables"] = chosen
    if dry_run:
        request["dry_run"] = True
    notes = [f"scenario file: {location.uri}" + (f" (uploaded from {local})" if local else "")]
    if dry_run:
        notes.append("preview (--dry-run): counts what would load, writes nothing to MySQL")
    return start_execution(
        aws,
        targets,
        "gold-load",
        name=name,
        request=request,
        notes=notes,
        waiting=waiting,
        out=out,
        err=err,
    )


def start_reset(
    *,
    tables: str | None,
    options: TargetOptions,
    allow_empty: bool = False,
    waiting: Waiting = NO_WAITING,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stack_outputs: StackOutputs | None = None,
    environ: Mapping[str, str] | None = None,
) -> ExitCode:
    """``ims-refresh start reset``; exit code per docs/design.md §6."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        chosen = resolve_tables(tables, "reset")
        select_tables(load_table_groups(), chosen)
        targets = resolve_targets(
            options,
            workflows=("reset",),
            environ=environ,
            stack_outputs=stack_outputs or default_stack_outputs(environ),
        )
    except (BadInputError, TargetError, AwsUnavailableError) as error:
        return fail(err, error)
    request = reset_request(chosen, allow_empty=allow_empty)
    return start_execution(
        Aws(targets.region),
        targets,
        "reset",
        name=execution_name("reset"),
        request=request,
        notes=[],
        waiting=waiting,
        out=out,
        err=err,
    )


def scenario_location(
    aws: Aws, targets: Targets, scenarios: str, data: bytes | None, name: str
) -> S3Location:
    """Where the workflow reads the scenario file: an ``s3://`` file checked where it is,
    or a local file (already read as ``data``) uploaded first."""
    if data is None:
        location = S3Location.parse(scenarios)
        _check_readable_by_gold_load(location, targets)
        parse_scenario_file(_download_scenario(aws, location), source=location.uri)
        return location
    return _upload_scenario(aws, targets, Path(scenarios), data, name)


def start_gold_remove(
    *,
    scenarios: str,
    options: TargetOptions,
    waiting: Waiting = NO_WAITING,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stack_outputs: StackOutputs | None = None,
    environ: Mapping[str, str] | None = None,
) -> ExitCode:
    """``ims-refresh start gold-remove``; exit code per docs/design.md §6."""
    out, err = out or sys.stdout, err or sys.stderr
    local = not scenarios.startswith("s3://")
    try:
        data = None
        if local:
            data = read_scenario_file(Path(scenarios))
            parse_scenario_file(data, source=scenarios)
        targets = resolve_targets(
            options,
            workflows=("gold-remove",),
            need_scenario_bucket=local,
            environ=environ,
            stack_outputs=stack_outputs or default_stack_outputs(environ),
        )
        aws = Aws(targets.region)
        name = execution_name("gold-remove")
        location = scenario_location(aws, targets, scenarios, data, name)
    except (BadInputError, TargetError, AwsUnavailableError) as error:
        return fail(err, error)
    return start_execution(
        aws,
        targets,
        "gold-remove",
        name=name,
        request={"scenarios": location.uri},
        notes=[
            f"scenario file: {location.uri}" + (f" (uploaded from {scenarios})" if local else "")
        ],
        waiting=waiting,
        out=out,
        err=err,
    )


def start_gold_undo(
    *,
    options: TargetOptions,
    waiting: Waiting = NO_WAITING,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stack_outputs: StackOutputs | None = None,
    environ: Mapping[str, str] | None = None,
) -> ExitCode:
    """``ims-refresh start gold-undo``; exit code per docs/design.md §6."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        targets = resolve_targets(
            options,
            workflows=("gold-undo",),
            environ=environ,
            stack_outputs=stack_outputs or default_stack_outputs(environ),
        )
    except (TargetError, AwsUnavailableError) as error:
        return fail(err, error)
    return start_execution(
        Aws(targets.region),
        targets,
        "gold-undo",
        name=execution_name("gold-undo"),
        request={},
        notes=["puts the gold copies back to the state before the last gold-changing run"],
        waiting=waiting,
        out=out,
        err=err,
    )


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
        raise AwsUnavailableError(f"cannot read {location.uri}: {aws_problem(error)}") from error


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
    with aws_errors(f"cannot upload {path} to {location.uri}"):
        aws.s3.put_object(
            Bucket=location.bucket, Key=location.key, Body=data, ContentType="text/csv"
        )
    return location


def _emit(out: TextIO, text: str) -> None:
    print(text, file=out, flush=True)


def start_execution(
    aws: Aws,
    targets: Targets,
    workflow: str,
    *,
    name: str,
    request: Mapping[str, Any],
    notes: list[str],
    waiting: Waiting,
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
        code = error_code(error)
        if code in {"StateMachineDoesNotExist", "InvalidArn", "StateMachineDeleting"}:
            return fail(err, TargetError(f"cannot start {machine}: {code}"))
        return fail(err, AwsUnavailableError(f"cannot start {workflow}: {aws_problem(error)}"))
    except BotoCoreError as error:
        return fail(err, AwsUnavailableError(f"cannot start {workflow}: {aws_problem(error)}"))
    _emit(out, f"{timestamp(None)} started {workflow} execution {name}")
    _emit(out, f"  execution: {arn}")
    for note in notes:
        _emit(out, f"  {note}")
    _emit(out, f"  follow it: {follow_hint(arn)}")
    url = console_url(arn)
    if url:
        _emit(out, f"  console: {url}")
    offer(
        {
            "execution": {"name": name, "arn": arn, "workflow": workflow, "console": url},
            "input": dict(request),
            "follow": follow_hint(arn),
        }
    )
    if not waiting.wait:
        return ExitCode.SUCCESS
    return wait_and_finish(aws, targets, arn, workflow=workflow, waiting=waiting, out=out, err=err)

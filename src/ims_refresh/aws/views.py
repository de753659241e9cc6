"""What ``status``, ``runs`` and the end of ``--wait`` show about one deployed execution.

:func:`execution_view` gathers the execution (state, times, input, error), its progress
from the execution history and its run report from S3 into one JSON-ready view; the
``run_report`` module prints views for people, ``--json`` prints them as they are. A run
report that cannot be read is named in ``report_problem``; one that was never written
(the execution ended before its report step) is stood in for by what the execution says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from ims_refresh.aws.client import Aws, aws_problem, error_code
from ims_refresh.aws.targets import (
    AwsUnavailableError,
    StackOutputs,
    TargetError,
    TargetOptions,
    Targets,
    execution_arn,
    parse_execution_arn,
    resolve_targets,
    workflow_of_state_machine,
)
from ims_refresh.execution_history import execution_history
from ims_refresh.progress import ExecutionProgress, json_or_none, timestamp
from training_refresh.adapters.object_store import S3Location
from training_refresh.errors import BadInputError
from training_refresh.registry import WORKFLOWS
from training_refresh.run_files import report_location

RUNNING_STATES: Final = frozenset({"RUNNING", "PENDING_REDRIVE"})
MAX_REPORT_BYTES: Final = 16 * 1024 * 1024


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


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return timestamp(value)
    return None


def _seconds_between(start: Any, stop: Any) -> float | None:
    if isinstance(start, datetime) and isinstance(stop, datetime):
        return round((stop - start).total_seconds(), 3)
    return None


def read_report(aws: Aws, uri: str) -> tuple[dict[str, Any] | None, str | None]:
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
        if error_code(error) in {"NoSuchKey", "404"}:
            return None, None
        return None, f"cannot read {uri}: {error_code(error) or error}"
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


def execution_view(
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
    report, report_problem = read_report(aws, uri) if uri else (None, None)
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


def find_execution(
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
        return aws, targets, describe(aws, [execution.strip()])
    if not re.fullmatch(r"[^:\s/]{1,80}", execution):
        raise TargetError(f"{execution[:120]!r} is neither an execution ARN nor a name")
    if options.state_machine_arn:
        guess = workflow_of_state_machine(options.state_machine_arn) or "gold-load"
        workflows: tuple[str, ...] = (guess,)
    else:
        named = [w for w in WORKFLOWS if execution.startswith(w + "-")]
        workflows = tuple(named) or ("gold-load", "reset")
    targets = resolve_targets(
        options, workflows=workflows, environ=environ, stack_outputs=stack_outputs
    )
    aws = aws_for(targets.region)
    arns = [execution_arn(targets.state_machines[w], execution) for w in workflows]
    return aws, targets, describe(aws, arns)


def describe(aws: Aws, arns: list[str]) -> dict[str, Any]:
    for arn in arns:
        try:
            described: dict[str, Any] = aws.sfn.describe_execution(executionArn=arn)
            return described
        except ClientError as error:
            if error_code(error) in {"ExecutionDoesNotExist", "InvalidArn"}:
                continue
            raise AwsUnavailableError(f"cannot describe {arn}: {aws_problem(error)}") from error
        except BotoCoreError as error:
            raise AwsUnavailableError(f"cannot describe {arn}: {aws_problem(error)}") from error
    raise TargetError(f"no such execution: {' or '.join(arns)}")

"""``ims-refresh status`` and ``ims-refresh runs``: what deployed executions did.

``status`` shows one execution (state, times, per-config or per-table progress, the run
report); ``runs`` the latest executions. ``--json`` prints the views of ``views`` as they
are. Exit codes per docs/design.md §6: ``status`` is 0 when it could show the execution
(whatever its state) and 2 when there is no such execution; with ``--wait`` it exits with
the execution's code (0/1/2), 3 when waiting ends first.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from ims_refresh.aws.client import Aws, aws_errors, default_stack_outputs
from ims_refresh.aws.targets import (
    AwsUnavailableError,
    StackOutputs,
    TargetError,
    TargetOptions,
    resolve_targets,
    workflow_of_state_machine,
)
from ims_refresh.aws.views import (
    RUNNING_STATES,
    describe,
    execution_view,
    find_execution,
    follow_hint,
)
from ims_refresh.aws.waiting import NO_WAITING, Waiting, exit_code_for, wait_and_finish
from ims_refresh.exit_codes import ExitCode
from ims_refresh.failures import fail
from ims_refresh.output import publish
from ims_refresh.progress import timestamp
from ims_refresh.run_report import print_execution_status, print_runs
from training_refresh.errors import BadInputError


def show_status(
    execution: str,
    *,
    options: TargetOptions,
    as_json: bool = False,
    waiting: Waiting = NO_WAITING,
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
        aws, targets, described = find_execution(
            Aws, execution, options, stack_outputs or default_stack_outputs(environ), environ
        )
        arn = str(described["executionArn"])
        workflow = targets.workflow_of(str(described.get("stateMachineArn") or ""))
        if waiting.wait and described["status"] in RUNNING_STATES:
            if not as_json:
                print(f"{timestamp(None)} following {described['name']} ({arn})", file=out)
            code = wait_and_finish(
                aws,
                targets,
                arn,
                workflow=workflow,
                waiting=waiting,
                out=out if not as_json else io.StringIO(),
                err=err,
            )
            if not as_json:
                return code
            if code == ExitCode.GAVE_UP_WAITING:
                print(f"ims-refresh: gave up waiting; follow it with: {follow_hint(arn)}", file=err)
            described = describe(aws, [arn])
        with aws_errors(f"cannot read {arn}"):
            view = execution_view(aws, targets, described, None, with_history=True)
    except (BadInputError, TargetError, AwsUnavailableError) as error:
        return fail(err, error)
    if as_json:
        publish(view, out)
    else:
        print_execution_status(view, out)
        out.flush()
    if waiting.wait:
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
            stack_outputs=stack_outputs or default_stack_outputs(environ),
        )
        aws = Aws(targets.region)
        listed: list[dict[str, Any]] = []
        for name in workflows:
            with aws_errors(f"cannot list the {name} executions"):
                page = aws.sfn.list_executions(
                    stateMachineArn=targets.state_machines[name], maxResults=last
                )
            listed.extend(page.get("executions") or [])
        listed.sort(key=lambda e: e.get("startDate") or datetime.min.replace(tzinfo=UTC))
        newest = list(reversed(listed))[:last]
        views = []
        for item in newest:
            with aws_errors(f"cannot describe {item['executionArn']}"):
                described = aws.sfn.describe_execution(executionArn=item["executionArn"])
                views.append(execution_view(aws, targets, described, None, with_history=False))
    except (BadInputError, TargetError, AwsUnavailableError) as error:
        return fail(err, error)
    if as_json:
        publish({"runs": views}, out)
    else:
        print_runs(views, out)
    out.flush()
    return ExitCode.SUCCESS

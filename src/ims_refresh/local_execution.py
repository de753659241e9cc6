"""Run one workflow on the local runtime and turn its outcome into report and exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from ims_refresh.exit_codes import ExitCode
from ims_refresh.failures import database_problem, say
from ims_refresh.live_progress import watching
from ims_refresh.local.mysql_setup import ensure_training_tables
from ims_refresh.local.runtime import WORK_BUCKET, LocalRuntime
from ims_refresh.output import offer
from ims_refresh.run_report import execution_name, save_report
from ims_refresh.settings import LocalDatabases
from ims_refresh.signals import ignoring_interrupts
from training_refresh.errors import bad_input_error_names
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.run_files import report_location
from training_refresh.table_groups import load_table_groups

SummaryPrinter = Callable[[dict[str, Any], TextIO], None]


def _fallback_report(
    workflow: str, name: str, status: str, error: str | None, cause: str | None
) -> dict[str, Any]:
    """What we know when the workflow ended before its report step could run."""
    return {
        "workflow": workflow,
        "run_id": name,
        "status": status,
        "errors": [{"name": error, "message": cause}],
    }


def _fetch_missing_list(runtime: LocalRuntime, report: dict[str, Any], report_dir: Path) -> None:
    """A gold load's long list of missing customers, saved beside the local report (whose
    ``missing_file`` then names that file)."""
    customers = report.get("customers")
    linked = customers.get("missing_file") if isinstance(customers, dict) else None
    if not isinstance(linked, str) or not linked.startswith("s3://"):
        return
    assert isinstance(customers, dict)
    target = report_dir / linked.rsplit("/", 1)[-1]
    report_dir.mkdir(parents=True, exist_ok=True)
    target.write_bytes(runtime.read_bytes(linked))
    customers["missing_file"] = str(target)


def _given_up(runtime: LocalRuntime, name: str) -> str:
    """Stop the local run ``name`` and release what it holds; say what happened. A local
    run ends with its process: it cannot go on running without it."""
    with ignoring_interrupts():
        try:
            abandoned = runtime.abandon(name)
        except Exception as error:
            problem = database_problem(error) or f"{type(error).__name__}: {error}"
            return (
                f"the run was stopped, but its leases could not be released ({problem}); "
                "they expire on their own"
            )
    if abandoned.released:
        what = f"the run was stopped and released its leases ({', '.join(abandoned.released)})"
    else:
        what = "the run was stopped (it held no lease)"
    if abandoned.step_was_running:
        what += "; a step was still running, its open database work ends with this process"
    return f"{what}; run it again"


def execute_locally(
    workflow: str,
    payload: Callable[[LocalRuntime], Mapping[str, Any]],
    *,
    databases: LocalDatabases,
    report_dir: Path,
    timeout: float,
    print_summary: SummaryPrinter,
    prepare_tables: bool = True,
    on_step: OnStep = ignore_step,
    name_prefix: str | None = None,
    report_fields: Mapping[str, Any] | None = None,
) -> ExitCode:
    """Execute ``workflow`` on the local runtime, save and print its run report.

    ``payload`` builds the execution input once the runtime is up (so it can upload
    files). The caller has validated the input already; a bad-input failure of the
    execution itself (e.g. an unusable file in S3) still maps to exit code 2. ``on_step``
    is the run's step hook (``training_refresh.hooks``). The execution (and so the run and
    its report file) is named ``<name_prefix>-<time>`` (default: the workflow's name). The
    saved report also names the training database and holds ``report_fields`` (what the
    operator gave, e.g. the scenario file's path, where the report has the upload's URI).
    """
    with watching(workflow) as watch:
        if prepare_tables:
            try:
                ensure_training_tables(databases.training, load_table_groups())
            except Exception as error:
                problem = (
                    database_problem(error) or f"cannot prepare the training database: {error}"
                )
                say(sys.stderr, f"ims-refresh: {problem}")
                return ExitCode.FAILED
        name = execution_name(name_prefix or workflow)

        def step(point: str) -> None:
            watch.step(point)
            on_step(point)

        with LocalRuntime(databases, on_step=step) as runtime:
            watch.read_history_with(runtime.execution_events, runtime.last_task_move)
            watch.say(f"{workflow} {name} started on this machine")
            try:
                outcome = runtime.execute(
                    workflow, payload(runtime), name=name, timeout=timeout, on_poll=watch.poll
                )
            except TimeoutError:
                what = _given_up(runtime, name)
                say(sys.stderr, f"ims-refresh: {name} did not finish within {timeout:g} s: {what}")
                return ExitCode.GAVE_UP_WAITING
            except KeyboardInterrupt as interrupt:
                interrupt.add_note(_given_up(runtime, name))
                raise
            watch.poll(outcome.execution_arn, force=True)
            report = runtime.read_json_if_exists(report_location(WORK_BUCKET, workflow, name).uri)
            if report is not None:
                _fetch_missing_list(runtime, report, report_dir)
            largest_payload = runtime.largest_state_payload_bytes(outcome)
    if report is None:
        report = _fallback_report(
            workflow, name, outcome.status.lower(), outcome.error, outcome.cause
        )
    training = databases.training
    # A gold load's report step names it itself (as in AWS); the others' reports do not.
    report["training_database"] = (
        report.get("training_database") or f"{training.host}:{training.port}/{training.database}"
    )
    report.update(report_fields or {})
    report["execution"] = {
        "name": outcome.name,
        "status": outcome.status,
        "error": outcome.error,
        "largest_state_payload_bytes": largest_payload,
    }
    path = save_report(report, report_dir)
    offer(report)
    print_summary(report, sys.stdout)
    print(f"report: {path}", file=sys.stdout)
    if outcome.status == "SUCCEEDED":
        return ExitCode.SUCCESS
    if outcome.error in bad_input_error_names():
        return ExitCode.BAD_INPUT
    return ExitCode.FAILED

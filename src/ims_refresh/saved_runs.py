"""``runs --local`` and ``status RUN_ID``: the local runs, from the reports in the report folder.

A local run (``run``, ``demo``) saves its run report as ``<run id>.json`` in the report
folder (``--report-dir``). These functions turn such reports into the views that ``runs``
and ``status`` show of deployed executions (``aws.views.execution_view``: the same keys,
printed by the same ``run_report`` functions, the same ``--json`` documents), with
``execution.arn`` None and ``report_uri`` the file. Files of the folder that are not run
reports (a demo's scenario file, a report that cannot be parsed) are left out.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TextIO

from pydantic import ValidationError

from ims_refresh.exit_codes import ExitCode
from ims_refresh.output import publish
from ims_refresh.progress import timestamp
from ims_refresh.run_report import parse_report, print_execution_status, print_runs
from training_refresh.errors import BadInputError
from training_refresh.gold_load.report import summary_line as gold_load_summary
from training_refresh.gold_ops.report import remove_summary_line, undo_summary_line
from training_refresh.messages.gold_load import GoldLoadReport
from training_refresh.messages.gold_remove import GoldRemoveReport
from training_refresh.messages.gold_undo import GoldUndoReport
from training_refresh.messages.reset import ResetReport
from training_refresh.reset.report import summary_line as reset_summary

EXECUTION_STATUS: Final = {
    "succeeded": "SUCCEEDED",
    "failed": "FAILED",
    "bad_input": "FAILED",
}
"""A report's status as an execution's (for reports saved without their execution)."""
MAX_REPORT_BYTES: Final = 16 * 1024 * 1024


def _summary(report: Mapping[str, Any]) -> str | None:
    try:
        parsed = parse_report(report)
    except ValidationError:
        return None
    summaries: dict[type, Callable[[Any], str]] = {
        GoldLoadReport: gold_load_summary,
        ResetReport: reset_summary,
        GoldUndoReport: undo_summary_line,
        GoldRemoveReport: remove_summary_line,
    }
    return summaries[type(parsed)](parsed)


def _moment(value: Any) -> str | None:
    """A report's ISO time as the views show times (``2025-04-01T06:30:12Z``)."""
    if not isinstance(value, str):
        return None
    try:
        return timestamp(datetime.fromisoformat(value))
    except ValueError:
        return None


def _input(report: Mapping[str, Any]) -> dict[str, Any]:
    """What the run was asked, as far as its report says (the keys of an execution input)."""
    given = {
        "scenarios": report.get("scenario_file"),
        "as_of": report.get("as_of"),
        "tables": report.get("requested_tables"),
        "dry_run": report.get("dry_run") or None,
    }
    return {key: value for key, value in given.items() if value is not None}


def local_view(path: Path, report: Mapping[str, Any]) -> dict[str, Any]:
    """The view of ``aws.views.execution_view`` for the local run that saved ``report``."""
    execution = report.get("execution") if isinstance(report.get("execution"), Mapping) else {}
    assert isinstance(execution, Mapping)
    status = execution.get("status") or EXECUTION_STATUS.get(str(report.get("status")), "FAILED")
    return {
        "execution": {
            "arn": None,
            "name": report.get("run_id"),
            "workflow": report.get("workflow"),
            "state_machine_arn": None,
            "status": status,
            "started_at": _moment(report.get("started_at")),
            "stopped_at": _moment(report.get("finished_at")),
            "duration_seconds": report.get("duration_seconds"),
            "running_for_seconds": None,
            "error": execution.get("error"),
            "cause": None,
        },
        "input": _input(report),
        "summary": _summary(report),
        "progress": None,
        "progress_lines": [],
        "report_uri": str(path),
        "report_problem": None,
        "report": dict(report),
        "follow": None,
    }


def read_local_report(path: Path) -> dict[str, Any] | None:
    """The run report in ``path``, or None when the file is not one."""
    try:
        if path.stat().st_size > MAX_REPORT_BYTES:
            return None
        report = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(report, dict) or not isinstance(report.get("run_id"), str):
        return None
    return report if isinstance(report.get("workflow"), str) else None


def local_views(report_dir: Path, workflow: str | None = None) -> list[dict[str, Any]]:
    """Every local run of ``report_dir`` (of ``workflow`` only, if given), newest first."""
    views = []
    for path in sorted(report_dir.glob("*.json")) if report_dir.is_dir() else []:
        report = read_local_report(path)
        if report is not None and workflow in (None, report["workflow"]):
            views.append(local_view(path, report))
    views.sort(key=lambda view: view["execution"]["started_at"] or "", reverse=True)
    return views


def list_local_runs(
    report_dir: Path,
    *,
    workflow: str | None = None,
    last: int = 10,
    as_json: bool = False,
    out: TextIO | None = None,
) -> ExitCode:
    """``ims-refresh runs --local``."""
    out = out or sys.stdout
    views = local_views(report_dir, workflow)[:last]
    if as_json:
        publish({"runs": views}, out)
    elif views:
        print_runs(views, out)
    else:
        print(f"no local runs in {report_dir}", file=out)
    out.flush()
    return ExitCode.SUCCESS


def local_report_path(report_dir: Path, run_id: str) -> Path | None:
    """``<report_dir>/<run_id>.json`` when that is a local run's report."""
    if not run_id or "/" in run_id or run_id.startswith("."):
        return None
    path = report_dir / f"{run_id}.json"
    return path if path.is_file() and read_local_report(path) is not None else None


def show_local_status(
    report_dir: Path, run_id: str, *, as_json: bool = False, out: TextIO | None = None
) -> ExitCode:
    """``ims-refresh status RUN_ID`` of a local run; bad input when there is none."""
    out = out or sys.stdout
    path = local_report_path(report_dir, run_id)
    report = read_local_report(path) if path is not None else None
    if path is None or report is None:
        raise BadInputError(f"no local run {run_id[:120]!r} in {report_dir}")
    view = local_view(path, report)
    if as_json:
        publish(view, out)
    else:
        print_execution_status(view, out)
    out.flush()
    return ExitCode.SUCCESS

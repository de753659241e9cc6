"""Printing run reports for people and saving them for machines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from ims_refresh.progress import duration_text


def execution_name(workflow: str) -> str:
    """A unique execution name that sorts by time and reads well in the console."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{workflow}-{stamp}-{datetime.now(UTC).strftime('%f')}"


def save_report(report: dict[str, Any], report_dir: Path) -> Path:
    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / f"{report['run_id']}.json"
    path.write_text(json.dumps(report, indent=2, sort_keys=True, default=str) + "\n", "utf-8")
    return path


def print_gold_load_summary(report: dict[str, Any], out: TextIO) -> None:
    customers = report.get("customers", {})
    preview = bool(report.get("dry_run"))
    print(
        f"gold load {'preview ' if preview else ''}{report['status']} - run {report['run_id']}, "
        f"as of {report.get('as_of')}, "
        f"{report.get('duration_seconds', 0):.1f} s",
        file=out,
    )
    print(
        f"customers: {customers.get('requested', 0)} requested, {customers.get('found', 0)} "
        f"found, {customers.get('missing', 0)} missing",
        file=out,
    )
    sample = customers.get("missing_sample") or []
    if sample:
        more = customers.get("missing", 0) - len(sample)
        shown = ", ".join(str(n) for n in sample[:10])
        tail = f" and {more + len(sample) - 10} more" if len(sample) > 10 or more > 0 else ""
        print(f"  missing from the warehouse: {shown}{tail}", file=out)
    for config in report.get("configs", []):
        print(f"  {config['config']:<18} {config['status']}", file=out)
        for table, counts in sorted(config.get("tables", {}).items()):
            written = (
                "(preview: nothing written)"
                if preview
                else f"{counts.get('rows_written', 0):>9} written"
            )
            print(f"    {table:<22} {counts.get('rows_read', 0):>9} read {written}", file=out)
    for error in report.get("errors", []):
        where = error.get("config") or "input"
        print(f"error [{where}] {error.get('name')}: {error.get('message')}", file=out)


# --- deployed executions (ims-refresh status / runs / start --wait) ---------------------


def print_report_summary(report: dict[str, Any], out: TextIO) -> None:
    """The human summary of either workflow's run report."""
    if report.get("workflow") == "reset":
        # Imported here: reset_command imports local_execution, which imports this module.
        from ims_refresh.reset_command import print_reset_summary  # noqa: PLC0415

        print_reset_summary(report, out)
    else:
        print_gold_load_summary(report, out)
    if report.get("note"):
        print(f"note: {report['note']}", file=out)


def _took(execution: dict[str, Any]) -> str:
    if execution.get("duration_seconds") is not None:
        return duration_text(float(execution["duration_seconds"]))
    if execution.get("running_for_seconds") is not None:
        return f"running {duration_text(float(execution['running_for_seconds']))}"
    return "-"


def describe_input(request: Any) -> str:
    """The execution input in a few words (it holds no customer data: URIs and dates)."""
    if not isinstance(request, dict):
        return "-"
    parts = []
    if request.get("scenarios"):
        parts.append(f"scenarios {request['scenarios']}")
    if request.get("as_of"):
        parts.append(f"as of {request['as_of']}")
    tables = request.get("tables")
    parts.append(f"tables {', '.join(map(str, tables))}" if tables else "all enabled tables")
    if request.get("dry_run"):
        parts.append("preview (dry run)")
    return ", ".join(parts)


def outcome_per_unit(view: dict[str, Any]) -> str | None:
    """``configs: cus_email loaded, customer failed (WarehouseQueryError)`` from the run
    report, or from the progress of a running execution."""
    report = view.get("report") or {}
    items: list[tuple[str, str, str | None]] = []
    if report.get("configs"):
        kind = "configs"
        for config in report["configs"]:
            error = (config.get("error") or {}).get("name")
            items.append((str(config.get("config")), str(config.get("status")), error))
    elif report.get("tables") and isinstance(report["tables"], list):
        kind = "tables"
        errors = {e.get("table"): e.get("name") for e in report.get("errors") or []}
        for table in report["tables"]:
            items.append(
                (str(table.get("table")), str(table.get("status")), errors.get(table.get("table")))
            )
    elif view.get("progress") and view["progress"].get("items"):
        progress = view["progress"]
        kind = f"{progress['unit']}s"
        for item in progress["items"]:
            items.append(
                (str(item["name"]), str(item["status"]), (item.get("error") or {}).get("name"))
            )
    else:
        return None
    statuses = {status for _, status, _ in items}
    if len(statuses) == 1 and not any(error for _, _, error in items):
        return f"{kind}: all {len(items)} {statuses.pop()}"
    shown = [f"{name} {status}" + (f" ({error})" if error else "") for name, status, error in items]
    return f"{kind}: {', '.join(shown)}"


def _is_real_report(view: dict[str, Any]) -> bool:
    report = view.get("report")
    return isinstance(report, dict) and bool(report) and not report.get("note")


def _print_execution_header(view: dict[str, Any], out: TextIO) -> None:
    execution = view["execution"]
    print(
        f"{execution.get('workflow') or 'execution'} {execution['name']}: {execution['status']}",
        file=out,
    )
    print(f"  execution: {execution['arn']}", file=out)
    print(f"  input:     {describe_input(view.get('input'))}", file=out)
    print(f"  started:   {execution.get('started_at') or '-'}", file=out)
    if execution.get("stopped_at"):
        print(f"  stopped:   {execution['stopped_at']} (took {_took(execution)})", file=out)
    else:
        print(f"  running:   {_took(execution)}", file=out)
    if execution.get("error"):
        print(f"  error:     {execution['error']}", file=out)
    if view.get("summary"):
        print(f"  outcome:   {view['summary']}", file=out)
    if view.get("progress_lines"):
        print("progress:", file=out)
        for line in view["progress_lines"]:
            print(f"  {line}", file=out)


def print_execution_status(view: dict[str, Any], out: TextIO, *, header: bool = True) -> None:
    """``ims-refresh status``: the execution, its progress, its run report.

    ``header=False`` prints only the report part (the end of ``start --wait``, whose
    progress lines are already in the log).
    """
    if header:
        _print_execution_header(view, out)
    report = view.get("report")
    if report:
        print_report_summary(report, out)
    elif view.get("follow"):
        progress = view.get("progress") or {}
        if progress.get("total"):
            print(
                f"so far: {progress['done']} of {progress['total']} {progress['unit']}(s) done, "
                f"{progress['rows_so_far']} rows",
                file=out,
            )
        print("the run report is written when the execution ends", file=out)
    if view.get("report_problem"):
        print(f"warning: {view['report_problem']}", file=out)
    if view.get("report_uri") and _is_real_report(view):
        print(f"report: {view['report_uri']}", file=out)
    if view.get("follow"):
        print(f"follow it: {view['follow']}", file=out)


def print_runs(views: list[dict[str, Any]], out: TextIO) -> None:
    """``ims-refresh runs``: newest first, a few lines per execution."""
    if not views:
        print("no executions found", file=out)
        return
    for view in views:
        execution = view["execution"]
        print(
            f"{execution.get('started_at') or '-':<20}  {execution.get('workflow') or '?':<9}  "
            f"{execution['status']:<9}  {_took(execution):>10}  {execution['name']}",
            file=out,
        )
        print(f"    input: {describe_input(view.get('input'))}", file=out)
        if view.get("summary"):
            print(f"    {view['summary']}", file=out)
        per_unit = outcome_per_unit(view)
        if per_unit:
            print(f"    {per_unit}", file=out)
        if view.get("report_uri") and _is_real_report(view):
            print(f"    report: {view['report_uri']}", file=out)
        if view.get("follow"):
            print(f"    follow it: {view['follow']}", file=out)

"""Printing run reports for people and saving them for machines."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from ims_refresh.progress import duration_text
from ims_refresh.reset_summary import print_reset_report, print_stage_summary_if_one
from ims_refresh.restore_summary import print_restore_summary_if_one
from training_refresh.messages.common import validation_problems
from training_refresh.messages.gold_load import ConfigReport, GoldLoadReport, TableReport
from training_refresh.messages.gold_remove import GoldRemoveReport
from training_refresh.messages.gold_undo import GoldUndoReport
from training_refresh.messages.reset import ResetReport


def execution_name(workflow: str) -> str:
    """A unique execution name that sorts by time and reads well in the console."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{workflow}-{stamp}-{datetime.now(UTC).strftime('%f')}"


def save_report(report: dict[str, Any], report_dir: Path) -> Path:
    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / f"{report['run_id']}.json"
    path.write_text(json.dumps(report, indent=2, sort_keys=True, default=str) + "\n", "utf-8")
    return path


def print_gold_load_summary(report: Mapping[str, Any], out: TextIO) -> None:
    _print_gold_load(GoldLoadReport.model_validate(report), out)


def _print_gold_load(report: GoldLoadReport, out: TextIO) -> None:
    customers = report.customers
    preview = report.dry_run
    print(
        f"gold load {'preview ' if preview else ''}{report.status} - run {report.run_id}, "
        f"as of {report.as_of}, "
        f"{report.duration_seconds:.1f} s",
        file=out,
    )
    print(
        f"customers: {customers.requested} requested, {customers.found} "
        f"found, {customers.missing} missing",
        file=out,
    )
    listed = customers.missing_customers or customers.missing_sample
    if listed:
        more = customers.missing - min(10, len(listed))
        shown = ", ".join(str(n) for n in listed[:10])
        tail = f" and {more} more" if more > 0 else ""
        if customers.missing_file:
            tail += f" (all of them: {customers.missing_file})"
        elif more > 0 and customers.missing_customers:
            tail += " (all of them in the report)"
        print(f"  missing from the warehouse: {shown}{tail}", file=out)
    for notice in report.notices:
        print(f"notice: {notice}", file=out)
    for config in report.configs:
        print(f"  {config.config!s:<18} {_config_status(report, config)}", file=out)
        for table, counts in sorted(config.tables.items()):
            written = (
                "(preview: nothing written)" if preview else f"{counts.rows_written:>9} written"
            )
            print(
                f"    {table:<22} {counts.rows_read:>9} read {written}{_failing(counts)}", file=out
            )
    _print_publication(report, out)
    _print_privacy(report, out)
    out.writelines(f"data quality: {line}\n" for line in report.data_quality.nonzero_lines())
    for error in report.errors:
        where = error.config or error.step or "input"
        print(f"error [{where}] {error.name}: {error.message}", file=out)


def _failing(table: TableReport) -> str:
    """What the failing chunk of a failed config did with the table (nothing otherwise)."""
    if table.status is None:
        return ""
    if table.failing_chunk_rows_read is None:
        return f"; {table.status}"
    return f"; failing chunk: {table.failing_chunk_rows_read} read, {table.status}"


def _config_status(report: GoldLoadReport, config: ConfigReport) -> str:
    status = config.status
    if config.status == "loaded" and config.published is False:
        status = "loaded, not published"
    if config.error is not None and config.error.name == "PiiDetectedError":
        return status + (
            " (would be blocked by the privacy gate)"
            if report.dry_run
            else " (blocked by the privacy gate: nothing of it is published)"
        )
    if status == "failed" and config.failed_chunk is not None:
        where = f", {config.failed_table}" if config.failed_table else ""
        status += f" (at chunk {config.failed_chunk} of {report.chunk_count}{where})"
    elif status == "failed" and report.chunk_count:
        status += (
            f" (its failing call began at chunk {config.chunks_loaded + 1} of {report.chunk_count})"
        )
    return status


def _print_publication(report: GoldLoadReport, out: TextIO) -> None:
    publication = report.publication
    if publication is not None and publication.published:
        print(
            f"published: gold generation {publication.generation}, "
            f"{len(publication.tables_published)} table(s) in one RENAME "
            f"(readers waited {publication.locked_seconds:.3f} s)",
            file=out,
        )
    elif publication is not None and report.status != "bad_input":
        print("published: nothing, the gold copies are unchanged", file=out)


def _print_privacy(report: GoldLoadReport, out: TextIO) -> None:
    """One line for the gate, then one per blocked column (names and counts, no value)."""
    privacy = report.privacy
    if not privacy.tables:
        return
    kept = [c for table in privacy.tables for c in table.columns if c.treatment == "kept"]
    scanned = sum(column.values_scanned for column in kept)
    blocked = privacy.blocked_lines()
    verdict = f"{len(blocked)} column(s) blocked" if blocked else "no finding"
    if blocked and report.dry_run:
        verdict = f"{len(blocked)} column(s) would be blocked"
    print(f"privacy: {scanned} kept value(s) scanned in {len(kept)} column(s), {verdict}", file=out)
    out.writelines(f"  {line}\n" for line in blocked)


def print_gold_undo_summary(report: Mapping[str, Any], out: TextIO) -> None:
    _print_gold_undo(GoldUndoReport.model_validate(report), out)


def _print_gold_undo(undo: GoldUndoReport, out: TextIO) -> None:
    print(f"gold undo {undo.status} - run {undo.run_id}, {undo.duration_seconds:.1f} s", file=out)
    if undo.status == "succeeded":
        back = (
            f"the gold copies as run {undo.restored_run_id} left them"
            if undo.restored_run_id
            else "the gold copies as they were before the first gold-changing run"
        )
        print(f"  took back {undo.undone_workflow} run {undo.undone_run_id}", file=out)
        print(f"  live again: {back} (now generation {undo.generation})", file=out)
        print(f"  tables switched back: {', '.join(undo.tables_changed) or 'none'}", file=out)
    else:
        print("  nothing was changed", file=out)
    for error in undo.errors:
        print(f"error {error.name}: {error.message}", file=out)


def print_gold_remove_summary(report: Mapping[str, Any], out: TextIO) -> None:
    _print_gold_remove(GoldRemoveReport.model_validate(report), out)


def _print_gold_remove(removal: GoldRemoveReport, out: TextIO) -> None:
    print(
        f"gold remove {removal.status} - run {removal.run_id}, {removal.duration_seconds:.1f} s",
        file=out,
    )
    print(
        f"customers: {removal.customers_requested} in the file, {removal.customers_removed} "
        f"removed, {removal.customers_not_present} not in the gold copies",
        file=out,
    )
    if removal.not_present_sample:
        shown = ", ".join(str(n) for n in removal.not_present_sample[:10])
        more = removal.customers_not_present - min(10, len(removal.not_present_sample))
        print(f"  not in the gold copies: {shown}{f' and {more} more' if more else ''}", file=out)
    for table, rows in sorted(removal.rows_removed.items()):
        print(f"  {table:<26} {rows:>9} rows removed", file=out)
    if removal.status != "succeeded":
        print("  nothing was changed", file=out)
    for error in removal.errors:
        print(f"error {error.name}: {error.message}", file=out)


# --- deployed executions (ims-refresh status / runs / start --wait) ---------------------


def parse_report(
    report: Mapping[str, Any],
) -> GoldLoadReport | ResetReport | GoldUndoReport | GoldRemoveReport:
    """A workflow's run report (or a stand-in of one), by its ``workflow``."""
    if report.get("workflow") == "reset":
        return ResetReport.model_validate(report)
    if report.get("workflow") == "gold-undo":
        return GoldUndoReport.model_validate(report)
    if report.get("workflow") == "gold-remove":
        return GoldRemoveReport.model_validate(report)
    return GoldLoadReport.model_validate(report)


def print_report_summary(report: Mapping[str, Any], out: TextIO) -> None:
    """The human summary of any workflow's run report (a restore's: ``restore_summary``)."""
    if print_restore_summary_if_one(report, out) or print_stage_summary_if_one(report, out):
        return
    try:
        parsed = parse_report(report)
    except ValidationError as error:
        print(f"the run report cannot be read: {validation_problems(error)}", file=out)
        return
    if isinstance(parsed, ResetReport):
        print_reset_report(parsed, out)
    elif isinstance(parsed, GoldUndoReport):
        _print_gold_undo(parsed, out)
    elif isinstance(parsed, GoldRemoveReport):
        _print_gold_remove(parsed, out)
    else:
        _print_gold_load(parsed, out)
    if parsed.note:
        print(f"note: {parsed.note}", file=out)


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
    items = _report_items(view.get("report") or {})
    if items is not None:
        kind, listed = items
    elif view.get("progress") and view["progress"].get("items"):
        progress = view["progress"]
        kind = f"{progress['unit']}s"
        listed = [
            (str(item["name"]), str(item["status"]), (item.get("error") or {}).get("name"))
            for item in progress["items"]
        ]
    else:
        return None
    statuses = {status for _, status, _ in listed}
    if len(statuses) == 1 and not any(error for _, _, error in listed):
        return f"{kind}: all {len(listed)} {statuses.pop()}"
    shown = [
        f"{name} {status}" + (f" ({error})" if error else "") for name, status, error in listed
    ]
    return f"{kind}: {', '.join(shown)}"


def _report_items(
    report: Mapping[str, Any],
) -> tuple[str, list[tuple[str, str, str | None]]] | None:
    """``configs`` or ``tables`` of a run report with status and error name, if it has any."""
    try:
        parsed = parse_report(report) if report else None
    except ValidationError:
        return None
    if isinstance(parsed, GoldLoadReport) and parsed.configs:
        return "configs", [
            (str(c.config), c.status, c.error.name if c.error else None) for c in parsed.configs
        ]
    if isinstance(parsed, ResetReport) and parsed.tables:
        errors = {e.table: e.name for e in parsed.errors}
        return "tables", [(str(t.table), t.status, errors.get(t.table)) for t in parsed.tables]
    return None


def _is_real_report(view: dict[str, Any]) -> bool:
    report = view.get("report")
    return isinstance(report, dict) and bool(report) and not report.get("note")


def _print_execution_header(view: dict[str, Any], out: TextIO) -> None:
    execution = view["execution"]
    print(
        f"{execution.get('workflow') or 'execution'} {execution['name']}: {execution['status']}",
        file=out,
    )
    print(f"  execution: {execution['arn'] or 'a local run on this machine'}", file=out)
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

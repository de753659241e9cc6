"""Printing run reports for people and saving them for machines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO


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

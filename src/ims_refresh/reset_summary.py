"""Human summaries of the reset's and the reset-stage's run reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

from training_refresh.messages.reset import ResetReport, SwapReport
from training_refresh.messages.reset_stage import StageOutcome


def print_reset_summary(report: Mapping[str, Any], out: TextIO) -> None:
    """The short human summary of a reset run report."""
    print_reset_report(ResetReport.model_validate(report), out)


def print_reset_report(report: ResetReport, out: TextIO) -> None:
    """The short human summary of a parsed reset run report."""
    print(
        f"reset {report.status} - run {report.run_id}, {len(report.tables)} table(s), "
        f"{report.rows_copied} rows, {report.duration_seconds:.1f} s",
        file=out,
    )
    lease = report.lease
    if lease.superseded_resets:
        print(f"  took over from reset(s) {', '.join(lease.superseded_resets)}", file=out)
    if report.leftovers_dropped:
        print(
            f"  dropped leftovers of an earlier reset: {', '.join(report.leftovers_dropped)}",
            file=out,
        )
    for table in report.tables:
        print(
            f"  {table.table!s:<22} {table.rows_written:>9} rows  "
            f"{table.status:<12} copy {table.copy_seconds:.2f} s",
            file=out,
        )
    if report.swap.status == "swapped":
        print(
            f"  all tables swapped in one RENAME ({report.swap.attempts} attempt(s), "
            f"{report.swap.duration_seconds:.2f} s); training holds gold generation "
            f"{report.swap.gold_generation}",
            file=out,
        )
    _print_path(report.swap, out)
    if report.swap.recopies:
        print(
            f"  gold was published while the reset copied it: copied again "
            f"{report.swap.recopies} time(s) ({', '.join(report.swap.recopied_tables)})",
            file=out,
        )
    for warning in report.warnings:
        print(f"warning: {warning}", file=out)
    for error in report.errors:
        where = error.table or error.step or "reset"
        print(f"error [{where}] {error.name}: {error.message}", file=out)


def _print_path(swap: SwapReport, out: TextIO) -> None:
    """Which path the reset took (staged copies renamed in, or copied now), how long until
    the swap, and since when the staged copies were ready."""
    if swap.path is None:
        return
    until = ""
    if swap.seconds_to_swap is not None:
        until = f", swapped {swap.seconds_to_swap:.2f} s after the start"
    if swap.path == "staged":
        print(
            f"  staged path: the staged copies (ready since {swap.staged_ready_at}) renamed "
            f"in, nothing copied{until}",
            file=out,
        )
        return
    why = f" ({swap.fallback})" if swap.fallback else ""
    print(f"  copied now: no usable staged copies{why}{until}", file=out)


def print_stage_summary(report: Mapping[str, Any], out: TextIO) -> None:
    """The short human summary of a reset-stage run report."""
    stage = StageOutcome.model_validate(
        {key: value for key, value in report.items() if key in StageOutcome.model_fields}
    )
    rows = sum(stage.tables.values())
    print(
        f"reset-stage {stage.status} - run {stage.run_id}, gold generation "
        f"{stage.gold_generation if stage.gold_generation is not None else '-'}, "
        f"{len(stage.tables)} table(s), {rows} rows, {stage.duration_seconds:.1f} s",
        file=out,
    )
    if stage.ready_at:
        print(f"  the next reset's staged copies are ready since {stage.ready_at}", file=out)
    if stage.leftovers_dropped:
        print(
            f"  dropped leftovers of a stopped staging: {', '.join(stage.leftovers_dropped)}",
            file=out,
        )


def print_stage_summary_if_one(report: Mapping[str, Any], out: TextIO) -> bool:
    """Print a reset-stage report's summary; False (nothing printed) for other reports."""
    if report.get("workflow") != "reset-stage":
        return False
    print_stage_summary(report, out)
    return True

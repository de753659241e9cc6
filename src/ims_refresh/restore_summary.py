"""The human summary of a restore's run report (``run reset --customers``, and ``start
reset --customers --wait`` / ``status`` in AWS: operator half, no local imports)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

from training_refresh.messages.restore import RestoreReport

_SHOWN_NOT_IN_GOLD = 10


def print_restore_summary_if_one(report: Mapping[str, Any], out: TextIO) -> bool:
    """Print the summary when ``report`` is a restore's; True when it was."""
    if report.get("workflow") != "reset" or report.get("mode") != "restore":
        return False
    print_restore_summary(report, out)
    return True


def print_restore_summary(report: Mapping[str, Any], out: TextIO) -> None:
    """The short human summary of a restore's run report."""
    restore = RestoreReport.model_validate(report)
    print(
        f"restore {restore.status} - run {restore.run_id}, {restore.customers_restored} "
        f"customer(s) restored, {restore.duration_seconds:.1f} s",
        file=out,
    )
    print(
        f"customers: {restore.customers_requested} given, {restore.customers_restored} "
        f"restored, {restore.customers_not_in_gold} not in the gold copies (left as they are)",
        file=out,
    )
    if restore.not_in_gold_sample:
        shown = ", ".join(str(n) for n in restore.not_in_gold_sample[:_SHOWN_NOT_IN_GOLD])
        more = restore.customers_not_in_gold - min(
            _SHOWN_NOT_IN_GOLD, len(restore.not_in_gold_sample)
        )
        print(f"  not in the gold copies: {shown}{f' and {more} more' if more else ''}", file=out)
    for table in restore.tables:
        print(
            f"  {table.table!s:<22} {table.rows_deleted:>7} rows deleted "
            f"{table.rows_inserted:>7} gold rows inserted",
            file=out,
        )
    if restore.status == "succeeded":
        print(
            f"  one transaction, {restore.transaction_seconds:.3f} s; every other customer's "
            "rows are as the trainees left them",
            file=out,
        )
    else:
        print("  nothing was changed", file=out)
    for error in restore.errors:
        print(f"error {error.name}: {error.message}", file=out)

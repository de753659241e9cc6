"""One attempt of the swap's atomic RENAME (every training table with its new copy), and
the check that the copies it renames are all there."""

from __future__ import annotations

from collections.abc import Sequence

from training_refresh.adapters.mysql import (
    LOCK_WAIT_ERRORS,
    TABLE_EXISTS,
    Cursor,
    error_code,
    quote_identifier,
)
from training_refresh.errors import SchemaMismatchError
from training_refresh.reset.tables import (
    DDL_LOCK_WAIT_SECONDS,
    ResetTables,
    drop_tables,
    existing_tables,
    set_lock_wait,
)


def check_staging_copies(cursor: Cursor, names: Sequence[ResetTables]) -> None:
    present = existing_tables(cursor, [n.new for n in names] + [n.training for n in names])
    missing = [n.new for n in names if n.new not in present]
    missing += [n.training for n in names if n.training not in present]
    if missing:
        raise SchemaMismatchError(
            f"cannot swap: {', '.join(missing)} missing (a copy step did not complete); "
            "nothing was swapped"
        )


def rename_attempt(
    cursor: Cursor,
    names: Sequence[ResetTables],
    lock_wait_seconds: int,
    sources: dict[str, str] | None = None,
) -> bool:
    """One RENAME attempt (of the NEW tables, or ``sources``: training -> its new table);
    False when it waited in vain for the tables (or found OLD tables another session made
    meanwhile, which it drops for the next attempt)."""
    renames = ", ".join(
        f"{quote_identifier(n.training)} TO {quote_identifier(n.old)}, "
        f"{quote_identifier((sources or {}).get(n.training, n.new))} "
        f"TO {quote_identifier(n.training)}"
        for n in names
    )
    set_lock_wait(cursor, lock_wait_seconds)
    try:
        cursor.execute(f"RENAME TABLE {renames}")
    except Exception as error:
        code = error_code(error)
        if code == TABLE_EXISTS:
            set_lock_wait(cursor, DDL_LOCK_WAIT_SECONDS)
            drop_tables(cursor, [n.old for n in names])
        elif code not in LOCK_WAIT_ERRORS:
            raise
        return False
    finally:
        set_lock_wait(cursor, DDL_LOCK_WAIT_SECONDS)
    return True

"""``--tables``: table config names and training-table names, in any case, for both workflows.

The workflows themselves stay strict (a gold load takes config names, a reset exact
training-table names, docs/design.md §6.1); the command line turns what the operator typed
into those names before anything starts:

- every comma-separated name must equal a config name or a training-table name, ignoring
  case and surrounding spaces (no prefixes, no patterns);
- a gold load runs whole configs: a table name selects the config that loads it
  (``IMS_ORDER`` selects ``order_auth``, which loads ``IMS_AUTH`` as well);
- a reset copies tables: a config name selects every training table of that config;
- duplicates count once; the order is the configuration's.

An unknown name is an ``UnknownTableError`` (exit 2) listing what is configured.
"""

from __future__ import annotations

from typing import Literal

from training_refresh.errors import UnknownTableError
from training_refresh.table_groups import TableGroupSet, load_table_groups

Workflow = Literal["gold-load", "reset"]


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def resolve_tables(
    text: str | None, workflow: Workflow, groups: TableGroupSet | None = None
) -> list[str] | None:
    """The names the workflow takes for ``--tables text`` (None: every enabled one)."""
    if text is None:
        return None
    groups = groups or load_table_groups()
    names = _split(text)
    if not names:
        raise UnknownTableError("--tables names no table config or table")
    configs = {group.name.casefold(): group for group in groups.groups}
    tables = {
        spec.training_table.casefold(): group for group in groups.groups for spec in group.tables
    }
    unknown = [name for name in names if name.casefold() not in configs | tables]
    if unknown:
        raise UnknownTableError(
            f"--tables: not a table config or training table: "
            f"{', '.join(repr(name[:80]) for name in unknown[:10])}; configs: "
            f"{', '.join(g.name for g in groups.groups)}; tables: "
            f"{', '.join(s.training_table for s in groups.all_tables())}"
        )
    wanted = {name.casefold() for name in names}
    if workflow == "gold-load":
        chosen = {group.name for key, group in (configs | tables).items() if key in wanted}
        return [group.name for group in groups.groups if group.name in chosen]
    selected: list[str] = []
    for group in groups.groups:
        whole = group.name.casefold() in wanted
        selected.extend(
            spec.training_table
            for spec in group.tables
            if whole or spec.training_table.casefold() in wanted
        )
    return selected

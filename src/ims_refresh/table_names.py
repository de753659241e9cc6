"""``--tables``: table config names and training-table names, in any case, for both workflows.

The workflows themselves stay strict (a gold load takes config names, a reset exact
training-table names, docs/design.md §6.1); the command line turns what the operator typed
into those names before anything starts:

- every comma-separated name must equal a config name or a training-table name, ignoring
  case and surrounding spaces (no prefixes, no patterns);
- a gold load runs whole configs: a table name selects the config that loads it
  (``IMS_ORDER`` selects ``order_auth``, which loads ``IMS_AUTH`` as well);
- a reset copies tables: a config name selects every training table of that config;
- duplicates count once; the order is the operator's (a config's tables in its order).

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
    # what each name, case-folded, means: (the config, the training tables it selects)
    meaning: dict[str, tuple[str, list[str]]] = {}
    for group in groups.groups:
        meaning[group.name.casefold()] = (group.name, [t.training_table for t in group.tables])
        for spec in group.tables:
            meaning[spec.training_table.casefold()] = (group.name, [spec.training_table])
    unknown = [name for name in names if name.casefold() not in meaning]
    if unknown:
        raise UnknownTableError(
            f"--tables: not a table config or training table: "
            f"{', '.join(repr(name[:80]) for name in unknown[:10])}; configs: "
            f"{', '.join(g.name for g in groups.groups)}; tables: "
            f"{', '.join(s.training_table for s in groups.all_tables())}"
        )
    chosen: list[str] = []
    for name in names:
        config, training_tables = meaning[name.casefold()]
        chosen.extend([config] if workflow == "gold-load" else training_tables)
    return list(dict.fromkeys(chosen))

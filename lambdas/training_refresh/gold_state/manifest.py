"""The gold states that are kept, and how a publication or an undo moves between them.

The problem
-----------
Gold copies change only by publishing (docs/design.md §1): a gold-changing run (load,
removal, undo) builds its result beside the live tables and publishes it all at once, and
the last few published states are kept so that the last gold-changing run can be undone.
Readers (resets, restores, ``gold list``) must always know which state they read.

The model
---------
* A **state** is what the gold copies held after one publication. States are numbered by
  a **generation** that grows by one with every publication (undo included), so "has the
  gold changed since I looked?" is one comparison.
* Each managed table (every ``T_GOLD`` and the catalog) has **versions**: a version is the
  table as one publication wrote it, numbered by that publication's generation (0 for
  whatever the table held before the first publication). A state maps every table to the
  version it holds; a publication that changes two tables gives those two a new version
  and shares every other version with the state before it, so keeping a state costs only
  the tables its successor changed.
* Each state knows its **undo target**: the generation whose content an undo would bring
  back. For a load or removal that is the state it replaced; for an undo it is the undo
  target of the state it brought back, so consecutive undos walk back through the runs
  (load A, load B, undo -> after A, undo -> before A). An undo is never itself undone: to
  redo, run the load again. ``content_generation``/``content_run_id`` name the state (and
  the run) whose content a state holds, so history can say what an undo restored.
* The **manifest** holds the current state and the states on its undo chain, at most
  ``keep_states`` of them; a state that falls off the chain (undone, or too old) is
  forgotten, and the version tables only it referred to are dropped.

The manifest is itself a table (``names.STATE_TABLE``) that every publication replaces in
the same RENAME as the tables it publishes, so the manifest a reader sees always describes
exactly the tables it sees. This module is pure: it computes manifests; ``publication``
reads and writes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from training_refresh.errors import NothingToUndoError, StateNoLongerKeptError

Workflow = Literal["initial", "gold-load", "gold-remove", "gold-undo"]
CHANGING_WORKFLOWS: tuple[Workflow, ...] = ("gold-load", "gold-remove")
DEFAULT_KEEP_STATES = 3
"""Previous states kept for undo: the state before the last run, and two more."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PublicationSummary(_Strict):
    """What one publication changed, for history and reports (counts only)."""

    tables_changed: tuple[str, ...] = ()
    customers_loaded: int = Field(default=0, ge=0)
    customers_removed: int = Field(default=0, ge=0)
    rows_per_table: dict[str, int] = Field(default_factory=dict)
    scenario_file: str | None = None
    as_of: str | None = None


class GoldState(_Strict):
    generation: int = Field(ge=0)
    workflow: Workflow
    run_id: str | None
    published_at: datetime | None
    content_generation: int = Field(ge=0)
    content_run_id: str | None
    undo_target: int | None
    versions: dict[str, int]
    """Managed table -> version; a table not listed holds version 0."""
    summary: PublicationSummary = PublicationSummary()

    def version_of(self, table: str) -> int:
        return self.versions.get(table, 0)


INITIAL_STATE = GoldState(
    generation=0,
    workflow="initial",
    run_id=None,
    published_at=None,
    content_generation=0,
    content_run_id=None,
    undo_target=None,
    versions={},
)
"""What the gold copies are before anything was published: every table at version 0."""


class GoldManifest(_Strict):
    states: tuple[GoldState, ...] = Field(min_length=1)
    """Ascending generations; the last is the current state."""

    @model_validator(mode="after")
    def _ascending(self) -> GoldManifest:
        generations = [s.generation for s in self.states]
        if generations != sorted(set(generations)):
            raise ValueError(f"generations must be unique and ascending: {generations}")
        return self

    @property
    def current(self) -> GoldState:
        return self.states[-1]

    def state(self, generation: int) -> GoldState | None:
        for state in self.states:
            if state.generation == generation:
                return state
        return None

    def undo_chain(self) -> list[GoldState]:
        """The current state, then each undo target in turn while it is kept."""
        chain = [self.current]
        while (target := chain[-1].undo_target) is not None:
            state = self.state(target)
            if state is None:
                break
            chain.append(state)
        return chain

    def referenced_versions(self, tables: Iterable[str]) -> dict[str, set[int]]:
        """Per table, the versions some kept state holds (the live one included)."""
        return {t: {s.version_of(t) for s in self.states} for t in tables}


def initial_manifest() -> GoldManifest:
    return GoldManifest(states=(INITIAL_STATE,))


def _pruned(new_current: GoldState, previous: GoldManifest, keep_states: int) -> GoldManifest:
    """``new_current`` plus the states of its undo chain that ``previous`` keeps, at most
    ``keep_states`` of them."""
    if keep_states < 1:
        raise ValueError("at least one previous state is kept")
    kept: list[GoldState] = []
    target = new_current.undo_target
    while target is not None and len(kept) < keep_states:
        state = previous.state(target)
        if state is None:
            break
        kept.append(state)
        target = state.undo_target
    return GoldManifest(states=(*reversed(kept), new_current))


def after_change(
    previous: GoldManifest,
    *,
    workflow: Workflow,
    run_id: str,
    published_at: datetime,
    changed_tables: Iterable[str],
    summary: PublicationSummary,
    keep_states: int = DEFAULT_KEEP_STATES,
) -> GoldManifest:
    """The manifest once a load or removal has published new versions of
    ``changed_tables``."""
    if workflow not in CHANGING_WORKFLOWS:
        raise ValueError(f"{workflow} does not publish changed tables")
    changed = sorted(set(changed_tables))
    if not changed:
        raise ValueError("a publication changes at least one table")
    current = previous.current
    generation = current.generation + 1
    versions = dict(current.versions)
    versions.update(dict.fromkeys(changed, generation))
    state = GoldState(
        generation=generation,
        workflow=workflow,
        run_id=run_id,
        published_at=published_at,
        content_generation=generation,
        content_run_id=run_id,
        undo_target=current.generation,
        versions=versions,
        summary=summary.model_copy(update={"tables_changed": tuple(changed)}),
    )
    return _pruned(state, previous, keep_states)


def after_undo(
    previous: GoldManifest,
    *,
    run_id: str,
    published_at: datetime,
    keep_states: int = DEFAULT_KEEP_STATES,
) -> tuple[GoldManifest, GoldState]:
    """The manifest once an undo has brought back the current state's undo target, and
    that target. Raises NothingToUndoError or StateNoLongerKeptError (nothing changes)."""
    current = previous.current
    if current.undo_target is None:
        raise NothingToUndoError(
            "there is nothing to undo: no gold-changing run is recorded before the current "
            f"gold state (generation {current.generation})"
        )
    target = previous.state(current.undo_target)
    if target is None:
        raise StateNoLongerKeptError(
            f"the gold state before {_describe_content(current)} is no longer kept (the "
            "manifest keeps the last states on the undo chain only); nothing was changed"
        )
    changed = sorted(
        t
        for t in set(current.versions) | set(target.versions)
        if current.version_of(t) != target.version_of(t)
    )
    state = GoldState(
        generation=current.generation + 1,
        workflow="gold-undo",
        run_id=run_id,
        published_at=published_at,
        content_generation=target.content_generation,
        content_run_id=target.content_run_id,
        undo_target=target.undo_target,
        versions=dict(target.versions),
        summary=PublicationSummary(tables_changed=tuple(changed)),
    )
    return _pruned(state, previous, keep_states), target


def _describe_content(state: GoldState) -> str:
    if state.content_run_id is None:
        return f"generation {state.generation}"
    return f"run {state.content_run_id} (generation {state.content_generation})"


def undone_run(previous: GoldManifest) -> str | None:
    """The run whose change an undo of ``previous``'s current state takes back."""
    return previous.current.content_run_id

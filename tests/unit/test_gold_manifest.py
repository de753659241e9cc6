"""The gold-state manifest: publications, undo chains and what is kept (pure model)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from training_refresh.errors import NothingToUndoError, StateNoLongerKeptError
from training_refresh.gold_state.manifest import (
    GoldManifest,
    PublicationSummary,
    after_change,
    after_undo,
    initial_manifest,
)

TABLES = ("A_GOLD", "B_GOLD", "C_GOLD")
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def load(manifest: GoldManifest, run: str, *tables: str, keep: int = 3) -> GoldManifest:
    return after_change(
        manifest,
        workflow="gold-load",
        run_id=run,
        published_at=NOW,
        changed_tables=tables,
        summary=PublicationSummary(),
        keep_states=keep,
    )


def undo(manifest: GoldManifest, run: str = "undo", keep: int = 3) -> GoldManifest:
    return after_undo(manifest, run_id=run, published_at=NOW, keep_states=keep)[0]


def test_a_load_gives_the_changed_tables_a_new_version_and_shares_the_others() -> None:
    # Given the initial state, When one run loads A and B
    after = load(initial_manifest(), "run-1", "A_GOLD", "B_GOLD")
    # Then A and B hold version 1, C the initial version, and undo leads back to 0
    assert after.current.generation == 1
    assert after.current.versions == {"A_GOLD": 1, "B_GOLD": 1}
    assert after.current.version_of("C_GOLD") == 0
    assert after.current.undo_target == 0
    assert [s.generation for s in after.states] == [0, 1]


def test_undo_brings_back_the_state_before_the_last_run_and_then_the_one_before() -> None:
    # Given two loads
    first = load(initial_manifest(), "run-1", "A_GOLD")
    second = load(first, "run-2", "A_GOLD", "B_GOLD")
    # When undone once, Then the content of generation 1 is back under a new generation
    once = undo(second)
    assert once.current.generation == 3
    assert once.current.versions == first.current.versions
    assert once.current.content_run_id == "run-1"
    assert once.current.summary.tables_changed == ("A_GOLD", "B_GOLD")
    # When undone again, Then the initial content is back, and nothing is left to undo
    twice = undo(once)
    assert twice.current.versions == {}
    assert twice.current.content_generation == 0
    with pytest.raises(NothingToUndoError):
        undo(twice)


def test_an_undone_state_is_forgotten_so_an_undo_is_never_undone() -> None:
    first = load(initial_manifest(), "run-1", "A_GOLD")
    second = load(first, "run-2", "B_GOLD")
    once = undo(second)
    assert once.state(2) is None  # run-2's state is gone: undo cannot be redone
    assert [s.generation for s in once.states] == [0, 3]


def test_nothing_to_undo_on_a_fresh_database() -> None:
    with pytest.raises(NothingToUndoError, match="nothing to undo"):
        undo(initial_manifest())


def test_an_undo_beyond_the_kept_states_is_refused() -> None:
    manifest = initial_manifest()
    for run in range(1, 4):
        manifest = load(manifest, f"run-{run}", "A_GOLD", keep=1)
    assert [s.generation for s in manifest.states] == [2, 3]
    manifest = undo(manifest, keep=1)  # back to generation 2's content
    with pytest.raises(StateNoLongerKeptError, match="no longer kept"):
        undo(manifest, keep=1)


def test_a_publication_must_change_a_table() -> None:
    with pytest.raises(ValueError, match="at least one table"):
        load(initial_manifest(), "run-1")


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("load"), st.sets(st.sampled_from(TABLES), min_size=1)),
        st.tuples(st.just("undo"), st.just(frozenset())),
    ),
    max_size=25,
)


@given(OPERATIONS, st.integers(min_value=1, max_value=4))
def test_any_sequence_of_loads_and_undos_matches_a_stack_of_states(
    operations: list[tuple[str, frozenset[str]]], keep: int
) -> None:
    """Reference model: the undo chain is a stack of table -> content snapshots; a load
    pushes, an undo pops; only the top ``keep`` snapshots below the current one are kept."""
    manifest = initial_manifest()
    current: dict[str, str] = {t: f"{t}@0" for t in TABLES}
    stack: list[dict[str, str]] = []
    forgotten = False  # whether states beyond the kept ones were pushed
    for step, (kind, tables) in enumerate(operations, start=1):
        if kind == "load":
            manifest = load(manifest, f"run-{step}", *tables, keep=keep)
            stack.append(dict(current))
            current.update({t: f"{t}@{manifest.current.generation}" for t in tables})
            if len(stack) > keep:
                del stack[0]
                forgotten = True
        elif stack:
            manifest = undo(manifest, keep=keep)
            current = stack.pop()
        else:
            error = StateNoLongerKeptError if forgotten else NothingToUndoError
            with pytest.raises(error):
                undo(manifest, keep=keep)
        # Then the live versions are exactly the reference contents
        assert {t: f"{t}@{manifest.current.version_of(t)}" for t in TABLES} == current
        # and every kept state on the chain is one the reference can still undo to
        chain = manifest.undo_chain()[1:]
        assert len(chain) == len(stack)
        for state, snapshot in zip(reversed(chain), stack, strict=True):
            assert {t: f"{t}@{state.version_of(t)}" for t in TABLES} == snapshot
        assert manifest.states == tuple(sorted(manifest.states, key=lambda s: s.generation))

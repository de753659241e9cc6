"""Resets and gold publications take turns only for the instant of a RENAME (issue 11 item 3).

A reset copies one published gold state (the generation of IMS_GOLD_STATE when it starts)
and re-reads the generation inside its swap, holding the gold publish lock that every
publication holds around its RENAME; a publication in between makes it copy the changed
tables again, a bounded number of times. Publications here are real ones
(``publish_change``) of build tables filled with the reset tests' states A and B.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from reset_support import (
    CONFIGS,
    FAST_SWAP,
    GOLD_TABLES,
    TRAINING_TABLES,
    build_state,
    checksums,
    connect,
    connector,
    create_tables,
    fill,
    prepare_event,
    publish_state,
    table_states,
)

from ims_refresh.settings import MySqlUrl
from training_refresh.errors import GoldChangedDuringResetError
from training_refresh.lease import LeaseTimes, acquire_gold_load_lease, live_leases
from training_refresh.messages.reset import CopyTask, SwapTask
from training_refresh.reset.copy import copy_table
from training_refresh.reset.prepare import prepare_reset
from training_refresh.reset.swap import SwapSettings, swap_tables

LEASES = LeaseTimes(ttl_seconds=60, wait_seconds=300, poll_seconds=0.05)
"""A reset that would wait five minutes for gold loads, if it still waited for them."""


@pytest.fixture
def db(training_db: MySqlUrl) -> MySqlUrl:
    """Gold in state A (nothing published yet: generation 0), training tables in state T."""
    create_tables(training_db)
    fill(training_db, "A")
    fill(training_db, "T", gold=False)
    return training_db


def run_reset(
    url: MySqlUrl,
    run_id: str,
    *,
    on_step: Callable[[str], None] = lambda _name: None,
    swap: SwapSettings = FAST_SWAP,
) -> dict[str, Any]:
    """The reset's steps in order, each on its own connection as each Lambda would."""
    plan = prepare_reset(
        prepare_event(run_id),
        connect_mysql=connector(url),
        table_groups=CONFIGS,
        lease_times=LEASES,
        on_step=on_step,
    )
    copies = [
        copy_table(
            CopyTask(run_id=run_id, table=table),
            connect_mysql=connector(url),
            table_groups=CONFIGS,
            lease_times=LEASES,
            on_step=on_step,
        )
        for table in plan.tables
    ]
    swapped = swap_tables(
        SwapTask(run_id=run_id, tables=plan.tables, gold_generation=plan.gold_generation),
        connect_mysql=connector(url),
        table_groups=CONFIGS,
        lease_times=LEASES,
        settings=swap,
        on_step=on_step,
    )
    return {"plan": plan, "copies": copies, "swap": swapped}


def gold_of_training(url: MySqlUrl) -> dict[str, tuple[int, int]]:
    """The training tables' (rows, CHECKSUM TABLE), keyed by their gold copy's name, to
    compare with the gold copies' own."""
    return {f"{t}_GOLD": value for t, value in checksums(url, TRAINING_TABLES).items()}


def test_a_publish_while_the_reset_copies_makes_it_copy_again_and_swap_one_gold_state(
    db: MySqlUrl,
) -> None:
    # Given the gold state of generation 0 (state A everywhere)
    gold_before = checksums(db, GOLD_TABLES)
    changed = [TRAINING_TABLES[0], TRAINING_TABLES[-1]]
    published: list[int] = []
    copied: list[str] = []

    def publish_midway(name: str) -> None:
        # a gold load publishes B for two tables once the reset has copied two of them
        if name.startswith("copy-filled:"):
            copied.append(name.removeprefix("copy-filled:"))
            if len(copied) == 2 and not published:
                published.append(publish_state(db, "gold-load-b", "B", changed))

    # When a reset runs and that publication lands between its copies
    result = run_reset(db, "reset-1", on_step=publish_midway)
    # Then the publication landed in the middle of the copies
    assert published == [1]
    gold_after = checksums(db, GOLD_TABLES)
    assert gold_after != gold_before
    # And the swap saw it, copied the two changed tables again, once, and swapped gen 1
    swap = result["swap"]
    assert result["plan"].gold_generation == 0
    assert (swap.gold_generation, swap.recopies) == (1, 1)
    assert sorted(swap.recopied_rows) == sorted(changed)
    # And the training tables equal exactly the published state of generation 1
    assert gold_of_training(db) == gold_after
    states = table_states(db)
    assert {t for t, s in states.items() if s == "B"} == set(changed)
    assert {s for t, s in states.items() if t not in changed} == {"A"}


def test_a_publish_that_reaches_its_rename_during_the_swap_waits_for_it(db: MySqlUrl) -> None:
    # Given a reset whose swap is about to rename, and a gold load that publishes just then
    gold_before = checksums(db, GOLD_TABLES)
    publisher: list[threading.Thread] = []
    generations: list[int] = []

    def publish_during_swap(name: str) -> None:
        if name == "swap-before-rename" and not publisher:
            thread = threading.Thread(
                target=lambda: generations.append(
                    publish_state(db, "gold-load-b", "B", TRAINING_TABLES)
                )
            )
            publisher.append(thread)
            thread.start()
            wait_for_publish_lock_waiter(db, thread)

    # When the reset swaps
    result = run_reset(db, "reset-1", on_step=publish_during_swap)
    publisher[0].join(timeout=60)
    # Then the publication waited for the swap's instant and then published generation 1
    assert generations == [1]
    assert checksums(db, GOLD_TABLES) != gold_before
    # And the training tables hold exactly the state the reset copied: generation 0
    assert result["swap"].gold_generation == 0
    assert result["swap"].recopies == 0
    assert gold_of_training(db) == gold_before
    assert set(table_states(db).values()) == {"A"}


def wait_for_publish_lock_waiter(url: MySqlUrl, thread: threading.Thread) -> None:
    """Until another session waits for a named lock (the publication, for the publish lock
    the swap holds)."""
    with connect(url) as connection, connection.cursor() as cursor:
        for _ in range(600):
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                "WHERE INFO LIKE 'SELECT GET_LOCK(%%ims_gold_publish%%'"
            )
            if cursor.fetchone()[0]:
                return
            assert thread.is_alive(), "the publication ended without waiting for the swap"
            threading.Event().wait(0.05)
    raise AssertionError("the publication never waited for the publish lock")


def test_a_reset_after_a_killed_gold_load_runs_at_once_and_copies_the_gold_before_it(
    db: MySqlUrl,
) -> None:
    # Given a gold load killed before publishing: its lease row stays live for 20 minutes
    # (a local run: no execution to check) and its build tables (state B) are left over
    with connect(db) as connection:
        acquire_gold_load_lease(connection, "killed-load", LeaseTimes(1200, 0))
    build_state(db, "killed-load", "B", TRAINING_TABLES)
    gold_before = checksums(db, GOLD_TABLES)
    # When a reset starts right after (it would wait five minutes for gold loads)
    result = run_reset(db, "reset-1")
    # Then it waited for nothing and the training tables hold the gold before that load
    assert result["plan"].waited_for_gold_loads == []
    assert result["swap"].gold_generation == 0
    assert gold_of_training(db) == gold_before
    assert set(table_states(db).values()) == {"A"}
    # And the killed load's lease is still there for the next gold load to deal with
    with connect(db) as connection:
        assert [(r.holder, r.run_id) for r in live_leases(connection)] == [
            ("gold-load", "killed-load")
        ]


def test_gold_published_at_every_copy_fails_the_reset_after_its_recopies_untouched(
    db: MySqlUrl,
) -> None:
    # Given gold loads that publish a new state every time the reset copies a table
    training_before = checksums(db, TRAINING_TABLES)
    publications: list[int] = []

    def publish_every_copy(name: str) -> None:
        if name.startswith("copy-filled:"):
            state = "B" if len(publications) % 2 == 0 else "A"
            publications.append(
                publish_state(db, f"gold-load-{len(publications)}", state, TRAINING_TABLES)
            )

    # When a reset allowed two recopies runs
    settings = SwapSettings(lock_wait_seconds=2, attempts=5, pause_seconds=0.05, gold_recopies=2)
    with pytest.raises(GoldChangedDuringResetError, match="3 time") as raised:
        run_reset(db, "reset-1", on_step=publish_every_copy, swap=settings)
    # Then it copied three times in all (first copies, two recopies) and gave up
    assert len(publications) == 3 * len(TRAINING_TABLES)
    assert "IMS_RESET_GOLD_RECOPIES" in str(raised.value)
    # And the training tables are untouched
    assert checksums(db, TRAINING_TABLES) == training_before
    assert set(table_states(db).values()) == {"T"}

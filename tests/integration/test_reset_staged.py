"""Pre-staged resets (issue 17): staged copies of the published gold state, renamed in by
the swap alone when they are of the generation published then; otherwise copied now.

Gold publications are real ones (``publish_state``: build tables of the reset tests'
states A and B published with ``publish_change``); staging is ``stage_copies``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from reset_support import (
    CONFIGS,
    FAST_SWAP,
    SPECS,
    TRAINING_TABLES,
    all_tables,
    assert_training_equals_gold,
    checksums,
    connect,
    connector,
    create_tables,
    fill,
    prepare_event,
    publish_state,
    readers_running,
    reset_in_process,
    table_states,
)

from ims_refresh.settings import MySqlUrl
from training_refresh.messages.reset import SwapTask
from training_refresh.reset.prepare import prepare_reset
from training_refresh.reset.stage import (
    STAGE_TABLE,
    StageResult,
    stage_copies,
    stage_fill_name,
    staged_name,
)
from training_refresh.reset.swap import swap_tables

STAGED = {staged_name(t) for t in TRAINING_TABLES}
FILLS = {stage_fill_name(t) for t in TRAINING_TABLES}


@pytest.fixture
def db(training_db: MySqlUrl) -> MySqlUrl:
    """Gold in state A (nothing published: generation 0), training tables in state T."""
    create_tables(training_db)
    fill(training_db, "A")
    fill(training_db, "T", gold=False)
    return training_db


def stage(url: MySqlUrl, **kwargs: Any) -> StageResult:
    with connect(url) as connection:
        return stage_copies(connection, SPECS, **kwargs)


def staged_generations(url: MySqlUrl) -> dict[str, int]:
    with connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(f"SELECT TRAINING_TABLE, GOLD_GENERATION FROM `{STAGE_TABLE}`")
        return {str(r[0]): int(r[1]) for r in cursor.fetchall()}


def trainees_change_everything(url: MySqlUrl) -> None:
    fill(url, "T", gold=False)
    assert set(table_states(url).values()) == {"T"}


def test_after_a_publish_the_next_reset_is_staged_only_once_staging_finished(
    db: MySqlUrl,
) -> None:
    # Given a gold publication (generation 1, state B) and no staging since
    assert publish_state(db, "gold-load-b", "B", TRAINING_TABLES) == 1
    # When a reset runs before staging
    before = reset_in_process(db, "reset-1")
    # Then it copies now, and training equals the current gold (CHECKSUM TABLE)
    assert before["plan"]["staged"] is False and before["swap"]["path"] == "copied"
    assert len(before["copies"]) == len(TRAINING_TABLES)
    assert_training_equals_gold(db)
    # When staging finishes and trainees change every table
    staged = stage(db)
    assert staged.status == "staged" and staged.gold_generation == 1
    assert staged_generations(db) == dict.fromkeys(TRAINING_TABLES, 1)
    assert set(table_states(db).values()) == {"B"}  # staging touched no training table
    trainees_change_everything(db)
    # And a reset runs
    after = reset_in_process(db, "reset-2")
    # Then it takes the staged path: nothing copied, only the RENAME
    assert after["plan"]["staged"] is True and after["plan"]["copy_tables"] == []
    assert after["copies"] == []
    swap = after["swap"]
    assert swap["path"] == "staged" and swap["gold_generation"] == 1
    assert swap["staged_ready_at"] is not None and swap["fallback"] is None
    assert swap["recopied_rows"] == {}
    # And the training tables equal the current gold copies, the staged copies consumed
    assert_training_equals_gold(db)
    assert set(table_states(db).values()) == {"B"}
    assert staged_generations(db) == {}
    assert not (STAGED | FILLS) & all_tables(db)


def test_a_publish_after_staging_makes_the_next_reset_copy_now(db: MySqlUrl) -> None:
    # Given staged copies of generation 0 (state A)
    assert stage(db).gold_generation == 0
    # When gold is published (generation 1, state B) and a reset runs
    publish_state(db, "gold-load-b", "B", TRAINING_TABLES)
    result = reset_in_process(db, "reset-1")
    # Then it copies now and training holds the current gold, never the staged state A
    assert result["plan"]["staged"] is False and result["swap"]["path"] == "copied"
    assert set(table_states(db).values()) == {"B"}
    assert_training_equals_gold(db)
    # And the stale staged copies stay unused until the next staging replaces them
    assert staged_generations(db) == dict.fromkeys(TRAINING_TABLES, 0)
    assert stage(db).gold_generation == 1
    assert staged_generations(db) == dict.fromkeys(TRAINING_TABLES, 1)


def test_a_publish_between_plan_and_swap_makes_the_swap_copy_now(db: MySqlUrl) -> None:
    # Given staged copies of generation 0 and a reset planned on them
    stage(db)
    plan = prepare_reset(
        prepare_event("reset-1"), connect_mysql=connector(db), table_groups=CONFIGS
    )
    assert plan.staged is True
    # When gold is published before the swap's critical section
    publish_state(db, "gold-load-b", "B", TRAINING_TABLES)
    steps: list[str] = []
    swapped = swap_tables(
        SwapTask(run_id="reset-1", tables=plan.tables, gold_generation=0, staged=True),
        connect_mysql=connector(db),
        table_groups=CONFIGS,
        settings=FAST_SWAP,
        on_step=steps.append,
    )
    # Then the swap found the staged copies stale inside its lock and copied now
    assert swapped.path == "copied" and swapped.gold_generation == 1
    assert swapped.fallback is not None and "generation 0, not 1" in swapped.fallback
    assert "swap-copy-now" in steps
    assert sorted(swapped.recopied_rows) == sorted(TRAINING_TABLES)
    assert set(table_states(db).values()) == {"B"}
    assert_training_equals_gold(db)


def test_a_reset_while_staging_runs_copies_now_and_is_correct(db: MySqlUrl) -> None:
    # Given a publication (generation 1) and a staging that has copied its first table
    publish_state(db, "gold-load-b", "B", TRAINING_TABLES)
    results: list[dict[str, Any]] = []

    def reset_meanwhile(step: str) -> None:
        if step.startswith("stage-filled:") and not results:
            # When a reset runs while the staging is still copying
            results.append(reset_in_process(db, "reset-1"))

    staged = stage(db, on_step=reset_meanwhile)
    # Then that reset copied now and training equals the current gold
    assert results[0]["plan"]["staged"] is False and results[0]["swap"]["path"] == "copied"
    assert_training_equals_gold(db)
    # And the staging finished afterwards, of generation 1, for the next reset
    assert staged.status == "staged" and staged.gold_generation == 1
    trainees_change_everything(db)
    assert reset_in_process(db, "reset-2")["swap"]["path"] == "staged"
    assert_training_equals_gold(db)


def test_a_publish_during_staging_makes_it_start_over_from_the_new_generation(
    db: MySqlUrl,
) -> None:
    # Given a staging that has copied its first table of generation 0
    published: list[int] = []

    def publish_meanwhile(step: str) -> None:
        if step.startswith("stage-filled:") and not published:
            # When gold is published meanwhile
            published.append(publish_state(db, "gold-load-b", "B", TRAINING_TABLES))

    staged = stage(db, on_step=publish_meanwhile)
    # Then the staging started over and staged generation 1 only
    assert published == [1]
    assert staged.rounds == 2 and staged.gold_generation == 1
    assert staged_generations(db) == dict.fromkeys(TRAINING_TABLES, 1)
    trainees_change_everything(db)
    assert reset_in_process(db, "reset-1")["swap"]["path"] == "staged"
    assert set(table_states(db).values()) == {"B"}
    assert_training_equals_gold(db)


_KILLED_STAGING = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from reset_support import SPECS, connect
from ims_refresh.settings import MySqlUrl
from training_refresh.reset.stage import stage_copies

def kill(step):
    if step.startswith("stage-filled:"):
        os.kill(os.getpid(), signal.SIGKILL)

with connect(MySqlUrl.parse(sys.argv[1])) as connection:
    stage_copies(connection, SPECS, on_step=kill)
"""


def test_sigkill_during_staging_leaves_training_untouched_and_the_next_reset_correct(
    db: MySqlUrl,
) -> None:
    # Given a publication (generation 1) and the trainees' tables
    publish_state(db, "gold-load-b", "B", TRAINING_TABLES)
    training_before = checksums(db, TRAINING_TABLES)
    # When a staging process is killed (SIGKILL) after its first copy
    tests = str(Path(__file__).resolve().parents[1])
    code = _KILLED_STAGING.format(tests=tests)
    url = f"mysql://{db.user}@{db.host}:{db.port}/{db.database}"
    done = subprocess.run([sys.executable, "-c", code, url], check=False, env=dict(os.environ))
    assert done.returncode == -signal.SIGKILL
    # Then the training tables are untouched, and a FILL table is left over, unrecorded
    assert checksums(db, TRAINING_TABLES) == training_before
    assert FILLS & all_tables(db)
    assert not STAGED & all_tables(db)
    # And the next reset copies now and is correct
    assert reset_in_process(db, "reset-1")["swap"]["path"] == "copied"
    assert_training_equals_gold(db)
    # And the next staging drops the leftovers and stages generation 1
    staged = stage(db)
    assert sorted(staged.leftovers_dropped) and set(staged.leftovers_dropped) <= FILLS
    assert not FILLS & all_tables(db)
    assert staged_generations(db) == dict.fromkeys(TRAINING_TABLES, 1)


def test_readers_never_see_a_mix_a_missing_or_an_empty_table_during_50_staged_resets(
    db: MySqlUrl,
) -> None:
    # Given training tables reset to gold state A and readers of three kinds hammering them
    reset_in_process(db, "reset-0")
    with readers_running(db) as (seen, problems):
        # When 50 staged resets run back to back, gold flipping between A and B each time
        for number in range(1, 51):
            state = "B" if number % 2 else "A"
            publish_state(db, f"gold-load-{number}", state, TRAINING_TABLES)
            stage(db)
            result = reset_in_process(db, f"reset-{number}")
            assert result["swap"]["path"] == "staged"
            assert set(table_states(db).values()) == {state}
            if problems:
                break
    # Then no reader ever saw a mix of states, a missing table or an empty/partial table
    assert problems == []
    for kind in ("statement", "transaction"):
        assert seen[f"{kind}:A"] > 20 and seen[f"{kind}:B"] > 20, seen
    assert not (STAGED | FILLS) & all_tables(db)

"""The progress of local commands: status lines, chunk counts, quiet spells, the bars."""

from __future__ import annotations

import io
import re
import threading
import time

import pytest
from test_progress import History, config_task, copied, copy_task, loaded, plan

from ims_refresh import live_progress
from ims_refresh.live_bars import Bar, LiveBars
from ims_refresh.live_progress import PlainLines, RunWatch, eta_seconds, kept_up
from ims_refresh.seed_progress import SeedWatch
from training_refresh.messages.reset import ResetPlan

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


class Recording:
    """A display that keeps what it was given."""

    def __init__(self) -> None:
        self.news_lines: list[str] = []
        self.ticks: list[tuple[str, list[Bar]]] = []
        self.closed = False

    def news(self, text: str) -> None:
        self.news_lines.append(text)

    def tick(self, status: str, bars: list[Bar]) -> None:
        self.ticks.append((status, bars))

    def close(self) -> None:
        self.closed = True


def gold_load_history(done: bool) -> History:
    history = History()
    history.task("Validate input and plan", {}, plan(["customer", "order_auth"]))
    history.add("MapStateStarted", length=2)
    history.task(
        "Load config chunks",
        config_task("customer"),
        loaded("customer", {"IMS_CUSTOMER": (10, 10)}, True, 2),
    )
    if done:
        history.task(
            "Load config chunks",
            config_task("order_auth"),
            loaded("order_auth", {"IMS_ORDER": (40, 40), "IMS_AUTH": (50, 50)}, True, 2),
        )
    return history


def test_a_watch_tells_the_history_and_counts_chunks_from_the_step_hook() -> None:
    # Given a gold load whose history has its plan and one loaded config
    display = Recording()
    watch = RunWatch("gold-load", display)
    history = gold_load_history(done=False)
    watch.read_history_with(lambda arn: history.events)
    # When the step hook sees order_auth start its first chunk and the history is read
    watch.step("merge-chunk:order_auth")
    watch.step("copy-created:IMS_ORDER")  # other points are not chunks
    watch.poll("arn")
    # Then the news are the history's lines
    assert display.news_lines[0].startswith("plan: 12 customer(s) requested")
    assert display.news_lines[1].startswith("customer loaded: IMS_CUSTOMER 10 rows read")
    # And the bars say chunks done of the plan's chunk count, with rows once known
    bars = {bar.name: bar for bar in watch.bars()}
    assert (bars["customer"].done, bars["customer"].total, bars["customer"].rows) == (2, 2, 10)
    assert bars["customer"].finished
    assert (bars["order_auth"].done, bars["order_auth"].total) == (0, 2)
    assert bars["order_auth"].rows is None
    assert not bars["order_auth"].finished
    # And the status line names the running config's chunks
    watch.step("merge-chunk:order_auth")
    status = watch.status()
    assert "1 of 2 config(s) done, 10 rows written" in status
    assert "order_auth 1/2 chunks" in status
    assert status.startswith("gold-load still running after ")


def test_rows_of_a_running_config_grow_with_each_chunk_committed() -> None:
    # Given a gold load whose order_auth config is still in its one (local) call
    watch = RunWatch("gold-load", Recording())
    history = gold_load_history(done=False)
    watch.read_history_with(lambda arn: history.events)
    watch.poll("arn")
    # When its first chunk is committed with 90 rows and its second begins
    watch.step("merge-chunk:order_auth")
    watch.step("chunk-loaded:order_auth:90")
    watch.step("merge-chunk:order_auth")
    # Then its bar and the status line show those rows before the call returns
    bars = {bar.name: bar for bar in watch.bars()}
    assert bars["order_auth"].rows == 90
    status = watch.status()
    assert "1 of 2 config(s) done, 100 rows written" in status
    assert "order_auth 1/2 chunks, 90 rows" in status
    # And once the config's result is in the history, its rows are the reported ones
    history.task(
        "Load config chunks",
        config_task("order_auth"),
        loaded("order_auth", {"IMS_ORDER": (40, 40), "IMS_AUTH": (50, 50)}, True, 2),
    )
    watch.poll("arn", force=True)
    assert {bar.name: bar.rows for bar in watch.bars()}["order_auth"] == 90
    assert watch.progress.rows_so_far == 100  # the live rows are not counted twice


def test_history_is_read_at_most_once_a_second_unless_forced() -> None:
    reads: list[str] = []
    watch = RunWatch("gold-load", Recording())
    watch.read_history_with(lambda arn: reads.append(arn) or [])  # type: ignore[func-returns-value]
    watch.poll("arn")
    watch.poll("arn")
    assert reads == ["arn"]
    watch.poll("arn", force=True)
    assert reads == ["arn", "arn"]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_where_tasks_are_known_to_move_the_history_is_read_again_only_after_a_move() -> None:
    # Given a watch whose runtime tells when a task last started or returned
    clock, reads = Clock(), []
    moved = {"at": 0.0}
    watch = RunWatch("gold-load", Recording(), clock=clock)
    watch.read_history_with(
        lambda arn: reads.append(clock.now) or [],  # type: ignore[func-returns-value]
        lambda: moved["at"],
    )

    def polls_every_quarter_second(seconds: float) -> None:
        for _ in range(int(seconds * 4)):
            clock.now += 0.25
            watch.poll("arn")

    # When it is polled with no task moving after the first read
    watch.poll("arn")
    polls_every_quarter_second(9)
    # Then the history was read once
    assert reads == [100.0]
    # When a task returns, polls go on for 3 s
    moved["at"] = clock.now
    polls_every_quarter_second(3)
    # Then it is read twice: once as soon as a second has passed since the last read, and
    # once more a second later (the first may have come before the states after the move)
    assert reads == [100.0, 109.25, 110.25]
    # And after ten quiet seconds it is read anyway
    polls_every_quarter_second(9)
    assert reads[3:] == [120.25]
    # And a forced read happens whatever the time
    watch.poll("arn", force=True)
    assert reads[4:] == [clock.now]


def test_a_reset_shows_one_bar_of_tables_copied() -> None:
    history = History()
    reset_plan = ResetPlan(
        run_id="reset-1",
        tables=["IMS_CUSTOMER", "IMS_ORDER"],
        started_at="2025-04-01T06:30:00.000+00:00",
        waited_for_gold_loads=[],
        waited_for_gold_loads_seconds=0.0,
        superseded_resets=[],
        leftovers_dropped=[],
    )
    history.task("Prepare reset", {}, reset_plan.model_dump(mode="json"))
    history.task("Copy table", copy_task("IMS_ORDER"), copied("IMS_ORDER", 40))
    watch = RunWatch("reset", Recording())
    watch.read_history_with(lambda arn: history.events)
    watch.poll("arn")
    (bar,) = watch.bars()
    assert (bar.name, bar.done, bar.total, bar.rows, bar.unit) == (
        "tables copied",
        1,
        2,
        40,
        "tables",
    )
    assert not bar.finished


def test_before_any_config_the_status_says_what_runs() -> None:
    watch = RunWatch("reset", Recording())
    assert re.fullmatch(r"reset still running after \d+s", watch.status())


def test_plain_lines_are_timestamped_and_come_after_a_quiet_spell(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = PlainLines(heartbeat_seconds=0.2)
    lines.news("plan: 3 customers")
    lines.tick("status one", [])  # too soon after the news
    time.sleep(0.25)
    lines.tick("status two", [])
    printed = capsys.readouterr().out.splitlines()
    assert [line.split(" ", 1)[1] for line in printed] == ["plan: 3 customers", "status two"]
    assert all(re.match(STAMP + " ", line) for line in printed)


def test_kept_up_ticks_while_the_block_runs_and_closes_the_display() -> None:
    display = Recording()
    ticked = threading.Event()
    with kept_up(ticked.set, display):
        assert ticked.wait(5 * live_progress.TICK_SECONDS)
    assert display.closed


def test_eta_from_the_rate_so_far() -> None:
    assert eta_seconds(2, 10, started=100.0, now=110.0) == pytest.approx(40.0)
    assert eta_seconds(0, 10, started=100.0, now=110.0) is None
    assert eta_seconds(10, 10, started=100.0, now=110.0) is None
    assert eta_seconds(2, None, started=100.0, now=110.0) is None


def test_the_seed_status_names_customers_rows_and_tables() -> None:
    watch = SeedWatch("ims_warehouse", 5000, Recording())
    assert "creating the schemas" in watch.status()
    watch.update(2000, {"oframe_prd_s.ims_customer": 2000, "oframe_prd_s.ims_order": 9000})
    status = watch.status()
    assert "2,000 of 5,000 customers, 11,000 rows" in status
    assert "ims_customer 2,000, ims_order 9,000" in status
    assert "ETA" in status
    watch.update(5000, {"oframe_prd_s.ims_customer": 5000})
    assert "all 5,000 customers written, analyzing the tables" in watch.status()


def test_the_bars_show_chunks_rows_and_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the terminal display drawing on a captured stderr
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    bars = LiveBars()
    started = time.monotonic()
    # When two configs are drawn, one failed
    bars.tick(
        "gold-load still running after 5s",
        [
            Bar("order_auth", 3, 10, 1234, started, finished=False),
            Bar("customer", 10, 10, 50, started, finished=True, failed=True),
        ],
    )
    bars.news("customer FAILED: WarehouseQueryError")
    bars.close()
    drawn = stderr.getvalue()
    # Then each bar shows its chunks and rows, the status and news are there too
    assert "3/10 chunks" in drawn
    assert "1,234 rows" in drawn
    assert "FAILED" in drawn
    assert "gold-load still running after 5s" in drawn
    assert "customer FAILED: WarehouseQueryError" in drawn

"""Progress of a local command while it works (``run``, ``demo``, ``seed-warehouse``).

Where it goes (docs/cli.md "Progress"):

- stderr at a terminal: a live display (``live_bars``: one bar per table config with
  chunks done / total, rows, elapsed and ETA), the execution's news printed above it;
- anywhere else (Automic job logs, CI, a pipe): plain timestamped lines on stdout (stderr
  with ``--json``, like all of a command's other output), one per piece of news and a
  status line after :data:`HEARTBEAT_SECONDS` without one, so a log never goes quiet for
  long while work runs.

A local run's news is what ``start --wait`` tells of a deployed one: the execution history
read through :class:`~ims_refresh.progress.ExecutionProgress`. Locally one Lambda call
loads every chunk of a config, so chunks are also counted live from the run's step hook
(``merge-chunk:<config>``, ``training_refresh.hooks``), which the load calls before each
chunk it writes. A preview (dry run) writes none, so its configs show only when counted.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final, Protocol

from ims_refresh.live_bars import Bar, LiveBars
from ims_refresh.progress import ExecutionProgress, ProgressLine, Unit, duration_text, timestamp
from training_refresh.hooks import CHUNK_LOADED
from training_refresh.messages.gold_load import GoldLoadPlan

HEARTBEAT_SECONDS: Final = 5.0
"""A status line after this long without one (the promise to operators: every 10 s)."""
TICK_SECONDS: Final = 0.5
"""How often the display thread looks whether a line or a redraw is due."""
HISTORY_POLL_SECONDS: Final = 1.0
"""The execution history is read at most this often."""
QUIET_HISTORY_SECONDS: Final = 10.0
"""While no task starts or returns, the history is read only this often. Each read costs
moto tens of milliseconds of the GIL (it serializes the whole history, ~50 events of a
gold load): read every second, they took 8 % of a 10,000-customer load's GIL time."""
MERGE_CHUNK: Final = "merge-chunk:"


class Display(Protocol):
    def news(self, text: str) -> None: ...

    def tick(self, status: str, bars: list[Bar]) -> None: ...

    def close(self) -> None: ...


class PlainLines:
    """Timestamped lines on stdout; the status line after a quiet spell."""

    def __init__(self, heartbeat_seconds: float = HEARTBEAT_SECONDS) -> None:
        self.heartbeat_seconds = heartbeat_seconds
        self._last = time.monotonic()

    def news(self, text: str) -> None:
        self._print(f"{timestamp(None)} {text}")

    def _print(self, line: str) -> None:
        out = sys.stdout  # looked up each time: --json sends it to stderr
        print(line, file=out, flush=True)
        self._last = time.monotonic()

    def tick(self, status: str, bars: list[Bar]) -> None:
        if time.monotonic() - self._last >= self.heartbeat_seconds:
            self.news(status)

    def close(self) -> None:
        """Nothing to take down."""


def eta_seconds(done: int, total: int | None, started: float | None, now: float) -> float | None:
    """The time left at the rate so far, or None before there is a rate."""
    if total is None or started is None or done <= 0 or done >= total:
        return None
    return (now - started) / done * (total - done)


class Ticking:
    """Calls ``tick`` every :data:`TICK_SECONDS` on a daemon thread until stopped."""

    def __init__(self, tick: Callable[[], None]) -> None:
        self._tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ims-progress", daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            self._tick()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)


def choose_display() -> Display:
    """The live display at a terminal (stderr), plain lines elsewhere."""
    isatty = getattr(sys.stderr, "isatty", None)
    if callable(isatty) and isatty():
        return LiveBars()
    return PlainLines()


class RunWatch:
    """One local run's progress: news from its history, chunks from its step hook.

    Every method may be called from any thread (the Map's branches run the step hook on
    moto's threads); one lock guards the state and the display."""

    def __init__(
        self, workflow: str, display: Display, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.workflow = workflow
        self._clock = clock
        self.display = display
        self.progress = ExecutionProgress(workflow)
        self._lock = threading.RLock()
        self._started = clock()
        self._chunks: dict[str, int] = {}
        self._rows: dict[str, int] = {}
        self._first_chunk: dict[str, float] = {}
        self._events: Callable[[str], list[dict[str, Any]]] | None = None
        self._last_move: Callable[[], float] | None = None
        self._last_poll: float | None = None

    # -------------------------------------------------------------- what comes in

    def say(self, text: str) -> None:
        with self._lock:
            self.display.news(text)

    def step(self, name: str) -> None:
        """The run's step hook (``training_refresh.hooks``): counts chunks as they merge
        and the rows of each chunk committed."""
        if name.startswith(CHUNK_LOADED):
            config, _, rows = name.removeprefix(CHUNK_LOADED).rpartition(":")
            with self._lock:
                self._rows[config] = self._rows.get(config, 0) + int(rows or 0)
            return
        if not name.startswith(MERGE_CHUNK):
            return
        config = name.removeprefix(MERGE_CHUNK)
        with self._lock:
            self._chunks[config] = self._chunks.get(config, 0) + 1
            self._first_chunk.setdefault(config, self._clock())

    def _reported_rows(self, unit: Unit) -> int:
        key = "rows_read" if self.progress.dry_run else "rows_written"
        return sum(counts.get(key, 0) for counts in unit.tables.values())

    def _rows_of(self, unit: Unit, finished: bool) -> int | None:
        """A config's rows: from its results in the history, and while it runs also those
        of the chunks committed since (locally one call loads all of a config's chunks)."""
        live = 0 if finished else self._rows.get(unit.name, 0)
        if not unit.tables and not live:
            return None
        return max(self._reported_rows(unit), live)

    def _rows_so_far(self) -> int:
        """The history's rows, plus the live rows of configs still running."""
        extra = sum(
            max(0, self._rows.get(unit.name, 0) - self._reported_rows(unit))
            for unit in self.progress.units.values()
            if unit.status == "running"
        )
        return self.progress.rows_so_far + extra

    def read_history_with(
        self,
        events: Callable[[str], list[dict[str, Any]]],
        last_move: Callable[[], float] | None = None,
    ) -> None:
        """Read the history with ``events``; ``last_move`` tells when a task last started
        or returned (``time.monotonic``), without it every poll may read."""
        self._events = events
        self._last_move = last_move

    def poll(self, arn: str, *, force: bool = False) -> None:
        """Read the execution's history when :meth:`_history_due` (or forced)."""
        now = self._clock()
        if self._events is None or not (force or self._history_due(now)):
            return
        self._last_poll = now
        try:
            events = self._events(arn)
            with self._lock:
                lines: list[ProgressLine] = self.progress.apply(events)
                for line in lines:
                    self.display.news(line.text)
        except Exception as error:  # a display never fails the run it shows
            self._events = None
            self.say(f"(no more progress news: {type(error).__name__})")

    def _history_due(self, now: float) -> bool:
        """At most every :data:`HISTORY_POLL_SECONDS`. Where the runtime tells when tasks
        move, only after a move that no read followed by at least that long (a read right
        after a task returned may come before the states after it), or after
        :data:`QUIET_HISTORY_SECONDS` of quiet."""
        if self._last_poll is None:
            return True
        since = now - self._last_poll
        if since < HISTORY_POLL_SECONDS:
            return False
        if self._last_move is None or since >= QUIET_HISTORY_SECONDS:
            return True
        return self._last_move() >= self._last_poll - HISTORY_POLL_SECONDS

    # -------------------------------------------------------------- what goes out

    def tick(self) -> None:
        with self._lock:
            self.display.tick(self.status(), self.bars())

    def _chunk_total(self) -> int | None:
        plan = self.progress.plan
        return plan.chunk_count if isinstance(plan, GoldLoadPlan) else None

    def bars(self) -> list[Bar]:
        """One bar per config of a gold load; one bar of tables copied for a reset."""
        if self.workflow == "reset":
            return self._tables_bar()
        total = self._chunk_total()
        bars = []
        for unit in self.progress.units.values():
            finished = unit.status != "running"
            if total is None:
                done, of = (1 if finished else 0), 1
            else:
                # the hook fires before a chunk is written: the latest one is under way
                done = total if finished else max(0, self._chunks.get(unit.name, 0) - 1)
                of = total
            bars.append(
                Bar(
                    name=unit.name,
                    done=done,
                    total=of,
                    rows=self._rows_of(unit, finished),
                    started=self._first_chunk.get(unit.name),
                    finished=finished,
                    failed=unit.status == "failed",
                )
            )
        return bars

    def _tables_bar(self) -> list[Bar]:
        units = self.progress.units
        if not units:
            return []
        done = self.progress.done
        return [
            Bar(
                name="tables copied",
                done=done,
                total=len(units),
                rows=self.progress.rows_so_far,
                started=self._started,
                finished=done == len(units),
                failed=any(unit.status == "failed" for unit in units.values()),
                unit="tables",
            )
        ]

    def status(self) -> str:
        """``gold-load still running after 25s: 2 of 6 config(s) done, 9,000 rows written;
        order_auth 3/10 chunks, 4,000 rows (ETA 40s)`` (``now: <steps>`` before chunks are
        counted); rows count the chunks committed so far."""
        now = self._clock()
        elapsed = now - self._started
        chunks = []
        for bar in self.bars():
            if bar.finished or bar.unit != "chunks" or bar.started is None:
                continue
            eta = eta_seconds(bar.done, bar.total, bar.started, now)
            chunks.append(
                f"{bar.name} {bar.done}/{bar.total} chunks"
                + (f", {bar.rows:,} rows" if bar.rows else "")
                + (f" (ETA {duration_text(eta)})" if eta is not None else "")
            )
        if not chunks:
            return f"{self.workflow} {self.progress.heartbeat(elapsed)}"
        progress = self.progress
        tally = (
            f"{progress.done} of {len(progress.units)} {progress.unit_kind}(s) done, "
            f"{self._rows_so_far():,} rows {'read' if progress.dry_run else 'written'}"
        )
        return (
            f"{self.workflow} still running after {duration_text(elapsed)}: {tally}; "
            + "; ".join(chunks)
        )


@contextmanager
def kept_up(tick: Callable[[], None], display: Display) -> Iterator[None]:
    """``tick`` every :data:`TICK_SECONDS` while the block runs; the display closed after."""
    ticking = Ticking(tick)
    ticking.start()
    try:
        yield
    finally:
        ticking.stop()
        tick()  # the display ends showing where the work ended
        display.close()


@contextmanager
def watching(workflow: str, display: Display | None = None) -> Iterator[RunWatch]:
    """A :class:`RunWatch` whose display is kept up to date until the block ends."""
    watch = RunWatch(workflow, display or choose_display())
    with kept_up(watch.tick, watch.display):
        yield watch

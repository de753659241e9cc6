"""The statement pipeline: statements in order on one writer thread, failures handed back."""

from __future__ import annotations

import threading

import pytest

from training_refresh.adapters.mysql_pipeline import (
    PIPELINE_DEPTH,
    StatementFailed,
    StatementPipeline,
)


class RecordingCursor:
    """Records the statements it runs and the thread that runs them; fails on ``fail_on``."""

    def __init__(self, fail_on: str | None = None, hold: threading.Event | None = None) -> None:
        self.executed: list[str] = []
        self.threads: set[str] = set()
        self.fail_on = fail_on
        self.hold = hold

    def execute(self, query: str, args: object = None) -> int:
        if self.hold is not None:
            self.hold.wait(5)
        self.threads.add(threading.current_thread().name)
        if query == self.fail_on:
            raise ValueError("refused")
        self.executed.append(query)
        return len(query)


def test_statements_run_in_order_on_the_writer_and_report_their_rows() -> None:
    # Given a pipeline on a recording cursor
    cursor = RecordingCursor()
    rows: list[int] = []
    # When statements are submitted and the pipeline drained
    with StatementPipeline[str](cursor) as pipeline:
        for sql in ("a", "bb", "ccc", "dddd"):
            pipeline.submit(sql, sql, rows.append)
        pipeline.drain()
    # Then they ran in order, on the writer thread, and each reported its count
    assert cursor.executed == ["a", "bb", "ccc", "dddd"]
    assert cursor.threads == {"mysql-pipeline"}
    assert rows == [1, 2, 3, 4]


def run_all(cursor: RecordingCursor, statements: list[str]) -> None:
    with StatementPipeline[str](cursor) as pipeline:
        for sql in statements:
            pipeline.submit(sql, f"tag {sql}")
        pipeline.drain()


def test_a_failed_statement_drops_the_ones_after_it_and_is_raised_with_its_tag() -> None:
    # Given a cursor that refuses statement "b"
    cursor = RecordingCursor(fail_on="b")
    # When a, b, c are submitted and the pipeline drained
    with pytest.raises(StatementFailed) as failed:
        run_all(cursor, ["a", "b", "c"])
    # Then only "a" ran, and the failure names b's tag and carries the cursor's error
    assert cursor.executed == ["a"]
    assert failed.value.tag == "tag b"
    assert isinstance(failed.value.error, ValueError)


def submit_many(pipeline: StatementPipeline[int], count: int) -> None:
    for n in range(count):
        pipeline.submit(f"later {n}", n)


def test_a_failure_stops_the_caller_at_its_next_submit() -> None:
    cursor = RecordingCursor(fail_on="first")
    with StatementPipeline[int](cursor) as pipeline:
        pipeline.submit("first", 1)
        with pytest.raises(StatementFailed) as failed:
            submit_many(pipeline, 100)  # the writer takes no more once "first" failed
    assert failed.value.tag == 1
    assert cursor.executed == []


def test_submitting_waits_while_the_queue_is_full() -> None:
    # Given a writer held inside its first statement
    hold = threading.Event()
    cursor = RecordingCursor(hold=hold)
    with StatementPipeline[int](cursor) as pipeline:
        pipeline.submit("in flight", 0)
        for n in range(PIPELINE_DEPTH):
            pipeline.submit(f"queued {n}", n)
        # When one more is submitted on another thread
        submitter = threading.Thread(target=pipeline.submit, args=("one more", 9))
        submitter.start()
        submitter.join(0.3)
        # Then it waits until the writer moves on
        assert submitter.is_alive()
        hold.set()
        submitter.join(5)
        assert not submitter.is_alive()
        pipeline.drain()
    assert cursor.executed[-1] == "one more"


def fail_with_a_statement_in_flight(cursor: RecordingCursor) -> None:
    with StatementPipeline[int](cursor) as pipeline:
        pipeline.submit("in flight", 0)
        raise RuntimeError("the caller's own failure")


def test_leaving_the_block_on_an_error_waits_for_the_statement_in_flight() -> None:
    # Given a writer held inside a statement
    hold = threading.Event()
    cursor = RecordingCursor(hold=hold)
    threading.Timer(0.2, hold.set).start()
    # When the caller fails while it runs
    with pytest.raises(RuntimeError):
        fail_with_a_statement_in_flight(cursor)
    # Then the block ended only once the statement was done (the connection is free)
    assert cursor.executed == ["in flight"]
    assert not any(t.name == "mysql-pipeline" for t in threading.enumerate())

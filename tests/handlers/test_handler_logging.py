"""The handlers' shared Powertools logger writes to the standard stream of the moment.

It is made once, when the handlers are first imported. It used to keep the ``sys.stdout``
of that moment: under pytest's ``capsys`` (or any wrapper the CLI puts around stdout) that
stream is closed afterwards, and the next local run failed with "I/O operation on closed
file" when it pointed the logger at stderr, depending on which test imported it first.
"""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from training_refresh.handlers.observability import CurrentStream, logger


def test_log_lines_go_to_the_stdout_of_the_moment_not_the_first_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a stdout the logger wrote to, closed since (as capsys closes its capture)
    first = io.StringIO()
    monkeypatch.setattr(sys, "stdout", first)
    logger.warning("before")
    assert json.loads(first.getvalue())["message"] == "before"
    first.close()
    # When stdout is another stream and the logger writes again
    second = io.StringIO()
    monkeypatch.setattr(sys, "stdout", second)
    logger.warning("after")
    # Then the line is in the new stream, and nothing failed
    assert json.loads(second.getvalue())["message"] == "after"


def test_pointing_the_logger_elsewhere_and_back_survives_a_closed_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The local runtime points the logger at stderr while it runs and back afterwards;
    # StreamHandler.setStream flushes the stream it replaces, which once was a closed one.
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    gone = io.StringIO()
    monkeypatch.setattr(sys, "stdout", gone)
    gone.close()
    errors = io.StringIO()
    monkeypatch.setattr(sys, "stderr", errors)
    previous = handler.setStream(CurrentStream("stderr"))
    try:
        logger.warning("while a local run runs")
    finally:
        handler.setStream(previous)
    assert json.loads(errors.getvalue())["message"] == "while a local run runs"

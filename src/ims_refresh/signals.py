"""SIGTERM stops a command the way Ctrl-C does (an Automic job cancelled, ``kill PID``).

While :func:`sigterm_interrupts` is active, SIGTERM raises :class:`Terminated`, a
``KeyboardInterrupt``: whatever cleans up after Ctrl-C (a local run releasing what it
holds) cleans up after SIGTERM too, and ``cli.main`` turns both into one line and exit
code 130 (docs/design.md §6.2).
"""

from __future__ import annotations

import signal
import types
from collections.abc import Iterator
from contextlib import contextmanager


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM."""


def _raise_terminated(_signum: int, _frame: types.FrameType | None) -> None:
    raise Terminated


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread (a test calling main): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def ignoring_interrupts() -> Iterator[None]:
    """Ctrl-C and SIGTERM are ignored for the body: a run that is releasing what it holds
    finishes doing so (the body is short)."""
    try:
        previous = {
            sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)
        }
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

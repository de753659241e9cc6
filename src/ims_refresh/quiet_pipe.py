"""A closed stdout (``ims-refresh runs | head -1``) ends the output, not the command.

Python raises ``BrokenPipeError`` at the next write once the reader has gone, and again
when it flushes stdout at exit. While :func:`quiet_broken_pipe` is active, stdout is a
thin wrapper that, on the first broken pipe, points the process's stdout at
``os.devnull`` and drops what is still written: the command finishes its work (a reset
that already swapped still writes its report) and exits with its own code, silently.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO


class _QuietStdout(io.TextIOBase):
    def __init__(self, target: TextIO) -> None:
        self._target = target
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self._target.write(text)
            except BrokenPipeError:
                self._silence()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._target.flush()
            except BrokenPipeError:
                self._silence()

    def _silence(self) -> None:
        self.broken = True
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._target.fileno())
            os.close(devnull)

    def isatty(self) -> bool:
        return not self.broken and self._target.isatty()

    def fileno(self) -> int:
        return self._target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._target.encoding

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


@contextlib.contextmanager
def quiet_broken_pipe() -> Iterator[None]:
    original = sys.stdout
    quiet = _QuietStdout(original)
    sys.stdout = quiet
    try:
        yield
    finally:
        sys.stdout = original
        if quiet.broken:
            with contextlib.suppress(BrokenPipeError, OSError, ValueError):
                original.flush()

"""``--json``: exactly one JSON document on stdout; everything else goes to stderr.

``cli.main`` runs a command inside :func:`json_mode` when ``--json`` is given: while it is
active, whatever the command prints to ``sys.stdout`` (summaries, progress, notes) goes to
stderr instead, and the documents the command publishes (:func:`publish`) are collected.
When the command ends, ``cli.main`` prints the last one to the real stdout, or, when the
command failed before it had one, ``{"error": {"message": ..., "exit_code": ...}}`` with
the one line it printed on stderr (:func:`note_error`).

A command that calls another (``demo`` runs a gold load and a reset) gathers their
documents with :func:`collecting` and publishes one of its own. Outside ``json_mode``
(tests calling a command function directly), :func:`publish` prints the document to the
stream it is given.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO


@dataclass
class Collected:
    documents: list[Any] = field(default_factory=list)
    error: str | None = None


_collectors: list[Collected] = []


def render(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, default=str)


def publish(document: Any, out: TextIO | None = None) -> None:
    """The command's JSON document: collected in :func:`json_mode`, else printed to
    ``out`` (default ``sys.stdout``)."""
    if _collectors:
        _collectors[-1].documents.append(document)
        return
    print(render(document), file=out or sys.stdout, flush=True)


def offer(document: Any) -> None:
    """A document for ``--json`` only: collected in :func:`json_mode`, dropped otherwise
    (a local run's report, which is also saved to a file)."""
    if _collectors:
        _collectors[-1].documents.append(document)


def note_error(line: str) -> None:
    """The one line a failing command printed on stderr (kept for its JSON document)."""
    for collected in _collectors:
        collected.error = line


def json_active() -> bool:
    return bool(_collectors)


@contextlib.contextmanager
def collecting() -> Iterator[Collected]:
    """Gather the documents published inside (see the module docstring)."""
    collected = Collected()
    _collectors.append(collected)
    try:
        yield collected
    finally:
        _collectors.remove(collected)


@contextlib.contextmanager
def json_mode() -> Iterator[Collected]:
    """stdout goes to stderr inside; the caller prints the one document afterwards."""
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        with collecting() as collected:
            yield collected
    finally:
        sys.stdout = real_stdout


def final_document(collected: Collected, exit_code: int) -> Any:
    if collected.documents:
        return collected.documents[-1]
    return {"error": {"message": collected.error, "exit_code": exit_code}}

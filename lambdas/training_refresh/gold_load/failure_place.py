"""Where a config's load failed: the chunk, and the table when one is to blame.

A Lambda error reaches the state machine's ``Catch`` as its name and message only (the
``Record config failure`` state keeps them with the input of the failing call), and on
this machine one call loads every chunk of a config. So the load step puts the place in
front of the message of a domain error it lets through, ``chunk 3 of 10, IMS_AUTH: ...``,
keeping the error's class (the name the ASL matches), and the report step reads it back
(:func:`place_of`) into ``failed_chunk`` and ``failed_table``. The place holds no data:
a chunk's number and a table's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from training_refresh.errors import TrainingRefreshError

_PLACE = re.compile(r"^chunk (?P<chunk>\d+) of (?P<of>\d+)(?:, (?P<table>[A-Za-z0-9_$]+))?: ")


@dataclass(frozen=True)
class FailurePlace:
    chunk: int
    """The failing chunk's number, from 1."""
    of: int
    table: str | None = None
    """The training table whose statement or rows failed; None when the error was not one
    table's (the chunk's transaction, the lease)."""

    def prefix(self) -> str:
        return f"chunk {self.chunk} of {self.of}{f', {self.table}' if self.table else ''}: "


def place_of(message: str | None) -> FailurePlace | None:
    """The place :func:`failing_at` put in front of an error message, if any."""
    found = _PLACE.match(message or "")
    if found is None:
        return None
    return FailurePlace(int(found["chunk"]), int(found["of"]), found["table"])


class TableInHand:
    """The table whose rows a chunk's merge is reading or writing (set as its rows are
    first read; the merge consumes one table's rows after the other)."""

    def __init__(self) -> None:
        self.table: str | None = None


@contextmanager
def failing_at(index: int, of: int, in_hand: TableInHand | None = None) -> Iterator[None]:
    """A domain error leaving the block leaves it with the place in front of its message
    (chunk ``index + 1`` of ``of``); one placed already keeps its place."""
    try:
        yield
    except TrainingRefreshError as error:
        if place_of(str(error)) is not None:
            raise
        place = FailurePlace(index + 1, of, in_hand.table if in_hand else None)
        try:
            placed = type(error)(place.prefix() + str(error))
        except TypeError:  # a class that takes other arguments: left as it is
            raise error from None
        raise placed from None

"""Where an e-mail address (or its local part) stands in a text as a whole, not as a piece
of a longer address: the boundary rules of the ``own_email`` identity rule (identity.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

_ATEXT_SYMBOLS: Final = frozenset("!#$%&'*+/=?^`{|}~-_")
"""RFC 5322 atext symbols: characters that may continue an address's local part."""


def _is_atext(char: str) -> bool:
    return char.isalnum() or char in _ATEXT_SYMBOLS


def stands_apart(text: str, start: int, end: int, is_local_part: bool) -> bool:
    """Whether ``text[start:end]`` is a whole address (or local part), not a piece of one."""
    before = text[start - 1] if start else " "
    if _is_atext(before) or before in ".@":
        return False
    after = text[end : end + 2]
    if not after:
        return True
    if after[0] == "." and len(after) > 1 and _is_atext(after[1]):
        return False
    if is_local_part:
        return not _is_atext(after[0])
    return not (after[0].isalnum() or after[0] in "-_")


def occurrences(text: str, needle: str) -> Iterator[int]:
    start = text.find(needle)
    while start >= 0:
        yield start
        start = text.find(needle, start + 1)

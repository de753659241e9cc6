"""The command line's exit codes (docs/design.md §6)."""

from enum import IntEnum


class ExitCode(IntEnum):
    SUCCESS = 0
    FAILED = 1
    BAD_INPUT = 2
    GAVE_UP_WAITING = 3
    INTERRUPTED = 130
    """A local command stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it)."""

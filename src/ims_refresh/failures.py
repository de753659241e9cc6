"""What a failed command prints and exits with: one line on stderr, the documented code.

Usage errors (bad input, a deployment that cannot be found, unusable settings) exit 2:
nothing was started or written. Everything else that stops a command before its workflow
ran (AWS or a database unreachable) exits 1 (docs/design.md §6.2).
"""

from __future__ import annotations

from typing import TextIO

from ims_refresh.aws.targets import TargetError
from ims_refresh.exit_codes import ExitCode
from ims_refresh.settings import SettingsError
from training_refresh.errors import BadInputError

USAGE_ERRORS: tuple[type[Exception], ...] = (BadInputError, TargetError, SettingsError)


def fail(err: TextIO, error: Exception) -> ExitCode:
    """Print ``error`` as one line and return its exit code."""
    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, USAGE_ERRORS):
        print(f"ims-refresh: bad input: {text}", file=err, flush=True)
        return ExitCode.BAD_INPUT
    print(f"ims-refresh: {text}", file=err, flush=True)
    return ExitCode.FAILED

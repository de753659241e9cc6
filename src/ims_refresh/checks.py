"""Checks of files and folders that a command makes before it writes anything.

Each failure is a ``BadInputError`` (exit 2) naming the path and what is wrong with it, so
a run that could not write its report, or a scenario file too big to load, is refused
before any database or workflow is touched.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from training_refresh.errors import BadInputError, ScenarioFileError
from training_refresh.gold_load.plan import MAX_SCENARIO_FILE_BYTES


def writable_report_dir(path: Path) -> Path:
    """``path`` as a folder this process can write reports into (created if missing)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise BadInputError(
            f"report folder {path} is a file, not a folder: give --report-dir a folder"
        ) from None
    except OSError as error:
        raise BadInputError(
            f"cannot create report folder {path}: {error.strerror} (--report-dir)"
        ) from None
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".ims-refresh-", suffix=".probe"):
            pass
    except OSError as error:
        raise BadInputError(
            f"cannot write into report folder {path}: {error.strerror} (--report-dir)"
        ) from None
    return path


def read_scenario_file(path: Path) -> bytes:
    """The bytes of a local scenario file, refused before reading when it is not a
    readable regular file or larger than the gold load accepts (20 MiB)."""
    try:
        with path.open("rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ScenarioFileError(f"scenario file {path} is not a regular file")
            if info.st_size > MAX_SCENARIO_FILE_BYTES:
                raise ScenarioFileError(
                    f"scenario file {path} is {_mib(info.st_size)}; the limit is "
                    f"{_mib(MAX_SCENARIO_FILE_BYTES)}: split it into several files"
                )
            # Read one byte past the limit: a file that grows while we read is refused too.
            data = file.read(MAX_SCENARIO_FILE_BYTES + 1)
    except IsADirectoryError:
        raise ScenarioFileError(f"scenario file {path} is a folder, not a file") from None
    except OSError as error:
        raise ScenarioFileError(f"cannot read scenario file {path}: {error.strerror}") from None
    if len(data) > MAX_SCENARIO_FILE_BYTES:
        raise ScenarioFileError(
            f"scenario file {path} is over the limit of {_mib(MAX_SCENARIO_FILE_BYTES)}"
        )
    return data


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"

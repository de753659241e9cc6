"""Names of the tables that hold gold states, derived from the live table's name alone.

A gold-changing run never writes a live gold copy (``T_GOLD``). It fills *build* tables
beside it and publishes them by renaming; the live tables they replace are kept as
*version* tables so that the last gold-changing run can be undone:

* ``T_GOLD__B<tag>`` - a build table of the run whose tag is ``<tag>`` (ten hex digits of
  the SHA-256 of its run id). Only the run holding the gold writer lease has build tables
  that count; any other run's are leftovers of a dead run, dropped by the next run.
* ``T_GOLD__V<n>`` - version ``n`` of ``T_GOLD``: the table as some publication left it,
  kept while a state that an undo can reach still refers to it (``manifest``). The live
  ``T_GOLD`` itself is also a version; the manifest says which.
* ``T_GOLD__O<tag>`` - a table a publication has just replaced and will drop (only the
  manifest table goes this way; gold copies become version tables instead).

Identifiers are at most 64 characters in MySQL. Every name is ``stem + mark + suffix``
with a stem that depends on the live name only (shortened with a hash when the live name
is long), so the tables of one live table are always found by the prefix ``stem + mark``,
whatever run or version made them.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

STATE_TABLE: Final = "IMS_GOLD_STATE"
"""The manifest of the kept gold states; renamed together with every publication."""
CATALOG_TABLE: Final = "IMS_GOLD_CATALOG"
"""Who is in the gold copies and why; versioned like a gold copy."""
RUN_CUSTOMERS_TABLE: Final = "IMS_GOLD_RUN_CUSTOMERS"
"""The customer numbers a running gold-changing run replaces or removes (build only)."""

BUILD_MARK: Final = "__B"
VERSION_MARK: Final = "__V"
RETIRED_MARK: Final = "__O"
MAX_IDENTIFIER: Final = 64
MAX_STEM: Final = 44
"""Leaves 20 characters for a mark and its suffix (a tag or a version number)."""
TAG_LENGTH: Final = 10
_TAG: Final = re.compile(r"^[0-9a-f]{10}$")


def run_tag(run_id: str) -> str:
    """The ten hex digits that mark a run's build tables."""
    return hashlib.sha256(run_id.encode("utf-8")).hexdigest()[:TAG_LENGTH]


def stem(live: str) -> str:
    """The part of every work table's name that comes from ``live``."""
    if len(live) <= MAX_STEM:
        return live
    digest = hashlib.sha256(live.encode("utf-8")).hexdigest()[:8]
    return f"{live[: MAX_STEM - 9]}_{digest}"


def build_table(live: str, tag: str) -> str:
    if not _TAG.match(tag):
        raise ValueError(f"not a run tag: {tag!r}")
    return stem(live) + BUILD_MARK + tag


def retired_table(live: str, tag: str) -> str:
    if not _TAG.match(tag):
        raise ValueError(f"not a run tag: {tag!r}")
    return stem(live) + RETIRED_MARK + tag


def version_table(live: str, version: int) -> str:
    if version < 0:
        raise ValueError(f"versions are not negative: {version}")
    return f"{stem(live)}{VERSION_MARK}{version}"


def work_prefixes(live: str) -> tuple[str, str, str]:
    """The name prefixes of ``live``'s build, version and retired tables."""
    base = stem(live)
    return (base + BUILD_MARK, base + VERSION_MARK, base + RETIRED_MARK)


def version_of_name(live: str, name: str) -> int | None:
    """The version number a version table's name carries, or None if it is none of
    ``live``'s version tables."""
    prefix = stem(live) + VERSION_MARK
    suffix = name.removeprefix(prefix)
    if suffix == name or not suffix.isdigit() or (len(suffix) > 1 and suffix[0] == "0"):
        return None
    return int(suffix)

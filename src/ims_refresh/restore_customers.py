"""Which customers ``run reset`` / ``start reset`` restore: ``--customers N,N,...`` or
``--scenarios FILE``, checked before anything runs (a bad value is exit code 2).

The workflow takes a scenario file in S3, never a list in its input: ``--customers`` is
written as a one-column scenario file (``customer_number`` and one number a line), which
is uploaded like a ``--scenarios`` file. The numbers follow the scenario file's rule
(1-15 digits, spaces around allowed, duplicates count once); an empty list or any bad
value rejects the whole option, naming the first bad values.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from training_refresh.errors import BadInputError
from training_refresh.scenarios import MAX_CUSTOMER_DIGITS, parse_scenario_file

_SHOWN_BAD = 10


@dataclass(frozen=True)
class RestoreChoice:
    """The customers a restore was given, as the workflow's file."""

    customers: tuple[int, ...]
    data: bytes
    """The scenario file the workflow reads."""
    given: str
    """What the operator gave: ``--customers ...`` or the file's path."""
    path: Path | None
    """The local file of ``--scenarios`` (None for ``--customers`` or an ``s3://`` file)."""


def parse_customer_list(text: str) -> tuple[int, ...]:
    """``"12, 34,34"`` -> ``(12, 34)``: sorted, unique; BadInputError otherwise."""
    if not text.strip(" \t,"):
        raise BadInputError("--customers names no customer: give customer numbers N,N,...")
    cells = [cell for cell in text.split(",") if cell.strip(" \t")]
    bad = [cell.strip() for cell in cells if not _is_number(cell)]
    if bad:
        shown = ", ".join(repr(cell[:20]) for cell in bad[:_SHOWN_BAD])
        raise BadInputError(
            f"--customers takes customer numbers of 1-{MAX_CUSTOMER_DIGITS} digits, "
            f"separated by commas; not a customer number: {shown}"
        )
    return tuple(sorted({int(cell) for cell in cells}))


def _is_number(cell: str) -> bool:
    value = cell.strip(" \t")
    return value.isascii() and value.isdigit() and len(value) <= MAX_CUSTOMER_DIGITS


def customers_file(customers: tuple[int, ...]) -> bytes:
    return ("customer_number\n" + "".join(f"{number}\n" for number in customers)).encode()


def from_customers(text: str) -> RestoreChoice:
    customers = parse_customer_list(text)
    return RestoreChoice(customers, customers_file(customers), f"--customers {text}", None)


def from_file(path: Path, data: bytes) -> RestoreChoice:
    customers = parse_scenario_file(data, source=str(path))
    return RestoreChoice(customers, data, str(path), path)


def add_restore_options(parser: argparse.ArgumentParser, scenarios_help: str) -> None:
    """``--customers`` and ``--scenarios`` of ``run reset`` / ``start reset``."""
    restore = parser.add_argument_group(
        "restore some customers only (every other customer's rows stay as they are)"
    )
    chosen = restore.add_mutually_exclusive_group()
    chosen.add_argument(
        "--customers",
        metavar="N,N,...",
        help="restore only these customers' rows in every training table from the gold copies",
    )
    chosen.add_argument("--scenarios", metavar="FILE", help=scenarios_help)


def check_restore_arguments(arguments: argparse.Namespace) -> bool:
    """True for a restore; BadInputError when it is combined with full-reset options."""
    restore = arguments.customers is not None or arguments.scenarios is not None
    if restore and (arguments.tables is not None or arguments.allow_empty):
        raise BadInputError(
            "--customers / --scenarios restore every enabled training table: "
            "leave out --tables and --allow-empty"
        )
    return restore

"""Speed of the privacy gate's scan: seconds per million values, by mix of values.

``python -m bench.privacy_scan`` (a script, not a test; no database) prints, for each mix,
the seconds ``TableScanner.scan`` takes per million values and its ratio to a bare Python
loop over the same values in the same run (the ratio moves far less than seconds on a
shared machine). Each figure is the best of ``--repeats`` (noise only ever adds time),
measured in process CPU time.

- ``realistic``: every kept text column of every table of a synthetic warehouse
  (``ims_refresh.synthetic_samples``: the generator of the local warehouse, demo profile),
  scanned table by table in chunks of 1,000 customers with their own source identities,
  as the gold load does. Mostly short repeated values: statuses, codes, Y/N flags,
  preference values; unique CRNs, auth codes and card_last4.
- ``unique_short``: the realistic values made unique (a tag of letters appended), so no
  value repeats within a chunk: every value is looked at on its own.
- ``near_miss``: free text, every value unique and built to pass the pre-filters without
  holding anything: dates, amounts and order numbers, at signs, accents and emoji.
- ``adversarial``: half near misses, half findings: the row's customer's own names, phone
  numbers, e-mail addresses, card numbers (each such value takes the slow path of a rule).

Also printed: the time to build a chunk's ``IdentityIndex`` (1,000 customers).
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ims_refresh.synthetic_samples import Sample, synthetic_sample
from training_refresh.privacy.identity import CustomerIdentity, IdentityIndex
from training_refresh.privacy.scanner import TableScanner

CUSTOMERS_PER_CHUNK = 1_000
MIXES = ("realistic", "unique_short", "near_miss", "adversarial")


@dataclass(frozen=True)
class _ChunkTable:
    scanner: TableScanner
    positions: tuple[int, ...]
    rows: Sequence[tuple[Any, ...]]
    customers: Sequence[int]
    index: IdentityIndex


def _chunks_of(sample: Sample) -> list[_ChunkTable]:
    """Each table's rows cut into the gold load's chunks of customers."""
    identities = {identity.customer_no: identity for identity in sample.identities}
    order = list(identities)
    chunk_of = {customer: n // CUSTOMERS_PER_CHUNK for n, customer in enumerate(order)}
    indexes = [
        IdentityIndex(identities[c] for c in order[start : start + CUSTOMERS_PER_CHUNK])
        for start in range(0, len(order), CUSTOMERS_PER_CHUNK)
    ]
    chunks: list[_ChunkTable] = []
    for table in sample.tables:
        scanner = TableScanner(table.columns, table.kept_text_columns)
        positions = tuple(table.columns.index(c) for c in table.kept_text_columns)
        split: list[tuple[list[tuple[Any, ...]], list[int]]] = [([], []) for _ in indexes]
        for row, customer in zip(table.rows, table.customer_numbers, strict=True):
            rows, customers = split[chunk_of[customer]]
            rows.append(row)
            customers.append(customer)
        chunks.extend(
            _ChunkTable(scanner, positions, rows, customers, index)
            for (rows, customers), index in zip(split, indexes, strict=True)
        )
    return chunks


def _letters(number: int) -> str:
    """``number`` written in the letters a-z, so a tag never adds digits to a value."""
    tag = ""
    while True:
        number, digit = divmod(number, 26)
        tag += chr(ord("a") + digit)
        if not number:
            return tag


def _made_unique(chunks: list[_ChunkTable]) -> list[_ChunkTable]:
    """The same values, each with a tag of letters of its own (``DELIVEREDbq``, ``1234cz``)."""
    serial = iter(range(10**12))
    unique: list[_ChunkTable] = []
    for chunk in chunks:
        rows = [
            tuple(
                f"{value}{_letters(next(serial))}"
                if isinstance(value, str) and n in chunk.positions
                else value
                for n, value in enumerate(row)
            )
            for row in chunk.rows
        ]
        unique.append(
            _ChunkTable(chunk.scanner, chunk.positions, rows, chunk.customers, chunk.index)
        )
    return unique


_Form = Callable[[random.Random, int, CustomerIdentity], str]
_NEAR_MISSES: tuple[_Form, ...] = (
    lambda r, i, c: f"Order {7_000_000_000 + i} shipped 2026-06-{1 + i % 30:02d} 12:{i % 60:02d}",
    lambda r, i, c: f"total ${r.randint(1, 99_999):,}.{i % 100:02d} incl. tax, ref {i}",
    lambda r, i, c: f"meet @ {i % 12}pm, ask for desk {i}",
    lambda r, i, c: f"Déposer chez la voisine n°{i} \N{EN DASH} chien 🐕 méchant",
    lambda r, i, c: f"Gate code {i % 10_000}#, ring twice, {i} Oak Avenue side entrance ok",
)
"""Values that pass the pre-filters (digits, at signs, accents, emoji) and hold nothing."""
_FINDINGS: tuple[_Form, ...] = (
    lambda r, i, c: f"Leave with Mrs {(c.last_name or 'X').strip()} next door #{i}",
    lambda r, i, c: f"Preferred: {(c.first_name or 'X').strip()} {i} evenings only",
    lambda r, i, c: f"call me at {r.randint(201, 989)}-{r.randint(201, 989)}-{i % 10_000:04d}",
    lambda r, i, c: f"alt e-mail shopper{i}@example.net please",
    lambda r, i, c: f"card {_luhn_number(f'4{i:014d}')} exp 12/29",
)
"""Values that hold something: the row's customer's names, a phone, an address, a card."""


def _luhn_number(payload: str) -> str:
    """``payload`` with the check digit that makes it pass the Luhn check."""
    doubled = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
    total = sum(doubled[int(d)] if n % 2 == 0 else int(d) for n, d in enumerate(reversed(payload)))
    return payload + str(-total % 10)


def _free_text(
    identities: Sequence[CustomerIdentity], count: int, forms: Sequence[_Form]
) -> list[_ChunkTable]:
    """``count`` unique values of one free-text column in the rows of one chunk's customers,
    made by ``forms`` in turn."""
    rng = random.Random(15)
    index = IdentityIndex(identities)
    scanner = TableScanner(("customer_no", "note"), ("note",))
    rows: list[tuple[Any, ...]] = []
    for i in range(count):
        identity = identities[i % len(identities)]
        rows.append((identity.customer_no, forms[i % len(forms)](rng, i, identity)))
    return [
        _ChunkTable(scanner, (1,), part, [row[0] for row in part], index)
        for part in (rows[start : start + 20_000] for start in range(0, count, 20_000))
    ]


def _scan_all(chunks: list[_ChunkTable]) -> int:
    scanned = 0
    for chunk in chunks:
        result = chunk.scanner.scan(chunk.rows, chunk.customers, chunk.index)
        scanned += sum(column.values_scanned for column in result.columns)
    return scanned


def _bare_loop(chunks: list[_ChunkTable]) -> int:
    """The least a Python pass over the same values costs: fetch each, test its type."""
    seen = 0
    for chunk in chunks:
        for position in chunk.positions:
            for row in chunk.rows:
                if type(row[position]) is str:
                    seen += 1
    return seen


def _best(action: Callable[[], int], repeats: int) -> tuple[float, int]:
    best = float("inf")
    result = 0
    for _ in range(repeats):
        started = time.process_time()
        result = action()
        best = min(best, time.process_time() - started)
    return best, result


def measure(
    customers: int = 3_000, adversarial_values: int = 200_000, repeats: int = 5
) -> dict[str, float]:
    """Seconds per million values for each mix, their ratios to a bare loop, and the seconds
    to build the identity index of a chunk of 1,000 customers."""
    sample = synthetic_sample(customers)
    first_chunk = sample.identities[:CUSTOMERS_PER_CHUNK]
    realistic = _chunks_of(sample)
    mixes = {
        "realistic": realistic,
        "unique_short": _made_unique(realistic),
        "near_miss": _free_text(first_chunk, adversarial_values, _NEAR_MISSES),
        "adversarial": _free_text(first_chunk, adversarial_values, _NEAR_MISSES + _FINDINGS),
    }
    # The sample's millions of objects would make every collection of the oldest
    # generation walk them all; the gold load holds only a chunk.
    gc.collect()
    gc.freeze()
    figures: dict[str, float] = {}
    for mix, chunks in mixes.items():
        seconds, values = _best(lambda chunks=chunks: _scan_all(chunks), repeats)
        bare, _ = _best(lambda chunks=chunks: _bare_loop(chunks), repeats)
        figures[f"{mix}_values"] = values
        figures[f"{mix}_seconds_per_million"] = seconds / values * 1e6
        figures[f"{mix}_ratio_to_bare_loop"] = seconds / bare
        figures[f"{mix}_bare_loop_seconds_per_million"] = bare / values * 1e6
    index_seconds, _ = _best(lambda: len(IdentityIndex(first_chunk)), repeats)
    figures["identity_index_seconds_per_1000_customers"] = index_seconds / len(first_chunk) * 1000
    gc.unfreeze()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=3_000)
    parser.add_argument("--adversarial-values", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args()
    figures = measure(arguments.customers, arguments.adversarial_values, arguments.repeats)
    print(f"privacy scan, best of {arguments.repeats}, process CPU time")
    print(f"{'mix':<14} {'values':>10} {'s per million':>14} {'x bare loop':>12} {'bare loop':>10}")
    for mix in MIXES:
        print(
            f"{mix:<14} {figures[f'{mix}_values']:>10,.0f} "
            f"{figures[f'{mix}_seconds_per_million']:>14.3f} "
            f"{figures[f'{mix}_ratio_to_bare_loop']:>12.1f} "
            f"{figures[f'{mix}_bare_loop_seconds_per_million']:>10.3f}"
        )
    index_ms = figures["identity_index_seconds_per_1000_customers"] * 1000
    print(f"identity index of {CUSTOMERS_PER_CHUNK:,} customers: {index_ms:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

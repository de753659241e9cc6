"""``seed-warehouse`` progress: customers and rows per table while the warehouse fills.

The same displays as a local run (``live_progress``): a bar at a terminal, else a
timestamped status line on stdout at least every few seconds while it works.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from ims_refresh.live_bars import Bar
from ims_refresh.live_progress import Display, choose_display, eta_seconds, kept_up
from ims_refresh.progress import duration_text


class SeedWatch:
    def __init__(self, database: str, customers: int, display: Display) -> None:
        self.database = database
        self.customers = customers
        self.display = display
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._done = 0
        self._rows: dict[str, int] = {}

    def update(self, customers_done: int, rows_per_table: Mapping[str, int]) -> None:
        """``synthetic_warehouse.SeedProgress``: called after each batch."""
        with self._lock:
            self._done = customers_done
            self._rows = dict(rows_per_table)

    def status(self) -> str:
        """``seeding ims_warehouse: 2,000 of 5,000 customers, 61,000 rows after 4s (ETA
        6s); ims_customer 2,000, ...``."""
        now = time.monotonic()
        elapsed = duration_text(now - self._started)
        if not self._rows:
            return f"seeding {self.database}: creating the schemas ({elapsed})"
        if self._done >= self.customers:
            return (
                f"seeding {self.database}: all {self.customers:,} customers written, "
                f"analyzing the tables ({elapsed})"
            )
        eta = eta_seconds(self._done, self.customers, self._started, now)
        tables = ", ".join(
            f"{table.rsplit('.', 1)[-1]} {rows:,}" for table, rows in self._rows.items()
        )
        return (
            f"seeding {self.database}: {self._done:,} of {self.customers:,} customers, "
            f"{sum(self._rows.values()):,} rows after {elapsed}"
            + (f" (ETA {duration_text(eta)})" if eta is not None else "")
            + f"; {tables}"
        )

    def tick(self) -> None:
        with self._lock:
            bar = Bar(
                name="customers",
                done=self._done,
                total=self.customers,
                rows=sum(self._rows.values()) if self._rows else None,
                started=self._started,
                finished=self._done >= self.customers,
                unit="customers",
            )
            self.display.tick(self.status(), [bar])


@contextmanager
def watching_seed(
    database: str, customers: int, display: Display | None = None
) -> Iterator[SeedWatch]:
    watch = SeedWatch(database, customers, display or choose_display())
    with kept_up(watch.tick, watch.display):
        yield watch

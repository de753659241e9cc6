"""The live progress display at a terminal: tqdm bars on stderr (``live_progress``).

One bar per table config of a gold load (chunks done / total, rows, elapsed, ETA: tqdm's
own rate and remaining time) or per table of a reset, plus a status bar with the run's
tally; news lines are printed above the bars. Bars are drawn by the display thread only.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from tqdm import tqdm


@dataclass(frozen=True)
class Bar:
    """One line of the live display."""

    name: str
    done: int
    total: int | None
    rows: int | None
    started: float | None
    finished: bool
    failed: bool = False
    unit: str = "chunks"


BAR_FORMAT = "{desc:<20} {bar:20} {n_fmt}/{total_fmt} {unit} [{elapsed}<{remaining}]{postfix}"


class LiveBars:
    def __init__(self) -> None:
        self._bars: dict[str, Any] = {}
        self._status = tqdm(
            total=0, bar_format="{desc}", file=sys.stderr, position=0, leave=False, desc="starting"
        )

    def news(self, text: str) -> None:
        tqdm.write(text, file=sys.stderr)

    def tick(self, status: str, bars: list[Bar]) -> None:
        self._status.set_description_str(status[:200], refresh=True)
        for bar in bars:
            drawn = self._bars.get(bar.name)
            if drawn is None:
                drawn = self._bars[bar.name] = tqdm(
                    total=bar.total,
                    desc=bar.name[:20],
                    unit=bar.unit,
                    bar_format=BAR_FORMAT,
                    file=sys.stderr,
                    position=len(self._bars) + 1,
                    leave=True,
                    dynamic_ncols=True,
                )
            drawn.n = bar.done
            postfix = "" if bar.rows is None else f" {bar.rows:,} rows"
            if bar.failed:
                postfix += " FAILED"
            drawn.set_postfix_str(postfix, refresh=False)
            drawn.refresh()

    def close(self) -> None:
        for drawn in self._bars.values():
            drawn.close()
        self._status.close()

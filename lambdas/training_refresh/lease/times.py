"""How long a refresh lease lives and how long a run waits for the other side.

Why the TTL is 20 minutes by default: see the package docstring. The environment can
shorten every time (``settings.LeaseSettings``); tests use seconds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LeaseTimes:
    """How long a lease lives after its last renewal, and how long to wait for the other
    side before giving up."""

    ttl_seconds: float
    wait_seconds: float
    poll_seconds: float = 1.0

    def __post_init__(self) -> None:
        if self.ttl_seconds <= 0 or self.wait_seconds < 0 or self.poll_seconds <= 0:
            raise ValueError(f"lease times must be positive: {self}")


DEFAULT_GOLD_LOAD_TIMES = LeaseTimes(ttl_seconds=20 * 60, wait_seconds=5 * 60)
DEFAULT_RESET_TIMES = LeaseTimes(ttl_seconds=20 * 60, wait_seconds=5 * 60)

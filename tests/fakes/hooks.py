"""A step hook (``training_refresh.hooks``) that records the points passed and runs what a
test asked for at a named point."""

from __future__ import annotations

import threading
from collections.abc import Callable


class StepHooks:
    def __init__(self) -> None:
        self.passed: list[str] = []
        self._actions: dict[str, Callable[[], None]] = {}
        self._lock = threading.Lock()

    def at(self, name: str, action: Callable[[], None]) -> None:
        """Run ``action`` each time a run passes the point ``name``."""
        self._actions[name] = action

    def __call__(self, name: str) -> None:
        with self._lock:
            self.passed.append(name)
        action = self._actions.get(name)
        if action is not None:
            action()

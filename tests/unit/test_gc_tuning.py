"""The gold-load handlers' process collects garbage less often than CPython's default."""

from __future__ import annotations

import gc
import importlib

from training_refresh.handlers.gc_tuning import GC_THRESHOLDS


def test_loading_the_gold_load_handlers_raises_the_collector_thresholds() -> None:
    # Given the gold-load handler module loaded, as at a Lambda cold start
    importlib.import_module("training_refresh.handlers.gold_load")
    # Then the young generation is collected far less often than every 700 allocations
    assert gc.get_threshold() == GC_THRESHOLDS
    assert GC_THRESHOLDS[0] > 700

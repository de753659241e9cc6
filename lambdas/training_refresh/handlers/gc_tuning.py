"""Garbage-collector thresholds for a process that runs the gold-load handlers.

A gold load creates and frees millions of short-lived containers: the Data API's records
(one dict per value, as botocore parses them), decoded rows, INSERT literals. With
CPython's default thresholds (700, 10, 10) the young generations fill every few hundred
allocations, so a page of records that is still in use gets promoted to the oldest
generation, and every few pages a full collection scans the whole heap (boto3, botocore's
service models, Powertools, and locally moto). Measured locally (docs/benchmarks.md), those
collections took about a sixth of a 10,000-customer load. None of these objects form
reference cycles: reference counting frees them, so collecting less often frees nothing
later and costs little memory.
"""

import gc

GC_THRESHOLDS = (50_000, 20, 100)
"""Young generation collected every 50,000 net allocations instead of 700; the middle and
oldest generations correspondingly less often."""


def tune_garbage_collector() -> None:
    gc.set_threshold(*GC_THRESHOLDS)

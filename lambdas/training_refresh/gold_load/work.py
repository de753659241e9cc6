"""How a gold load cuts its customers into chunks, and where a run keeps them.

Step Functions carries nothing but small state between the steps: the customer list lives
in S3 under the run's work prefix, never in the state payload.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from training_refresh.adapters.object_store import S3Location
from training_refresh.run_files import report_location, work_location

WORKFLOW = "gold-load"
CUSTOMERS_PER_CHUNK = 1_000
"""Customers per extraction statement and per MySQL transaction. 1,000 customer numbers
of up to 15 digits keep the SQL text near 17 KB (limit 100 KB), and at the bench profile's
~100 rows per customer a result stays near 20 MB (limit 500 MB)."""


def chunked(items: Sequence[int], size: int) -> list[Sequence[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass(frozen=True)
class WorkLocations:
    """Where one run keeps its work files and its report."""

    bucket: str
    run_id: str

    @property
    def customers(self) -> S3Location:
        return work_location(self.bucket, WORKFLOW, self.run_id, "customers.json")

    @property
    def requested(self) -> S3Location:
        """How many customers the scenario file asks for, written as soon as it is read: a
        plan that fails later (the warehouse) leaves the report this number."""
        return work_location(self.bucket, WORKFLOW, self.run_id, "requested.json")

    def privacy(self, config: str) -> S3Location:
        """A config's privacy scan totals when the gate blocked it (the report reads them:
        a failed step's result is lost, its error is all Step Functions keeps)."""
        return work_location(self.bucket, WORKFLOW, self.run_id, f"privacy-{config}.json")

    def failure(self, config: str) -> S3Location:
        """What a config's failing load call had read and written (``FailedCallTotals``)."""
        return work_location(self.bucket, WORKFLOW, self.run_id, f"failure-{config}.json")

    @property
    def missing(self) -> S3Location:
        """Every customer of the scenario file the warehouse does not hold (the plan's
        message carries only the first of them)."""
        return work_location(self.bucket, WORKFLOW, self.run_id, "missing.json")

    @property
    def missing_list(self) -> S3Location:
        """A long list of missing customers, beside the run report (one number a line)."""
        return S3Location(self.bucket, self.report.key.removesuffix(".json") + ".missing.csv")

    @property
    def report(self) -> S3Location:
        return report_location(self.bucket, WORKFLOW, self.run_id)

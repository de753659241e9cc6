"""Where a run keeps its files in the work (reports) bucket, and the times reports carry."""

from __future__ import annotations

from datetime import UTC, datetime

from training_refresh.adapters.object_store import S3Location


def report_location(work_bucket: str, workflow: str, run_id: str) -> S3Location:
    """``reports/<workflow>/<run id>.json``: the run report of one execution."""
    return S3Location(work_bucket, f"reports/{workflow}/{run_id}.json")


def work_location(work_bucket: str, workflow: str, run_id: str, name: str) -> S3Location:
    """``work/<workflow>/<run id>/<name>``: a file one run's steps pass between them."""
    return S3Location(work_bucket, f"work/{workflow}/{run_id}/{name}")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def seconds_between(start: str, end: str) -> float:
    try:
        return round(
            (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds(), 3
        )
    except ValueError:
        return 0.0

"""The gold catalog in S3: ``gold/catalog.json`` in the run-files bucket.

Every step that publishes a gold state (a gold load's publish step, a removal, an undo)
writes the live catalog there after its RENAME, so ``ims-refresh gold list --stage S``
reads it with S3 access only (no database access from the operator's host). The file
names the generation and run it was written for; a step retried after its RENAME writes
it again. When the write fails the publication stands (the gold copies are published):
the step's result carries a warning, and the next publication writes the file again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from training_refresh.adapters.mysql import Connection
from training_refresh.adapters.object_store import ObjectStore, S3Location, put_json
from training_refresh.gold_ops.catalog import CatalogEntry, read_entries
from training_refresh.gold_state.store import read_manifest
from training_refresh.run_files import now_iso

CATALOG_KEY = "gold/catalog.json"
CATALOG_PREFIX = "gold/"
"""The key prefix the publishing steps may write (their IAM grant)."""
MAX_CATALOG_FILE_BYTES = 512 * 1024 * 1024


def catalog_location(bucket: str) -> S3Location:
    return S3Location(bucket=bucket, key=CATALOG_KEY)


def catalog_document(
    entries: Sequence[CatalogEntry], *, generation: int, run_id: str | None
) -> dict[str, Any]:
    """The catalog as ``gold list --json`` prints it (the S3 file holds the same)."""
    return {
        "generation": generation,
        "run_id": run_id,
        "written_at": now_iso(),
        "customers": len(entries),
        "entries": [entry.model_dump(mode="json") for entry in entries],
    }


def local_document(connection: Connection, customers: list[int] | None = None) -> dict[str, Any]:
    """The live catalog read from the training database, as a document."""
    with connection.cursor() as cursor:
        current = read_manifest(cursor).current
        entries = read_entries(cursor, customers)
    return catalog_document(entries, generation=current.generation, run_id=current.run_id)


def write_catalog_file(
    store: ObjectStore | None, bucket: str | None, connection: Connection
) -> list[str]:
    """Write the live catalog to S3; returns warnings (none when it was written)."""
    if store is None or not bucket:
        return []
    try:
        put_json(store, catalog_location(bucket), local_document(connection))
    except Exception as error:
        return [
            f"the gold catalog file s3://{bucket}/{CATALOG_KEY} was not written "
            f"({type(error).__name__}); the next publication writes it"
        ]
    return []

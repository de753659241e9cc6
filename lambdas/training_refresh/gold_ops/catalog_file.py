"""The gold catalog in S3: ``gold/catalog.json`` in the run-files bucket.

Every step that publishes a gold state (a gold load's publish step, a removal, an undo)
writes the live catalog there after its RENAME, so ``ims-refresh gold list --stage S``
reads it with S3 access only (no database access from the operator's host). The file
names the generation and run it was written for; a step retried after its RENAME writes
it again. When the write fails the publication stands (the gold copies are published):
the step's result carries a warning, and the next publication writes the file again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from training_refresh.adapters.mysql import Connection, quote_identifier
from training_refresh.adapters.object_store import ObjectStore, S3Location
from training_refresh.gold_ops import catalog
from training_refresh.gold_ops.catalog import CatalogEntry, read_entries
from training_refresh.gold_state import names
from training_refresh.gold_state.store import read_manifest
from training_refresh.run_files import now_iso

CATALOG_KEY = "gold/catalog.json"
CATALOG_PREFIX = "gold/"
"""The key prefix the publishing steps may write (their IAM grant)."""
MAX_CATALOG_FILE_BYTES = 512 * 1024 * 1024
ENTRY_FIELDS = tuple(CatalogEntry.model_fields)
"""The entry's JSON keys, in the order of ``catalog.COLUMNS``."""


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


def _entry_json(row: Sequence[Any]) -> str:
    values = [value.isoformat() if isinstance(value, date) else value for value in row]
    return json.dumps(dict(zip(ENTRY_FIELDS, values, strict=True)), separators=(",", ":"))


def file_body(connection: Connection) -> bytes:
    """The file's JSON, compact and built from the rows as they come (no model per entry):
    a Lambda of 256 MB writes a catalog of 100,000 customers (about 25 MB) comfortably."""
    with connection.cursor() as cursor:
        current = read_manifest(cursor).current
        rows: Sequence[Sequence[Any]] = []
        if catalog.exists(cursor):
            cursor.execute(
                f"SELECT {', '.join(catalog.COLUMNS)} FROM "
                f"{quote_identifier(names.CATALOG_TABLE)} ORDER BY CUSTOMER_NO"
            )
            rows = cursor.fetchall()
    head = {
        "generation": current.generation,
        "run_id": current.run_id,
        "written_at": now_iso(),
        "customers": len(rows),
    }
    text = json.dumps(head)[:-1] + ', "entries": [' + ",\n".join(map(_entry_json, rows)) + "]}"
    return text.encode("utf-8")


def write_catalog_file(
    store: ObjectStore | None, bucket: str | None, connection: Connection
) -> list[str]:
    """Write the live catalog to S3; returns warnings (none when it was written)."""
    if store is None or not bucket:
        return []
    try:
        store.put_bytes(bucket, CATALOG_KEY, file_body(connection), "application/json")
    except Exception as error:
        return [
            f"the gold catalog file s3://{bucket}/{CATALOG_KEY} was not written "
            f"({type(error).__name__}); the next publication writes it"
        ]
    return []

"""``gold_ops.catalog_file``: the live catalog as the JSON file ``gold list --stage`` reads;
a failed write is a warning, never a failed publication."""

from __future__ import annotations

import json

from fakes.object_store import MemoryObjectStore
from reset_support import connect

from ims_refresh.local.mysql_setup import ensure_training_tables
from ims_refresh.settings import LocalDatabases
from training_refresh.gold_ops import catalog
from training_refresh.gold_ops.catalog_file import CATALOG_KEY, write_catalog_file
from training_refresh.table_groups import load_table_groups


class RefusingStore(MemoryObjectStore):
    def put_bytes(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        raise PermissionError("AccessDenied")


def test_the_file_holds_the_live_catalog_and_a_failed_write_is_a_warning(
    databases: LocalDatabases,
) -> None:
    # Given a live catalog with one entry
    ensure_training_tables(databases.training, load_table_groups())
    with connect(databases.training) as connection:
        with connection.cursor() as cursor:
            catalog.ensure_live(cursor)
            cursor.execute(
                "INSERT INTO IMS_GOLD_CATALOG VALUES (42, '2026-12-01 10:00:00', "
                "'2026-12-02 11:00:00', '2026-11-30', 'gold-load-1', 'spring.csv', 'refund')"
            )
        # When the file is written
        store = MemoryObjectStore()
        assert write_catalog_file(store, "reports", connection) == []
        # Then it holds that entry, with the generation it describes
        document = json.loads(store.objects[("reports", CATALOG_KEY)])
        assert document["generation"] == 0 and document["customers"] == 1
        [entry] = document["entries"]
        assert entry == {
            "customer_number": 42,
            "first_loaded_at": "2026-12-01T10:00:00",
            "last_loaded_at": "2026-12-02T11:00:00",
            "as_of": "2026-11-30",
            "run_id": "gold-load-1",
            "scenario_file": "spring.csv",
            "label": "refund",
        }
        # And a store that refuses the write gives a warning naming the file, no error
        [warning] = write_catalog_file(RefusingStore(), "reports", connection)
        assert f"s3://reports/{CATALOG_KEY} was not written (PermissionError)" in warning
        # And without a bucket (a step not given one) nothing is written
        assert write_catalog_file(store, None, connection) == []

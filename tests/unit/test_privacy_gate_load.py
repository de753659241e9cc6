"""The privacy gate in the load and report steps, with fake adapters (issue 15)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from fakes.mysql import no_database, unreachable_database
from fakes.object_store import MemoryObjectStore

from training_refresh.adapters.data_api import ResultPage
from training_refresh.adapters.object_store import put_json
from training_refresh.errors import PiiDetectedError
from training_refresh.gold_load.extract import PACKED_COLUMN
from training_refresh.gold_load.load import load_config
from training_refresh.gold_load.privacy_gate import SOURCE_IDENTITY_COLUMNS
from training_refresh.gold_load.report import build_report
from training_refresh.gold_load.work import WorkLocations
from training_refresh.messages.gold_load import ConfigTask, GoldLoadReportEvent
from training_refresh.table_groups import load_table_groups

GROUPS = load_table_groups()
SECRET = "Featherstonehaugh"


def _customers(sql: str) -> list[int]:
    inside = sql.split("IN (", 1)[1].split(")", 1)[0]
    return [int(number) for number in inside.split(",")]


class _Started:
    def __init__(self, page: ResultPage) -> None:
        self.page = page

    def result(self) -> Iterator[ResultPage]:
        return iter([self.page])

    def abandon(self) -> None:
        pass


class ScriptedWarehouse:
    """Answers each statement with the rows of its table for the chunk's customers."""

    def __init__(self, rows: Mapping[str, list[tuple[Any, ...]]], identities: list[tuple]) -> None:
        self.rows = rows
        self.identities = identities
        self.identity_statements = 0

    def query(self, sql: str, parameters: Mapping[str, str] | None = None) -> Iterator[ResultPage]:
        raise AssertionError("a load submits its statements with start()")

    def start(self, sql: str, parameters: Mapping[str, str] | None = None) -> _Started:
        chunk = set(_customers(sql))
        if "source identity" in sql:
            self.identity_statements += 1
            rows = [row for row in self.identities if row[0] in chunk]
            return _Started(ResultPage(columns=SOURCE_IDENTITY_COLUMNS, rows=rows))
        for spec in GROUPS.all_tables():
            if spec.extraction_sql_template().split("\n", 1)[0] in sql:
                rows = [(*row, *KEPT) for row in self.table(spec, chunk)]
                return _Started(ResultPage(columns=(*spec.columns, PACKED_COLUMN), rows=rows))
        raise AssertionError(sql)

    def table(self, spec: Any, chunk: set[int]) -> list[tuple[Any, ...]]:
        if spec.training_table == "IMS_AUTH":  # through its orders
            orders = {row[0] for row in self.rows["IMS_ORDER"] if row[1] in chunk}
            return [row for row in self.rows["IMS_AUTH"] if row[1] in orders]
        position = spec.columns.index(spec.customer_scope.column)
        return [row for row in self.rows[spec.training_table] if row[position] in chunk]


KEPT = (None,)
"""A plain kept row's packed data-quality column (``extract.PACKED_COLUMN``)."""
"""The data-quality columns of a row the extraction keeps, nothing collapsed."""


def preference(customer: int, code: str, value: str) -> tuple[Any, ...]:
    return (customer, code, value, "EMAIL", None)


def load(warehouse: ScriptedWarehouse, config: str, store: MemoryObjectStore) -> dict:
    put_json(store, WorkLocations("work", "run-1").customers, {"customers": [1, 2, 3, 4]})
    task = ConfigTask(config=config, run_id="run-1", as_of="2026-06-30", chunk_size=2,
                      dry_run=True)  # fmt: skip
    return load_config(
        task,
        store=store,
        work_bucket="work",
        warehouse=warehouse,
        connect_mysql=no_database,
        table_groups=GROUPS,
        has_time_for=lambda seconds: True,
    ).model_dump(mode="json")


IDENTITIES = [
    (1, "Ann", "Smith", "12 Oak St", "608-555-1234", None),
    (1, None, None, None, None, "ann.smith77@mail.test"),
    (3, "Olaf", SECRET, "4120 North Oak Avenue", None, None),
]


def test_a_clean_preview_scans_every_kept_value_and_counts_them() -> None:
    # Given preference rows of ordinary values for four customers in two chunks
    rows = {"IMS_MASON_PREFERENCES": [preference(n, "LANG", "EN") for n in (1, 2, 3, 4)]}
    warehouse = ScriptedWarehouse(rows, IDENTITIES)
    # When the config is previewed
    result = load(warehouse, "mason_preferences", MemoryObjectStore())
    # Then every kept text value was scanned, nothing found, one identity statement a chunk
    scan = result["privacy"]["IMS_MASON_PREFERENCES"]["columns"]
    assert {c["column"]: c["values_scanned"] for c in scan} == {
        "customer_no": 0,
        "preference_code": 4,
        "preference_value": 4,
        "channel": 4,
        "updated_ts": 0,
    }
    assert all(not c["findings"] for c in scan)
    assert warehouse.identity_statements == 2


def test_own_identity_and_patterns_block_the_preview_after_its_last_chunk() -> None:
    # Given the customers' own surname, street and e-mail handle, and a card number,
    # in kept preference values; and a stranger's surname in another customer's
    rows = {
        "IMS_MASON_PREFERENCES": [
            preference(1, "NOTE", "ask for jsmith, ann.smith77 on the forum"),
            preference(2, "NOTE", f"the {SECRET} family next door"),
            preference(3, "NOTE", f"deliver to 4120 N Oak Ave, Mr {SECRET}"),
            preference(4, "CARD", "4111 1111 1111 1111"),
        ]
    }
    store = MemoryObjectStore()
    # When the config is previewed, Then it fails with PiiDetectedError naming no value
    with pytest.raises(PiiDetectedError) as raised:
        load(ScriptedWarehouse(rows, IDENTITIES), "mason_preferences", store)
    message = str(raised.value)
    assert "IMS_MASON_PREFERENCES.preference_value" in message
    assert SECRET not in message and "4111" not in message and "Oak" not in message
    # And the totals of every chunk were recorded for the report
    recorded = json.loads(
        store.objects[("work", "work/gold-load/run-1/privacy-mason_preferences.json")]
    )
    (column,) = [
        c for c in recorded["IMS_MASON_PREFERENCES"]["columns"] if c["column"] == "preference_value"
    ]
    assert column["findings"] == {"payment_card": 1, "own_name": 2, "own_street": 1, "own_email": 1}
    assert column["customers"] == [1, 3, 4]  # customer 2's stranger surname is no finding
    assert SECRET not in json.dumps(recorded)


def test_an_auth_row_is_matched_with_the_identity_of_its_orders_customer() -> None:
    # Given an auth whose kept auth_code holds its order's customer's phone digits
    rows = {
        "IMS_ORDER": [(10, 1, None, "SHIPPED", None, "UPS", "FA24", None)],
        "IMS_AUTH": [(100, 10, None, "OK", "5551234", "VISA", "1111", None)],
    }
    # When order_auth is previewed, Then the auth's customer (1) is named
    with pytest.raises(PiiDetectedError, match=r"IMS_AUTH\.auth_code: blocked: own_phone"):
        load(ScriptedWarehouse(rows, IDENTITIES), "order_auth", MemoryObjectStore())


def _report(state: dict, store: MemoryObjectStore) -> tuple[dict, dict]:
    event = {"execution": {"name": "run-1", "start_time": "2026-11-22T10:00:00+00:00"},
             "state": state}  # fmt: skip
    outcome = build_report(
        GoldLoadReportEvent.model_validate(event),
        store=store,
        work_bucket="work",
        connect_mysql=unreachable_database,
        table_groups=GROUPS,
    )
    return outcome.model_dump(mode="json"), json.loads(
        store.objects[("work", "reports/gold-load/run-1.json")]
    )


def test_the_report_of_a_blocked_config_shows_its_privacy_and_every_column() -> None:
    # Given a preview whose mason_preferences config the gate blocked
    rows = {"IMS_MASON_PREFERENCES": [preference(3, "NOTE", f"Mr {SECRET} again")]}
    store = MemoryObjectStore()
    with pytest.raises(PiiDetectedError) as raised:
        load(ScriptedWarehouse(rows, IDENTITIES), "mason_preferences", store)
    failure: dict[str, Any] = {
        "config": "mason_preferences",
        "status": "failed",
        "error": {"Error": "PiiDetectedError", "Cause": json.dumps(
            {"errorMessage": str(raised.value), "errorType": "PiiDetectedError"})},
    }  # fmt: skip
    loaded = load(ScriptedWarehouse({"IMS_CUSTOMER": []}, []), "customer", store)
    # When the report is written
    outcome, report = _report({"config_results": [failure, loaded]}, store)
    # Then its privacy section has both configs' tables, the blocked column and the masked ones
    tables = {t["table"]: t for t in report["privacy"]["tables"]}
    assert {name: t["status"] for name, t in tables.items()} == {
        "IMS_MASON_PREFERENCES": "blocked",
        "IMS_CUSTOMER": "kept",
    }
    columns = {c["column"]: c for c in tables["IMS_CUSTOMER"]["columns"]}
    assert columns["last_name"]["status"] == "protected"
    assert columns["last_name"]["anonymizer"] == "fictional_last_name"
    assert columns["city"]["status"] == "kept"
    assert "the privacy gate blocked 1 column(s)" in outcome["summary"]
    assert SECRET not in json.dumps(report)

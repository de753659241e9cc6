"""Gold load against a warehouse the test changes: replacement, as-of, failures, privacy."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from support import debug_cli, gold_load_arguments, mysql_query, source_pii, warehouse_sql

from ims_refresh.cli import main
from ims_refresh.settings import LocalDatabases
from ims_refresh.synthetic_warehouse import DEMO_AS_OF
from training_refresh.anonymize import ANONYMIZERS  # noqa: F401 - the seed lists load with it
from training_refresh.table_groups import load_table_groups

AS_OF = DEMO_AS_OF.isoformat()
NEXT_DAY = DEMO_AS_OF + timedelta(days=1)


def some_customers(url: str, count: int) -> list[int]:
    rows = warehouse_sql(
        url, "SELECT customer_no FROM oframe_prd_s.ims_customer ORDER BY 1 LIMIT %s", (count,)
    )
    return [int(r[0]) for r in rows]


def scenario_file(tmp_path: Path, customers: list[int], name: str = "s.csv") -> Path:
    path = tmp_path / name
    path.write_text("customer_number\n" + "".join(f"{c}\n" for c in customers), "utf-8")
    return path


def gold_load(tmp_path: Path, scenario: Path) -> int:
    return main(gold_load_arguments(tmp_path / "reports", scenario, AS_OF))


def test_a_customer_whose_source_rows_changed_is_replaced(
    own_databases: LocalDatabases, tmp_path: Path
) -> None:
    # Given a customer with several e-mails loaded into the gold copies
    customer = int(
        warehouse_sql(
            own_databases.warehouse_url,
            "SELECT customer_no FROM oframe_prd_s.ims_cus_email GROUP BY customer_no "
            "HAVING COUNT(*) >= 2 ORDER BY 1 LIMIT 1",
        )[0][0]
    )
    scenario = scenario_file(tmp_path, [customer])
    assert gold_load(tmp_path, scenario) == 0
    emails_before = mysql_query(
        own_databases.training,
        "SELECT COUNT(*) FROM IMS_CUS_EMAIL_GOLD WHERE CUSTOMER_NO = %s",
        (customer,),
    )[0][0]
    # When the source changes (a new city, one e-mail fewer) and the file is loaded again
    warehouse_sql(
        own_databases.warehouse_url,
        "UPDATE oframe_prd_s.ims_customer SET city = 'Springfield' WHERE customer_no = %s",
        (customer,),
    )
    warehouse_sql(
        own_databases.warehouse_url,
        "DELETE FROM oframe_prd_s.ims_cus_email WHERE customer_no = %s AND email_seq = "
        "(SELECT MAX(email_seq) FROM oframe_prd_s.ims_cus_email WHERE customer_no = %s)",
        (customer, customer),
    )
    assert gold_load(tmp_path, scenario) == 0
    # Then the gold copy holds the new rows only
    assert mysql_query(
        own_databases.training,
        "SELECT CITY FROM IMS_CUSTOMER_GOLD WHERE CUSTOMER_NO = %s",
        (customer,),
    ) == [("Springfield",)]
    assert (
        mysql_query(
            own_databases.training,
            "SELECT COUNT(*) FROM IMS_CUS_EMAIL_GOLD WHERE CUSTOMER_NO = %s",
            (customer,),
        )[0][0]
        == emails_before - 1
    )


def test_as_of_selects_the_state_at_the_end_of_the_day(
    own_databases: LocalDatabases, tmp_path: Path
) -> None:
    # Given hand-made CDC histories, orders and auths around the as-of date for one customer
    customer = some_customers(own_databases.warehouse_url, 1)[0]
    day = DEMO_AS_OF
    changes = [
        ("ASOF-UPDATED", "I", "A", f"{day - timedelta(days=10)} 08:00:00"),
        ("ASOF-UPDATED", "U", "X", f"{NEXT_DAY} 00:00:00"),
        ("ASOF-DELETED", "I", "A", f"{day - timedelta(days=10)} 08:00:00"),
        ("ASOF-DELETED", "D", "A", f"{day - timedelta(days=1)} 12:00:00"),
        ("ASOF-LAST-SECOND", "I", "L", f"{day} 23:59:59"),
        ("ASOF-NEXT-DAY", "I", "N", f"{NEXT_DAY} 00:00:00"),
        ("ASOF-REVIVED", "I", "A", f"{day - timedelta(days=5)} 08:00:00"),
        ("ASOF-REVIVED", "D", "A", f"{day - timedelta(days=4)} 08:00:00"),
        ("ASOF-REVIVED", "I", "R", f"{day - timedelta(days=3)} 08:00:00"),
    ]
    for crn, operation, status, stamp in changes:
        warehouse_sql(
            own_databases.warehouse_url,
            "INSERT INTO oframe_cdc_prd_s.ims_mason_crn (customer_no, crn, crn_status, brand_code, "
            "effective_date, cdc_operation, cdc_timestamp) VALUES (%s, %s, %s, 'TEST', %s, %s, %s)",
            (customer, crn, status, day, operation, stamp),
        )
    for order_no, order_date in ((990000000001, day), (990000000002, NEXT_DAY)):
        warehouse_sql(
            own_databases.warehouse_url,
            "INSERT INTO oframe_prd_s.ims_order (order_no, customer_no, order_date, order_status, "
            "order_total, ship_method, catalog_code, last_update_ts) "
            "VALUES (%s, %s, %s, 'OPEN', 10.00, 'UPS', 'CAT1', %s)",
            (order_no, customer, order_date, f"{order_date} 10:00:00"),
        )
    for auth_id, stamp in (
        (990000000101, f"{day} 23:59:59"),
        (990000000102, f"{NEXT_DAY} 00:00:00"),
    ):
        warehouse_sql(
            own_databases.warehouse_url,
            "INSERT INTO oframe_prd_s.ims_auth (auth_id, order_no, auth_amount, auth_status, "
            "auth_code, card_type, card_last4, auth_ts) "
            "VALUES (%s, 990000000001, 10.00, 'APPROVED', 'A1', 'VISA', '4242', %s)",
            (auth_id, stamp),
        )
    # When the customer is gold-loaded as of that date
    assert gold_load(tmp_path, scenario_file(tmp_path, [customer])) == 0
    # Then each key shows its state at 23:59:59.999999 of the date
    crns = dict(
        mysql_query(
            own_databases.training,
            "SELECT CRN, CRN_STATUS FROM IMS_MASON_CRN_GOLD "
            "WHERE CUSTOMER_NO = %s AND CRN LIKE 'ASOF-%%'",
            (customer,),
        )
    )
    assert crns == {"ASOF-UPDATED": "A", "ASOF-LAST-SECOND": "L", "ASOF-REVIVED": "R"}
    orders = {
        r[0]
        for r in mysql_query(
            own_databases.training,
            "SELECT ORDER_NO FROM IMS_ORDER_GOLD WHERE CUSTOMER_NO = %s",
            (customer,),
        )
    }
    assert 990000000001 in orders
    assert 990000000002 not in orders
    assert all(
        mysql_query(
            own_databases.training,
            "SELECT ORDER_DATE <= %s FROM IMS_ORDER_GOLD WHERE CUSTOMER_NO = %s",
            (day, customer),
        )
    )
    auths = {
        r[0]
        for r in mysql_query(
            own_databases.training,
            "SELECT AUTH_ID FROM IMS_AUTH_GOLD WHERE ORDER_NO = 990000000001",
        )
    }
    assert auths == {990000000101}


def test_one_failing_config_does_not_stop_the_others(
    own_databases: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a warehouse whose preferences table is missing
    warehouse_sql(own_databases.warehouse_url, "DROP TABLE oframe_prd_s.ims_mason_preferences")
    customers = some_customers(own_databases.warehouse_url, 10)
    # When a gold load runs
    code = gold_load(tmp_path, scenario_file(tmp_path, customers))
    # Then it exits 1, names the failing config and its error, and the others loaded
    assert code == 1
    out = capsys.readouterr().out
    assert "mason_preferences" in out
    report = json.loads(sorted((tmp_path / "reports").glob("gold-load-*.json"))[-1].read_text())
    assert report["status"] == "failed"
    failed = {c["config"]: c for c in report["configs"] if c["status"] != "loaded"}
    assert set(failed) == {"mason_preferences"}
    assert failed["mason_preferences"]["error"]["name"] == "WarehouseQueryError"
    assert "ims_mason_preferences" in failed["mason_preferences"]["error"]["message"]
    assert mysql_query(own_databases.training, "SELECT COUNT(*) FROM IMS_CUSTOMER_GOLD")[0][0] == 10
    assert (
        mysql_query(own_databases.training, "SELECT COUNT(*) FROM IMS_MASON_PREFERENCES_GOLD")[0][0]
        == 0
    )


def test_no_source_pii_reaches_mysql_or_the_logs(
    own_databases: LocalDatabases, tmp_path: Path
) -> None:
    # Given customers with real-looking names, streets, phones, e-mails and birth dates
    customers = [*some_customers(own_databases.warehouse_url, 60), 7, 6766, 1234567]
    scenario = scenario_file(tmp_path, customers)
    # When a gold load runs in its own process with INFO logging
    completed = debug_cli(
        "--report-dir",
        str(tmp_path / "reports"),
        "run",
        "gold-load",
        "--scenarios",
        str(scenario),
        "--as-of",
        AS_OF,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    logs = completed.stdout + completed.stderr
    assert "gold load planned" in logs  # the Lambda code's INFO lines are really captured
    # Then no source value appears in any gold table or in the output
    gold_text = []
    for spec in load_table_groups().all_tables():
        for row in mysql_query(own_databases.training, f"SELECT * FROM `{spec.gold_table}`"):
            gold_text.extend(str(v) for v in row if v is not None)
    gold_blob = "\n".join(gold_text)
    pii = source_pii(own_databases.warehouse_url, customers)
    assert pii["name"] and pii["street"] and pii["email"] and pii["birth"]
    for kind, values in pii.items():
        for value in values:
            pattern = re.compile(rf"(?<!\w){re.escape(value)}(?!\w)")
            if kind != "birth":
                assert not pattern.search(gold_blob), (kind, value)
            assert not pattern.search(logs), (kind, value)
    source_births = dict(
        warehouse_sql(
            own_databases.warehouse_url,
            "SELECT customer_no, birth_date FROM oframe_prd_s.ims_customer "
            "WHERE customer_no = ANY(%s) AND birth_date IS NOT NULL",
            (customers,),
        )
    )
    gold_births = dict(
        mysql_query(own_databases.training, "SELECT CUSTOMER_NO, BIRTH_DATE FROM IMS_CUSTOMER_GOLD")
    )
    assert source_births
    for customer, birth in source_births.items():
        assert gold_births[customer] != birth
        assert gold_births[customer].year == birth.year

"""The privacy gate in real gold loads (issue 15): planted personal data in a kept column
blocks its config, reaches no MySQL table, output, log or report; realistic data passes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from support import (
    all_mysql_text,
    debug_cli,
    gold_load_arguments,
    mysql_query,
    mysql_url_text,
    warehouse_sql,
    write_scenario,
)

from ims_refresh.cli import main
from ims_refresh.demo import DEMO_SEED
from ims_refresh.settings import LocalDatabases, LocalEnvName, MySqlUrl
from ims_refresh.synthetic_warehouse import DEMO_AS_OF, build_warehouse
from training_refresh.env_names import EnvName

AS_OF = DEMO_AS_OF.isoformat()
POSTGRES = "postgresql://postgres@127.0.0.1:5432/"
PREFERENCES = "IMS_MASON_PREFERENCES"


def customers_with_preferences(url: str, count: int) -> list[tuple[int, str]]:
    """(customer, last name) of ``count`` customers who have preference rows."""
    rows = warehouse_sql(
        url,
        "SELECT c.customer_no, c.last_name FROM oframe_prd_s.ims_customer AS c "
        "WHERE EXISTS (SELECT 1 FROM oframe_prd_s.ims_mason_preferences AS p "
        "WHERE p.customer_no = c.customer_no) AND length(c.last_name) >= 5 "
        "ORDER BY c.customer_no LIMIT %s",
        (count,),
    )
    return [(int(number), str(last)) for number, last in rows]


def plant(url: str, customer: int, value: str) -> None:
    """``value`` in one preference row of ``customer`` (a kept text column)."""
    warehouse_sql(
        url,
        "UPDATE oframe_prd_s.ims_mason_preferences SET preference_value = %s "
        "WHERE customer_no = %s AND preference_code = (SELECT min(preference_code) FROM "
        "oframe_prd_s.ims_mason_preferences WHERE customer_no = %s)",
        (value, customer, customer),
    )


def mysql_tables(url: MySqlUrl) -> list[str]:
    """The tables of the training database (none when it does not exist)."""
    rows = mysql_query(
        url.without_database(),
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
        (url.database,),
    )
    return [str(name) for (name,) in rows]


def report_of(report_dir: Path) -> tuple[dict, str]:
    (path,) = sorted(report_dir.glob("*.json"))
    text = path.read_text("utf-8")
    return json.loads(text), text


def privacy_column(report: dict, table: str, column: str) -> dict:
    (entry,) = [t for t in report["privacy"]["tables"] if t["table"] == table]
    (found,) = [c for c in entry["columns"] if c["column"] == column]
    return found


def findings_of(report: dict) -> dict[str, dict]:
    return {
        f"{table['table']}.{column['column']}": column["findings"]
        for table in report["privacy"]["tables"]
        for column in table["columns"]
        if column["findings"]
    }


def test_planted_personal_data_blocks_its_config_and_reaches_nothing(
    own_databases: LocalDatabases, tmp_path: Path
) -> None:
    # Given a value of each kind planted in a kept column for some customers
    url = own_databases.warehouse_url
    people = customers_with_preferences(url, 40)
    (email, phone, card, ssn, surname), others = people[:5], people[5:]
    planted = {
        email[0]: "write to jane.roe.h15@gmail.com instead",
        phone[0]: "call me at 608-555-1234 after 5",
        card[0]: "card 4111-1111-1111-1111 on file",
        ssn[0]: "ssn 219-09-9999 for the account",
        surname[0]: f"deliver to the {surname[1]} family",
    }
    for customer, value in planted.items():
        plant(url, customer, value)
    scenario = write_scenario(tmp_path / "s.csv", sorted(planted) + [c for c, _ in others])
    # When a gold load runs in its own process with DEBUG logging
    completed = debug_cli(*gold_load_arguments(tmp_path / "reports", scenario, AS_OF))
    output = completed.stdout + completed.stderr
    # Then the load fails (exit 1): the config holding the values fails, the others load
    assert completed.returncode == 1, output[-3000:]
    assert "gold load planned" in output  # the DEBUG log lines are really captured
    report, report_text = report_of(tmp_path / "reports")
    configs = {c["config"]: c for c in report["configs"]}
    assert configs["mason_preferences"]["status"] == "failed"
    assert configs["mason_preferences"]["error"]["name"] == "PiiDetectedError"
    assert configs["mason_preferences"]["published"] is False
    assert {name for name, c in configs.items() if c["published"]} == {
        "cus_email",
        "mason_crn",
        "order_auth",
        "customer",
    }
    # And the report's privacy section names the table, the column and every detector
    column = privacy_column(report, PREFERENCES, "preference_value")
    assert column["status"] == "blocked"
    assert set(column["findings"]) >= {"email", "phone", "payment_card", "national_id"}
    assert column["findings"]["own_name"] >= 1
    assert column["customers"] == sorted(planted)
    assert list(findings_of(report)) == [f"{PREFERENCES}.preference_value"]
    assert f"{PREFERENCES}.preference_value: blocked:" in completed.stdout
    # And the preference gold copy holds none of that run's rows
    assert mysql_query(own_databases.training, f"SELECT COUNT(*) FROM {PREFERENCES}_GOLD") == [(0,)]
    # And no planted value is in MySQL, the output, the logs or the report
    in_mysql = all_mysql_text(own_databases.training)
    for value in planted.values():
        assert value not in in_mysql, value
        assert value not in output, value
        assert value not in report_text, value
    for part in ("jane.roe.h15", "608-555-1234", "4111-1111-1111-1111", "219-09-9999"):
        assert part not in in_mysql + output + report_text, part


def test_the_own_surname_is_found_and_a_surname_of_nobody_in_the_run_is_not(
    own_databases: LocalDatabases, tmp_path: Path
) -> None:
    # Given run customers and the surname of a warehouse customer outside the run that no
    # run customer bears
    url = own_databases.warehouse_url
    people = customers_with_preferences(url, 30)
    run = [customer for customer, _ in people]
    names_in_run = {
        str(name).lower()
        for row in warehouse_sql(
            url,
            "SELECT first_name, last_name FROM oframe_prd_s.ims_customer "
            "WHERE customer_no = ANY(%s)",
            (run,),
        )
        for name in row
        if name
    }
    outsiders = warehouse_sql(
        url,
        "SELECT last_name FROM oframe_prd_s.ims_customer WHERE NOT customer_no = ANY(%s) "
        "AND length(last_name) >= 5 ORDER BY customer_no",
        (run,),
    )
    stranger = next(str(last) for (last,) in outsiders if str(last).lower() not in names_in_run)
    plant(url, people[0][0], f"deliver to the {stranger} family")
    plant(url, people[1][0], "King size bedding, leave with the neighbour")
    scenario = write_scenario(tmp_path / "s.csv", run)
    # When the run is previewed, Then nothing is found: the load would pass
    assert main([*gold_load_arguments(tmp_path / "preview", scenario, AS_OF), "--dry-run"]) == 0
    preview, _ = report_of(tmp_path / "preview")
    assert findings_of(preview) == {}
    assert privacy_column(preview, PREFERENCES, "preference_value")["status"] == "kept"
    # When the customer's own surname is planted instead, Then the preview finds it
    plant(url, people[0][0], f"deliver to the {people[0][1]} family")
    assert main([*gold_load_arguments(tmp_path / "own", scenario, AS_OF), "--dry-run"]) == 1
    own, _ = report_of(tmp_path / "own")
    assert findings_of(own) == {f"{PREFERENCES}.preference_value": {"own_name": 1}}
    assert privacy_column(own, PREFERENCES, "preference_value")["customers"] == [people[0][0]]
    assert [c["config"] for c in own["configs"] if c["status"] == "failed"] == ["mason_preferences"]
    assert mysql_tables(own_databases.training) == []  # a preview writes nothing


def test_a_dry_run_shows_what_would_be_blocked_and_writes_nothing(
    own_databases: LocalDatabases,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an e-mail address planted in two customers' kept preference values
    url = own_databases.warehouse_url
    people = customers_with_preferences(url, 20)
    for customer, _ in people[:2]:
        plant(url, customer, f"also at someone.{customer}@example.org")
    scenario = write_scenario(tmp_path / "s.csv", [c for c, _ in people])
    # When the load is previewed in chunks of 5 (so the findings are in different chunks)
    monkeypatch.setenv(EnvName.CUSTOMERS_PER_CHUNK, "5")
    code = main([*gold_load_arguments(tmp_path / "reports", scenario, AS_OF), "--dry-run"])
    # Then it exits 1, naming the column that would be blocked and both customers
    assert code == 1
    out = capsys.readouterr().out
    assert "1 column(s) would be blocked" in out
    report, _ = report_of(tmp_path / "reports")
    column = privacy_column(report, PREFERENCES, "preference_value")
    assert column["findings"] == {"email": 2}
    assert column["customers"] == sorted(c for c, _ in people[:2])
    assert report["dry_run"] is True
    # And nothing was written
    assert mysql_tables(own_databases.training) == []


@pytest.fixture(scope="module")
def demo_warehouse_10k() -> Iterator[str]:
    """The demo's synthetic warehouse, grown to 10,000 customers."""
    name = f"ims_wh_test_{uuid.uuid4().hex[:10]}"
    build_warehouse(POSTGRES + name, 10_000, seed=DEMO_SEED, profile="demo")
    yield POSTGRES + name
    with psycopg.connect(POSTGRES + "postgres", autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_10000_customer_demo_warehouse_has_no_finding(
    demo_warehouse_10k: str,
    training_db: MySqlUrl,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the demo warehouse with 10,000 customers, all of them in the scenario
    monkeypatch.setenv(LocalEnvName.TRAINING_DB_URL, mysql_url_text(training_db))
    monkeypatch.setenv(LocalEnvName.WAREHOUSE_URL, demo_warehouse_10k)
    customers = [int(n) for (n,) in warehouse_sql(demo_warehouse_10k,
                 "SELECT customer_no FROM oframe_prd_s.ims_customer ORDER BY 1")]  # fmt: skip
    assert len(customers) == 10_000
    scenario = write_scenario(tmp_path / "s.csv", customers)
    # When all of them are gold-loaded, Then the load succeeds without a finding
    assert main(gold_load_arguments(tmp_path / "reports", scenario, AS_OF)) == 0
    report, _ = report_of(tmp_path / "reports")
    assert findings_of(report) == {}
    kept = [
        c for t in report["privacy"]["tables"] for c in t["columns"] if c["treatment"] == "kept"
    ]
    assert sum(c["values_scanned"] for c in kept) > 500_000
    assert {t["status"] for t in report["privacy"]["tables"]} == {"kept"}


def test_schema_drift_is_a_notice_and_a_kept_column_that_no_longer_fits_is_refused(
    own_databases: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a source column nobody extracts, added to the preferences table
    url = own_databases.warehouse_url
    people = customers_with_preferences(url, 10)
    scenario = write_scenario(tmp_path / "s.csv", [c for c, _ in people])
    warehouse_sql(url, "ALTER TABLE oframe_prd_s.ims_mason_preferences ADD COLUMN agent_note text")
    # When the load is previewed, Then the dry run lists it as a notice and passes
    assert main([*gold_load_arguments(tmp_path / "preview", scenario, AS_OF), "--dry-run"]) == 0
    preview, _ = report_of(tmp_path / "preview")
    (notice,) = preview["notices"]
    assert "oframe_prd_s.ims_mason_preferences" in notice and "agent_note" in notice
    assert f"notice: {notice}" in capsys.readouterr().out
    # And a real load lists it too and loads
    assert main(gold_load_arguments(tmp_path / "load", scenario, AS_OF)) == 0
    loaded, _ = report_of(tmp_path / "load")
    assert loaded["notices"] == [notice]
    before = mysql_query(own_databases.training, f"CHECKSUM TABLE {PREFERENCES}_GOLD")
    # When a kept column is widened at the source beyond its MySQL column
    warehouse_sql(
        url,
        "ALTER TABLE oframe_prd_s.ims_mason_preferences ALTER COLUMN channel TYPE varchar(40)",
    )
    # Then the load is refused before anything is written, naming the column
    assert main(gold_load_arguments(tmp_path / "refused", scenario, AS_OF)) == 1
    refused, _ = report_of(tmp_path / "refused")
    (error,) = refused["errors"]
    assert error["name"] == "SourceSchemaError"
    assert (
        "oframe_prd_s.ims_mason_preferences.channel is character varying(40)" in (error["message"])
    )
    assert "IMS_MASON_PREFERENCES_GOLD.CHANNEL is varchar(10)" in error["message"]
    assert mysql_query(own_databases.training, f"CHECKSUM TABLE {PREFERENCES}_GOLD") == before
    assert refused["configs"] == []

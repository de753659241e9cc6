"""The shipped table configuration and its validation."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from training_refresh.errors import TableConfigError, UnknownTableError
from training_refresh.table_groups import load_table_groups, parse_table_groups


def _shipped() -> dict:
    return json.loads(
        resources.files("training_refresh").joinpath("table_configs.json").read_text()
    )


def test_shipped_configs_are_the_five_glue_jobs_and_six_tables() -> None:
    # Given the configuration shipped with the code
    configs = load_table_groups()
    # Then it holds the five configs of docs/design.md §1 with their six training tables
    assert [c.name for c in configs.groups] == [
        "cus_email",
        "mason_crn",
        "mason_preferences",
        "order_auth",
        "customer",
    ]
    assert sorted(t.training_table for t in configs.all_tables()) == [
        "IMS_AUTH",
        "IMS_CUSTOMER",
        "IMS_CUS_EMAIL",
        "IMS_MASON_CRN",
        "IMS_MASON_PREFERENCES",
        "IMS_ORDER",
    ]
    assert configs.table("IMS_ORDER").gold_table == "IMS_ORDER_GOLD"
    assert all(c.enabled for c in configs.groups)


def test_every_table_ships_its_extraction_sql_and_ddl_with_the_configured_columns() -> None:
    for spec in load_table_groups().all_tables():
        # Given a configured table, When its SQL files are read
        extraction = spec.extraction_sql_template()
        ddl = spec.mysql_ddl(spec.gold_table)
        # Then both mention every configured column
        for column in spec.columns:
            assert column in extraction, (spec.training_table, column)
            assert column.upper() in ddl, (spec.training_table, column)
        assert "{customer_numbers}" in extraction
        assert f"`{spec.gold_table}`" in ddl


def test_a_typo_in_a_field_name_is_a_clear_error_naming_the_field() -> None:
    # Given a config whose "enabled" is misspelt
    document = _shipped()
    document["configs"][2]["enabld"] = document["configs"][2].pop("enabled")
    # When it is loaded, Then the error names the place
    with pytest.raises(TableConfigError, match=r"configs\.2\.enabld"):
        parse_table_groups(json.dumps(document))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["configs"][0]["tables"][0].update(anonymizer="mask"), "anonymizer"),
        (lambda d: d["configs"][0]["tables"][0].update(primary_key=["nope"]), "primary_key"),
        (lambda d: d["configs"][1].update(name="cus_email"), "listed twice"),
        (
            lambda d: d["configs"][0]["tables"][0].update(training_table="ims; drop"),
            "training_table",
        ),
        (lambda d: d["configs"][0]["tables"][0].update(extract_sql="missing.sql"), "missing.sql"),
        (lambda d: d.update(version=2), "version 2"),
    ],
)
def test_invalid_configs_are_rejected(change, message: str) -> None:
    # Given the shipped document with one mistake
    document = _shipped()
    change(document)
    # Then loading names the mistake
    with pytest.raises(TableConfigError, match=message):
        parse_table_groups(json.dumps(document))


def test_selecting_configs_by_name() -> None:
    configs = load_table_groups()
    # When no names are given, Then every enabled config runs
    assert len(configs.select_groups(None)) == 5
    # When names are given, Then exactly those, once each
    assert [c.name for c in configs.select_groups(["customer", "customer"])] == ["customer"]
    # When a name is unknown, Then it is bad input naming it
    with pytest.raises(UnknownTableError, match="custmer"):
        configs.select_groups(["custmer"])

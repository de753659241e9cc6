"""Every extracted column declares its privacy treatment; the configs refuse one that does not."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import pytest

from training_refresh.anonymize import COLUMN_ANONYMIZERS
from training_refresh.errors import TableConfigError
from training_refresh.table_groups import load_table_groups, parse_table_groups

CUSTOMER = (4, 0)  # configs[4].tables[0]: IMS_CUSTOMER
PREFERENCES = (2, 0)  # configs[2].tables[0]: IMS_MASON_PREFERENCES


def _shipped() -> dict[str, Any]:
    text = resources.files("training_refresh").joinpath("table_configs.json").read_text("utf-8")
    return json.loads(text)


def _treatments(document: dict[str, Any], where: tuple[int, int]) -> dict[str, Any]:
    config, table = where
    return document["configs"][config]["tables"][table]["treatments"]


def test_every_shipped_column_has_a_treatment_and_masked_ones_are_what_the_anonymizer_does():
    # Given the shipped configuration
    for spec in load_table_groups().all_tables():
        # Then every column is either masked or kept, and the masked ones are exactly the
        # columns the table's anonymizer replaces, by the names it gives them
        assert set(spec.masked_columns) | set(spec.kept_columns) == set(spec.columns)
        assert not set(spec.masked_columns) & set(spec.kept_columns)
        replaced = COLUMN_ANONYMIZERS.get(spec.anonymizer or "", {})
        assert spec.masked_columns == {c: replaced[c] for c in spec.columns if c in replaced}
    # And the free-text preference is kept, so the gate scans it
    assert "preference_value" in load_table_groups().table("IMS_MASON_PREFERENCES").kept_columns


def test_the_city_allowance_reaches_the_scanner_with_its_reason():
    # Given the shipped customer table
    allowances = load_table_groups().table("IMS_CUSTOMER").allowances
    # Then its one allowance is the city that may bear the customer's surname
    assert [(a.column, a.rule) for a in allowances] == [("city", "own_name")]
    assert "surname" in allowances[0].reason


def _drop(column: str) -> Callable[[dict[str, Any]], None]:
    return lambda t: t.pop(column)


@pytest.mark.parametrize(
    ("where", "change", "message"),
    [
        # a column without a treatment
        (CUSTOMER, _drop("city"), r"IMS_CUSTOMER treatments\.city: no treatment"),
        (PREFERENCES, _drop("preference_value"), r"treatments\.preference_value: no treatment"),
        # an anonymizer that does not exist
        (
            CUSTOMER,
            lambda t: t.update(first_name={"masked": "scramble"}),
            r"treatments\.first_name: the customer anonymizer masks it with "
            r"'fictional_first_name', not 'scramble'",
        ),
        (
            CUSTOMER,
            lambda t: t.update(city={"masked": "fictional_city"}),
            r"treatments\.city: the customer anonymizer has no 'fictional_city'",
        ),
        (
            PREFERENCES,
            lambda t: t.update(preference_value={"masked": "fictional_email"}),
            r"treatments\.preference_value: masked by 'fictional_email', but "
            r"IMS_MASON_PREFERENCES has no anonymizer",
        ),
        # kept where the anonymizer replaces, and a column the anonymizer does not know
        (
            CUSTOMER,
            lambda t: t.update(last_name={"kept": "we like it"}),
            r"treatments\.last_name: kept, but the customer anonymizer replaces it",
        ),
        # a treatment of no column, a blank reason, both or neither treatment
        (CUSTOMER, lambda t: t.update(nickname={"kept": "x"}), r"treatments\.nickname: .*not in"),
        (PREFERENCES, lambda t: t.update(channel={"kept": "  "}), r"treatments\.channel\.kept"),
        (
            PREFERENCES,
            lambda t: t.update(channel={"kept": "code", "masked": "null"}),
            r"treatments\.channel: Value error, declare exactly one",
        ),
        (PREFERENCES, lambda t: t.update(channel={}), r"treatments\.channel: Value error"),
        # allowances: a known rule, with a reason, on a kept column
        (
            CUSTOMER,
            lambda t: t["city"].update(allow={"own_city": "x"}),
            r"treatments\.city\.allow\.own_city",
        ),
        (
            CUSTOMER,
            lambda t: t["city"].update(allow={"phone": ""}),
            r"treatments\.city\.allow\.phone",
        ),
        (
            CUSTOMER,
            lambda t: t["phone_number"].update(allow={"phone": "fictional"}),
            r"treatments\.phone_number: Value error, allowances belong to kept columns",
        ),
    ],
)
def test_a_config_with_an_untreated_or_mistreated_column_is_refused_naming_the_place(
    where: tuple[int, int], change: Callable[[dict[str, Any]], None], message: str
):
    # Given the shipped document with one treatment wrong
    document = _shipped()
    change(_treatments(document, where))
    # When it is loaded, Then it is refused with the place named
    with pytest.raises(TableConfigError, match=message) as refused:
        parse_table_groups(json.dumps(document))
    assert str(refused.value).startswith("table_configs.json: configs.")


def test_a_kept_column_the_anonymizer_has_not_classified_is_refused():
    # Given a new customer column declared kept in the config only
    document = _shipped()
    table = document["configs"][4]["tables"][0]
    table["columns"].append("maiden_name")
    table["treatments"]["maiden_name"] = {"kept": "looks harmless"}
    # When it is loaded, Then it is refused before a row could reach the anonymizer
    with pytest.raises(TableConfigError, match=r"treatments\.maiden_name: kept, but the customer"):
        parse_table_groups(json.dumps(document))


def test_a_table_without_treatments_is_refused():
    # Given a table config written before treatments existed
    document = _shipped()
    del document["configs"][1]["tables"][0]["treatments"]
    # When it is loaded, Then the missing field is named
    with pytest.raises(
        TableConfigError, match=r"configs\.1\.tables\.0\.treatments: Field required"
    ):
        parse_table_groups(json.dumps(document))

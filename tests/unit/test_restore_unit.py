"""Restore without a database: the customer list of ``--customers`` and the order and
shape of the restore's statements."""

from __future__ import annotations

import pytest

from ims_refresh.restore_customers import customers_file, parse_customer_list
from training_refresh.errors import BadInputError
from training_refresh.reset.restore_sql import restore_statements
from training_refresh.scenarios import parse_scenario_file
from training_refresh.table_groups import load_table_groups

SPECS = list(load_table_groups().enabled_tables())


def test_a_customer_list_is_sorted_unique_and_becomes_a_scenario_file() -> None:
    # Given numbers with spaces, a duplicate, leading zeros and a trailing comma
    customers = parse_customer_list(" 34, 12,34,007 ,")
    # Then they are sorted and unique, and the file written for them reads back the same
    assert customers == (7, 12, 34)
    assert parse_scenario_file(customers_file(customers)) == customers


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "names no customer"),
        (" , ,", "names no customer"),
        ("12,3x", "'3x'"),
        ("1234567890123456", "'1234567890123456'"),
        ("-5", "'-5'"),
        ("١٢", "not a customer number"),
    ],
)
def test_a_bad_customer_list_is_bad_input(text: str, message: str) -> None:
    with pytest.raises(BadInputError) as raised:
        parse_customer_list(text)
    assert message in str(raised.value)


def test_child_rows_go_before_their_parents_and_come_back_after_them() -> None:
    # Given the restore of every enabled table
    statements = restore_statements(SPECS)
    kinds = [s.kind for s in statements]
    # Then every delete runs before every insert
    assert kinds == sorted(kinds)  # "delete" < "insert"
    deletes = [s.table for s in statements if s.kind == "delete"]
    inserts = [s.table for s in statements if s.kind == "insert"]
    # And the auths (found through the training orders) go before the orders do
    assert max(i for i, t in enumerate(deletes) if t == "IMS_AUTH") < deletes.index("IMS_ORDER")
    assert inserts.index("IMS_ORDER") < inserts.index("IMS_AUTH")
    # And every table gets exactly one insert of its gold rows
    assert sorted(inserts) == sorted(spec.training_table for spec in SPECS)


def test_statements_bind_every_customer_slot_as_a_parameter() -> None:
    for statement in restore_statements(SPECS):
        text, parameters = statement.bound([5, 6])
        # Then no customer number is in the text; each slot holds both numbers
        assert "{customers}" not in text and "5" not in text.replace("%s", "")
        assert parameters == [5, 6] * statement.sql.count("{customers}")
        assert text.count("%s") == len(parameters)

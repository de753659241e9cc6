"""Schema drift: source columns not extracted, kept columns that no longer fit (issue 15)."""

from __future__ import annotations

import pytest

from training_refresh.errors import SourceSchemaError
from training_refresh.gold_load.source_schema import (
    ColumnType,
    check_schema,
    misfit,
    shipped_layout,
)
from training_refresh.table_groups import load_table_groups

GROUPS = load_table_groups()
PREFERENCES = GROUPS.group("mason_preferences")
CRN = GROUPS.group("mason_crn")


@pytest.mark.parametrize(
    ("source", "target", "refused"),
    [
        (ColumnType("character varying", 100), ColumnType("varchar", 100), False),
        (ColumnType("character varying", 101), ColumnType("varchar", 100), True),
        (ColumnType("character", 1), ColumnType("char", 1), False),
        (ColumnType("bpchar", 2), ColumnType("varchar", 10), False),
        (ColumnType("text"), ColumnType("varchar", 100), False),  # no length to compare
        (ColumnType("character"), ColumnType("char", 1), False),
        (ColumnType("text"), ColumnType("longtext", 4294967295), False),
        (ColumnType("character varying", 10), ColumnType("int"), True),
        (ColumnType("bigint"), ColumnType("bigint"), False),
        (ColumnType("bigint"), ColumnType("int"), True),
        (ColumnType("smallint"), ColumnType("int"), False),
        (ColumnType("integer"), ColumnType("decimal", precision=10, scale=0), False),
        (ColumnType("numeric", precision=11, scale=2), ColumnType("decimal", None, 11, 2), False),
        (ColumnType("numeric", precision=13, scale=2), ColumnType("decimal", None, 11, 2), True),
        (ColumnType("numeric", precision=11, scale=3), ColumnType("decimal", None, 11, 2), True),
        (ColumnType("date"), ColumnType("date"), False),
        (ColumnType("date"), ColumnType("datetime"), False),
        (ColumnType("timestamp without time zone"), ColumnType("date"), True),
        (ColumnType("timestamp without time zone"), ColumnType("datetime"), False),
        (ColumnType("boolean"), ColumnType("varchar", 5), True),
    ],
)
def test_a_source_type_fits_its_mysql_column_or_is_refused(source, target, refused) -> None:
    assert misfit(source, target) is refused


def test_the_shipped_layout_reads_types_and_lengths() -> None:
    (spec,) = PREFERENCES.tables
    layout = shipped_layout(spec)
    assert layout == {
        "CUSTOMER_NO": ColumnType("bigint"),
        "PREFERENCE_CODE": ColumnType("varchar", 20),
        "PREFERENCE_VALUE": ColumnType("varchar", 100),
        "CHANNEL": ColumnType("varchar", 10),
        "UPDATED_TS": ColumnType("datetime"),
    }


def _source(spec, **changes: ColumnType) -> dict[str, dict[str, ColumnType]]:
    layout = shipped_layout(spec)
    as_source = {
        "BIGINT": "bigint",
        "varchar": "character varying",
        "char": "character",
        "decimal": "numeric",
        "datetime": "timestamp without time zone",
    }
    columns = {}
    for column in spec.columns:
        mysql = layout[column.upper()]
        name = as_source.get(mysql.name, mysql.name)
        columns[column] = ColumnType(name, mysql.length, mysql.precision, mysql.scale)
    columns.update(changes)
    return {spec.source: columns}


def test_an_unchanged_source_gives_no_notice_and_no_refusal() -> None:
    for group in GROUPS.groups:
        source = {k: v for spec in group.tables for k, v in _source(spec).items()}
        mysql = {spec.gold_table: shipped_layout(spec) for spec in group.tables}
        check = check_schema([group], source, mysql)
        assert (check.notices, check.refusals) == ([], []), group.name


def test_the_cdc_columns_the_sql_reads_are_no_drift_but_a_new_column_is() -> None:
    (spec,) = CRN.tables
    source = _source(
        spec,
        cdc_operation=ColumnType("character", 1),
        cdc_timestamp=ColumnType("timestamp without time zone"),
        loyalty_tier=ColumnType("character varying", 10),
    )
    check = check_schema([CRN], source, {spec.gold_table: shipped_layout(spec)})
    assert check.refusals == []
    (notice,) = check.notices
    assert "oframe_cdc_prd_s.ims_mason_crn" in notice
    assert "loyalty_tier" in notice
    assert "cdc_operation" not in notice and "cdc_timestamp" not in notice


def test_a_wider_kept_column_and_a_gone_column_are_refused_naming_them() -> None:
    (spec,) = PREFERENCES.tables
    source = _source(spec, preference_value=ColumnType("character varying", 500))
    del source[spec.source]["channel"]
    check = check_schema([PREFERENCES], source, {spec.gold_table: shipped_layout(spec)})
    with pytest.raises(SourceSchemaError) as raised:
        check.raise_refusals()
    message = str(raised.value)
    assert "oframe_prd_s.ims_mason_preferences.preference_value is character varying(500)" in (
        message
    )
    assert "IMS_MASON_PREFERENCES_GOLD.PREFERENCE_VALUE is varchar(100)" in message
    assert "no column channel" in message


def test_a_masked_column_is_not_compared_and_an_unseen_table_is_skipped() -> None:
    customer = GROUPS.group("customer")
    (spec,) = customer.tables
    source = _source(spec, first_name=ColumnType("character varying", 300))
    check = check_schema([customer], source, {spec.gold_table: shipped_layout(spec)})
    assert check.refusals == []
    assert check_schema([customer], {}, {}).refusals == []

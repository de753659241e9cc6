"""The privacy gate's chunk scanner and report (issue 15), and no false positives on the
values the synthetic warehouse generates."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from ims_refresh.synthetic_samples import KEPT_TEXT_COLUMNS, synthetic_sample
from training_refresh.privacy.identity import CustomerIdentity, IdentityIndex
from training_refresh.privacy.report import ColumnPrivacy, PrivacySection, TablePrivacy
from training_refresh.privacy.scanner import (
    MAX_LISTED_CUSTOMERS,
    ColumnAllowance,
    ColumnScan,
    TableScan,
    TableScanner,
)

COLUMNS = ("customer_no", "preference_code", "preference_value", "channel")
PLANTED = {
    "phone": "call me at 608-246-1234 after 5",
    "email": "alternate: zoe.private@gmail.com",
    "payment_card": "card 4111 1111 1111 1111",
    "national_id": "ssn 123-45-6789",
}
ZOE = CustomerIdentity(customer_no=6766, first_name="Zoë", last_name="Nguyễn", phone="608-246-9876")


def preference_rows(values: list[str | None], customer_no: int = 7) -> list[tuple[object, ...]]:
    return [(customer_no, f"CODE_{n}", value, "WEB") for n, value in enumerate(values)]


def scan(rows, identities=(), allowances=(), columns=("preference_value", "channel")) -> TableScan:
    scanner = TableScanner(COLUMNS, columns, allowances)
    return scanner.scan(rows, lambda row: row[0], identities)


# --- scanning -------------------------------------------------------------------------


def test_a_value_of_each_kind_is_found_and_counted_per_value():
    # Given a chunk whose free-text column holds one value of each kind, twice, and NULLs
    rows = preference_rows([*PLANTED.values(), *PLANTED.values(), None, "Y", "Leave at back door"])

    # When it is scanned
    result = scan(rows).column("preference_value")

    # Then every rule counts its two values, and NULL is not a scanned value
    assert result.findings == dict.fromkeys(PLANTED, 2)
    assert result.values_scanned == 10
    assert result.blocked
    assert (result.customers, result.customer_count) == ((7,), 1)


def test_only_text_values_count_as_scanned():
    # Given a column holding text, NULLs and a number the warehouse typed as one
    rows = preference_rows(["Leave at back door", None, 42, "Y", None, "Y"])

    # When it is scanned
    result = scan(rows).column("preference_value")

    # Then the three text values are the ones scanned
    assert (result.values_scanned, result.findings) == (3, {})


def test_the_rows_own_customer_identity_is_matched_and_nobody_elses():
    # Given two customers' rows holding Zoë's surname
    rows = [*preference_rows(["ask Mrs Nguyen"], 6766), *preference_rows(["ask Mrs Nguyen"], 7)]

    # When scanned with both identities
    result = scan(rows, [ZOE, CustomerIdentity(customer_no=7, last_name="Smith")])

    # Then only Zoë's row is a finding
    column = result.column("preference_value")
    assert (column.findings, column.customers) == ({"own_name": 1}, (6766,))


def test_rows_can_give_their_customers_as_a_sequence():
    rows = preference_rows(["ask Mrs Nguyen", "ask Mrs Nguyen"])
    scanner = TableScanner(COLUMNS, ["preference_value"])
    result = scanner.scan(rows, [6766, None], IdentityIndex([ZOE]))
    assert result.column("preference_value").customers == (6766,)
    with pytest.raises(ValueError, match="1 customer numbers for 2 rows"):
        scanner.scan(rows, [6766], IdentityIndex([ZOE]))


def test_an_allowed_rule_is_counted_but_does_not_block():
    # Given a column where e-mail addresses are expected
    allowance = ColumnAllowance(column="channel", rule="email", reason="channel holds a reply-to")
    rows = [(7, "A", "Y", "reply@example.com"), (8, "B", "N", "608-246-1234")]

    # When scanned
    result = scan(rows, allowances=[allowance]).column("channel")

    # Then the address is counted as allowed, and the phone still blocks
    assert (result.allowed, result.findings, result.customers) == ({"email": 1}, {"phone": 1}, (8,))


def test_a_column_with_only_allowed_findings_is_not_blocked():
    allowance = ColumnAllowance(column="channel", rule="email", reason="reply-to addresses")
    result = scan([(7, "A", "Y", "reply@example.com")], allowances=[allowance])
    assert not result.blocked
    assert result.column("channel").customers == ()


def test_customers_are_listed_up_to_the_cap_and_counted_in_full():
    rows = [row for n in range(30) for row in preference_rows([PLANTED["phone"]], 1000 - n)]
    column = scan(rows).column("preference_value")
    assert column.customers == tuple(range(971, 971 + MAX_LISTED_CUSTOMERS))
    assert column.customer_count == 30


def test_chunk_scans_add_up():
    first = scan(preference_rows([PLANTED["phone"], "Y"], 7))
    second = scan(preference_rows([PLANTED["phone"], PLANTED["email"]], 8))
    merged = first.merged(second).column("preference_value")
    assert (merged.values_scanned, merged.findings) == (4, {"email": 1, "phone": 2})
    assert (merged.customers, merged.customer_count) == ((7, 8), 2)


@pytest.mark.parametrize(
    ("columns", "allowances", "message"),
    [
        (["nope"], [], "not columns of the table"),
        (["channel", "channel"], [], "named twice"),
        (["channel"], [ColumnAllowance(column="x", rule="email", reason="r")], "not a column"),
        (
            ["channel"],
            [ColumnAllowance(column="channel", rule="email", reason="r")] * 2,
            "twice",
        ),
    ],
)
def test_bad_scanner_declarations_are_refused(columns, allowances, message):
    with pytest.raises(ValueError, match=message):
        TableScanner(COLUMNS, columns, allowances)


def test_an_allowance_needs_a_known_rule_and_a_reason():
    with pytest.raises(ValidationError):
        ColumnAllowance(column="channel", rule="email", reason="  ")
    with pytest.raises(ValidationError):
        ColumnAllowance(column="channel", rule="iban", reason="r")  # type: ignore[arg-type]


def test_nothing_of_a_planted_value_reaches_a_result_or_a_report():
    rows = preference_rows([*PLANTED.values(), "ask Mrs Nguyen"], 6766)
    result = scan(rows, [ZOE])
    report = PrivacySection(
        tables=(TablePrivacy.of("IMS_MASON_PREFERENCES", map(ColumnPrivacy.kept, result.columns)),)
    )
    shown = " ".join([repr(result), result.model_dump_json(), report.model_dump_json()])
    shown += " ".join(report.blocked_lines())
    for value in [*PLANTED.values(), "Nguyen"]:
        for piece in value.split():
            if len(piece) >= 4 and piece not in {"card", "after", "alternate:"}:
                assert piece not in shown


# --- the report -----------------------------------------------------------------------


def test_the_privacy_section_reads_back_from_json_and_names_blocked_columns():
    kept = ColumnScan(
        column="preference_value",
        values_scanned=12,
        findings={"phone": 3},
        allowed={},
        customers=(7, 6766),
        customer_count=2,
    )
    table = TablePrivacy.of(
        "IMS_MASON_PREFERENCES",
        [ColumnPrivacy.masked("email_address", "cus_email"), ColumnPrivacy.kept(kept)],
    )
    section = PrivacySection(tables=(table,))

    assert PrivacySection.model_validate(json.loads(section.model_dump_json())) == section
    assert table.status == "blocked"
    assert section.blocked_lines() == [
        "IMS_MASON_PREFERENCES.preference_value: blocked: phone in 3 values; customers 7, 6766"
    ]


def test_a_status_that_contradicts_the_counts_is_refused():
    with pytest.raises(ValidationError, match="counts say 'blocked'"):
        ColumnPrivacy(column="c", treatment="kept", findings={"phone": 1}, status="kept")
    with pytest.raises(ValidationError, match="not scanned"):
        ColumnPrivacy(
            column="c",
            treatment="masked",
            anonymizer="customer",
            values_scanned=3,
            status="protected",
        )
    masked = ColumnPrivacy.masked("c", "customer")
    with pytest.raises(ValidationError, match="columns say 'protected'"):
        TablePrivacy(table="T", columns=(masked,), status="kept")


# --- no false positives on realistic data ---------------------------------------------

SAMPLE = synthetic_sample(1500)
RECOMMENDED_ALLOWANCES = {
    "oframe_prd_s.ims_customer": [
        ColumnAllowance(
            column="city",
            rule="own_name",
            reason="a city can bear the customer's surname (Mr Jackson of Jackson, MS)",
        )
    ]
}


@pytest.mark.parametrize("source", list(KEPT_TEXT_COLUMNS))
def test_the_synthetic_warehouses_kept_values_are_no_findings(source):
    # Given the rows the synthetic warehouse generates, with every customer's own identity
    table = SAMPLE.table(source)
    scanner = TableScanner(
        table.columns, table.kept_text_columns, RECOMMENDED_ALLOWANCES.get(source, ())
    )

    # When its kept text columns are scanned
    result = scanner.scan(table.rows, table.customer_numbers, SAMPLE.identities)

    # Then nothing blocks, and only the allowed rule is ever counted
    found = [(column.column, column.findings) for column in result.columns]
    assert found == [(name, {}) for name in table.kept_text_columns]
    assert all(set(c.allowed) <= {"own_name"} for c in result.columns)
    assert sum(c.values_scanned for c in result.columns) > len(table.rows)


def test_every_value_the_generator_can_produce_was_scanned():
    # The sample is large enough that each listed preference value occurs (the lists are in
    # synthetic_pools.PREFERENCE_VALUES); so the zero above covers all of them.
    from ims_refresh import synthetic_pools

    table = SAMPLE.table("oframe_prd_s.ims_mason_preferences")
    seen = {row[2] for row in table.rows}
    listed = {v for values in synthetic_pools.PREFERENCE_VALUES.values() for v in values}
    assert listed <= seen

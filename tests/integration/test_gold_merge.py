"""The gold merge against the real MariaDB: per-chunk replacement in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from support import mysql_query, table_checksums

from ims_refresh.local.mysql_setup import ensure_training_tables
from ims_refresh.settings import MySqlUrl
from training_refresh.adapters.mysql import Connection, connect
from training_refresh.errors import StaleGoldBuildError, TrainingDatabaseError
from training_refresh.gold_load.build import drop_run_builds, prepare_builds
from training_refresh.gold_load.merge import TableRows, replace_customers, values_list
from training_refresh.table_groups import load_table_groups

CONFIGS = load_table_groups()
ORDER_AUTH = CONFIGS.group("order_auth").tables


def order(order_no: int, customer: int) -> tuple:
    return (order_no, customer, date(2026, 1, 2), "OPEN", "12.50", "UPS", "CAT1", None)


def auth(auth_id: int, order_no: int) -> tuple:
    return (auth_id, order_no, "12.50", "APPROVED", "A1", "VISA", "4242", None)


@pytest.fixture
def gold(training_db: MySqlUrl) -> Iterator[Connection]:
    ensure_training_tables(training_db, CONFIGS)
    connection = connect(training_db, workflow_session=False)
    yield connection
    connection.close()


def load(connection: Connection, customers: list[int], orders, auths) -> None:
    replace_customers(
        connection,
        customers,
        [TableRows(ORDER_AUTH[0], [orders]), TableRows(ORDER_AUTH[1], [auths])],
        into={},  # these tests write the tables under their own names
        config="order_auth",
    )


def test_a_customer_is_replaced_and_others_are_kept(gold, training_db: MySqlUrl) -> None:
    # Given two customers with orders and auths in the gold copy
    load(gold, [1, 2], [order(10, 1), order(20, 2)], [auth(100, 10), auth(200, 20)])
    # When customer 1 is loaded again with a different order
    load(gold, [1], [order(11, 1)], [auth(110, 11)])
    # Then customer 1's old order and its auth are gone, customer 2 is untouched
    assert mysql_query(training_db, "SELECT ORDER_NO FROM IMS_ORDER_GOLD ORDER BY 1") == [
        (11,),
        (20,),
    ]
    assert mysql_query(training_db, "SELECT AUTH_ID FROM IMS_AUTH_GOLD ORDER BY 1") == [
        (110,),
        (200,),
    ]


def test_a_failure_mid_chunk_leaves_the_gold_copy_unchanged(gold, training_db: MySqlUrl) -> None:
    # Given a loaded gold copy
    load(gold, [1], [order(10, 1)], [auth(100, 10)])
    before = table_checksums(training_db, ["IMS_ORDER_GOLD", "IMS_AUTH_GOLD"])

    def failing_batches() -> Iterator[list[tuple]]:
        yield [auth(101, 12)]
        raise RuntimeError("warehouse went away")

    # When a reload fails after its deletes and some inserts
    with pytest.raises(RuntimeError, match="went away"):
        replace_customers(
            gold,
            [1],
            [
                TableRows(ORDER_AUTH[0], [[order(12, 1)]]),
                TableRows(ORDER_AUTH[1], failing_batches()),
            ],
            into={},
            config="order_auth",
        )
    # Then the chunk's transaction is rolled back: nothing changed
    assert table_checksums(training_db, ["IMS_ORDER_GOLD", "IMS_AUTH_GOLD"]) == before


def test_a_chunk_merged_into_build_tables_leaves_the_live_gold_copies_alone(
    gold, training_db: MySqlUrl
) -> None:
    # Given live gold copies holding two customers
    load(gold, [1, 2], [order(10, 1), order(20, 2)], [auth(100, 10), auth(200, 20)])
    live = ["IMS_ORDER_GOLD", "IMS_AUTH_GOLD"]
    before = table_checksums(training_db, live)
    # When a run copies them into its build tables and merges customer 1 again there
    into = prepare_builds(gold, CONFIGS.group("order_auth"), "run-b", fresh=True)
    assert table_checksums(training_db, list(into.values())) == {
        into[name]: value for name, value in before.items()
    }
    replace_customers(
        gold,
        [1],
        [TableRows(ORDER_AUTH[0], [[order(11, 1)]]), TableRows(ORDER_AUTH[1], [[auth(110, 11)]])],
        into=into,
        config="order_auth",
    )
    # Then the build tables hold the change (the auth deleted through the build's order)
    assert mysql_query(
        training_db, f"SELECT AUTH_ID FROM `{into['IMS_AUTH_GOLD']}` ORDER BY 1"
    ) == [
        (110,),
        (200,),
    ]
    # And the live gold copies are byte for byte as before
    assert table_checksums(training_db, live) == before
    # And a later invocation finds the builds; once they are gone it refuses to go on
    assert prepare_builds(gold, CONFIGS.group("order_auth"), "run-b", fresh=False) == into
    assert drop_run_builds(gold, "run-b") == sorted(into.values())
    with pytest.raises(StaleGoldBuildError, match="order_auth"):
        prepare_builds(gold, CONFIGS.group("order_auth"), "run-b", fresh=False)


def test_rows_mysql_refuses_are_named_by_their_keys_and_the_chunk_rolls_back(
    gold, training_db: MySqlUrl
) -> None:
    # Given a loaded gold copy
    load(gold, [1], [order(10, 1)], [auth(100, 10)])
    before = table_checksums(training_db, ["IMS_ORDER_GOLD", "IMS_AUTH_GOLD"])
    # And a reload whose INSERT holds two orders with a status too long for its column
    too_long = [(n, c, date(2026, 1, 2), "QZXQ" * 10, "1.00", "UPS", "CAT1", None)
                for n, c in ((12, 2), (14, 1))]  # fmt: skip
    orders = [order(11, 1), too_long[0], order(13, 2), too_long[1]]
    # When it is merged, Then a TrainingDatabaseError names config, table, column, key
    # columns and the keys of both rows, not the value, not MySQL's "at row 2"
    with pytest.raises(TrainingDatabaseError) as raised:
        load(gold, [1, 2], orders, [auth(110, 11)])
    assert str(raised.value) == (
        "config order_auth, IMS_ORDER: MySQL error 1406: Data too long for column "
        "'ORDER_STATUS'; refused 2 of the 4 row(s) of one INSERT, key columns order_no: "
        "keys (order_no=12), (order_no=14)"
    )
    # And nothing of the chunk was written, not even the rows that were tried alone
    assert table_checksums(training_db, ["IMS_ORDER_GOLD", "IMS_AUTH_GOLD"]) == before


def test_keys_that_collide_only_in_mysql_are_named_with_their_blanks(
    gold, training_db: MySqlUrl
) -> None:
    # Given CRNs that differ in the warehouse only by a trailing blank, which the gold
    # copy's collation (utf8mb4_bin, PAD SPACE) ignores
    spec = CONFIGS.group("mason_crn").tables[0]
    rows = [(7, crn, "A", "TEST", None) for crn in ("A1", "B2", "A1 ")]
    # When they are merged
    with pytest.raises(TrainingDatabaseError) as raised:
        replace_customers(gold, [7], [TableRows(spec, [rows])], into={}, config="mason_crn")
    # Then the duplicate is named by its key, the blank shown, the entry itself redacted
    message = str(raised.value)
    assert message.startswith(
        "config mason_crn, IMS_MASON_CRN: MySQL error 1062: Duplicate entry '<redacted>' "
        "for key 'PRIMARY'; refused 1 of the 3"
    )
    assert message.endswith("keys (customer_no=7, crn='A1 ')")
    assert mysql_query(training_db, "SELECT COUNT(*) FROM IMS_MASON_CRN_GOLD") == [(0,)]


VALUE_TYPES = [
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
    st.text(alphabet=st.sampled_from(["'", "\\", '"', "\x00", "\x1a", "\n", "\r", "a", "é"])),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.just(UTC)),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
]


@st.composite
def value_rows(draw: st.DrawFn) -> list[tuple]:
    """Three rows of one to four columns. A column holds one type, sometimes with NULLs
    (as extracted columns do), or a mix of types."""
    columns = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        values = (
            st.one_of(*VALUE_TYPES)
            if draw(st.booleans())
            else st.one_of(st.none(), draw(st.sampled_from(VALUE_TYPES)))
        )
        columns.append(draw(st.lists(values, min_size=3, max_size=3)))
    return [tuple(column[row] for column in columns) for row in range(3)]


@pytest.fixture(scope="module", params=["", "NO_BACKSLASH_ESCAPES"])
def session(request: pytest.FixtureRequest) -> Iterator[Connection]:
    """A MariaDB session with or without backslash escapes (no database needed)."""
    server = MySqlUrl.parse("mysql://root@127.0.0.1:3306/x").without_database()
    connection = connect(server, autocommit=False, workflow_session=False)
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION sql_mode = %s", [request.param])
    yield connection
    connection.close()


@given(rows=value_rows())
@example(rows=[("O'Neil \\ \x00\x1a\n\r\"",), (None,), ("",)])
@example(rows=[("DELIVERED",), ("",), ("é 🦆",)])  # nothing to escape: one join, one split
@example(rows=[("a\uffffb",), ("plain",), ("\uffff",)])  # the joining character in a value
def test_values_list_writes_what_pymysql_writes(session: Connection, rows: list[tuple]) -> None:
    # Given rows of every value type the extraction produces, NULLs and mixed columns
    # When they are rendered as a VALUES list, column by column
    rendered = values_list(session, rows)
    # Then the text is exactly what pymysql renders value by value in this session's mode
    expected = ",".join("(" + ",".join(session.escape(v) for v in row) + ")" for row in rows)
    assert rendered == expected


@pytest.mark.parametrize("sql_mode", ["", "NO_BACKSLASH_ESCAPES"])
def test_awkward_strings_survive_the_round_trip(gold, sql_mode: str) -> None:
    # Given strings with quotes, backslashes, control characters and non-ASCII text
    awkward = ["O'Neil", "back\\slash", "\\'", '"quoted"', "nul\x00byte", "ctrl\x1az", "é 🦆"]
    with gold.cursor() as cursor:
        cursor.execute("SET SESSION sql_mode = %s", [sql_mode])
        cursor.execute("CREATE TABLE awkward (id INT, v VARCHAR(40)) CHARACTER SET utf8mb4")
        # When they are inserted through a rendered VALUES list
        rows = [(index, text) for index, text in enumerate([*awkward, None])]
        cursor.execute("INSERT INTO awkward (id, v) VALUES " + values_list(gold, rows))
        cursor.execute("SELECT id, v FROM awkward ORDER BY id")
        # Then MariaDB stored exactly those values
        assert [tuple(row) for row in cursor.fetchall()] == rows

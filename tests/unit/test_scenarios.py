"""Scenario file parsing: docs/design.md §5."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from training_refresh.errors import ScenarioFileError
from training_refresh.scenarios import (
    LABEL_NAMES,
    MAX_CUSTOMER_DIGITS,
    MAX_LABEL_CHARS,
    parse_scenario_file,
    read_scenario_file,
)

BOM = b"\xef\xbb\xbf"
ARABIC_INDIC_DIGITS = "".join(chr(0x0660 + digit) for digit in range(10))
FULLWIDTH_DIGITS = "".join(chr(0xFF10 + digit) for digit in range(10))
LARGEST_CUSTOMER_NUMBER = 10**MAX_CUSTOMER_DIGITS - 1
NAMED_LINE = re.compile(r"line ([0-9]+):")


def rejection(data: bytes, source: str = "scenario file") -> str:
    with pytest.raises(ScenarioFileError) as caught:
        parse_scenario_file(data, source)
    return str(caught.value)


def named_lines(message: str) -> list[int]:
    return [int(number) for number in NAMED_LINE.findall(message)]


# --- accepted layouts -------------------------------------------------------------------


def test_single_column_without_header_is_read():
    # Given a file with one customer number per line and no header
    data = b"30\n10\n20\n"

    # When it is parsed
    customers = parse_scenario_file(data)

    # Then the numbers come back sorted ascending
    assert customers == (10, 20, 30)


def test_byte_order_mark_is_ignored():
    # Given a file saved with a UTF-8 byte order mark before the header
    data = BOM + b"customer_number\n5\n"

    # When it is parsed
    customers = parse_scenario_file(data)

    # Then the BOM does not spoil the header
    assert customers == (5,)


@pytest.mark.parametrize("line_break", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_every_accepted_line_break_separates_lines(line_break):
    # Given a file whose lines end with LF, CRLF or a lone CR
    data = line_break.join([b"customer_no", b"3", b"1", b"2"]) + line_break

    # When it is parsed
    customers = parse_scenario_file(data)

    # Then every line is its own customer
    assert customers == (1, 2, 3)


def test_mixed_line_breaks_are_accepted():
    # Given a file edited on several systems
    data = b"customer\r\n1\n2\r3"

    # When it is parsed
    customers = parse_scenario_file(data)

    # Then each kind of break ends a line
    assert customers == (1, 2, 3)


@pytest.mark.parametrize(
    "header",
    ["customer_number", "CUSTOMER_NUMBER", "Customer_No", "customer", "  Customer  ", '"customer"'],
)
def test_header_names_are_accepted_in_any_case_and_trimmed(header):
    # Given a header naming the customer column in one of the accepted ways
    data = f"{header}\n42\n".encode()

    # When it is parsed
    customers = parse_scenario_file(data)

    # Then the header line is not taken for data
    assert customers == (42,)


def test_customer_column_is_found_among_other_columns_which_are_ignored():
    # Given a header whose customer column is not the first, among columns of any content
    data = b"name,Customer_Number,notes\nJane,7,abc\nBob, 8 ,-1\n"

    # When it is parsed
    customers = parse_scenario_file(data)

    # Then only the customer column is read
    assert customers == (7, 8)


def test_customer_number_column_is_preferred_over_customer_column():
    # Given a header with a "customer" column of names and a "customer_number" column
    data = b"customer,customer_number\nJane Doe,11\n"

    # When it is parsed
    customers = parse_scenario_file(data)

    # Then customer_number is the column used
    assert customers == (11,)


def test_without_header_the_first_column_is_used_and_others_are_ignored():
    # Given a headerless file with a second column of free text
    data = b"12,first class\n13,customer\n"

    # When it is parsed
    customers = parse_scenario_file(data)

    # Then the first column is read
    assert customers == (12, 13)


def test_blank_lines_anywhere_are_skipped():
    # Given blank lines before the header, between data, of only spaces or only commas
    data = b"\n\ncustomer_number,name\n\n1,a\n   \n,,\n\t\n2,b\n\n"

    # When it is parsed
    customers = parse_scenario_file(data)

    # Then they are skipped without error
    assert customers == (1, 2)


def test_duplicates_count_once():
    # Given the same customer several times, once with leading zeros
    data = b"5\n5\n005\n4\n"

    # When it is parsed
    customers = parse_scenario_file(data)

    # Then each customer appears once
    assert customers == (4, 5)


def test_spaces_and_tabs_around_a_number_are_allowed():
    # Given numbers padded with spaces and tabs, as spreadsheets sometimes export them
    data = b"customer_no\n  17  \n\t18\t\n"

    # When it is parsed
    customers = parse_scenario_file(data)

    # Then the padding is dropped
    assert customers == (17, 18)


def test_quoted_cells_are_read_as_csv():
    # Given quoted cells, one holding a comma and one holding a line break
    data = b'"customer_number","note"\n"21","a, b"\n"22","two\nlines"\n'

    # When it is parsed
    customers = parse_scenario_file(data)

    # Then the quotes are CSV quoting, not part of the number
    assert customers == (21, 22)


def test_fifteen_digits_with_leading_zeros_are_accepted():
    # Given the longest customer numbers: fifteen digits, with or without leading zeros
    data = b"999999999999999\n000000000000001\n"

    # When it is parsed
    customers = parse_scenario_file(data)

    # Then both are read as integers
    assert customers == (1, LARGEST_CUSTOMER_NUMBER)


# --- rejected files ---------------------------------------------------------------------


@pytest.mark.parametrize("zero", ["0", "000", " 000000000000000 ", '"0"'])
def test_customer_number_zero_is_rejected_naming_the_file_and_line(zero: str):
    # Given a file whose third line is customer number 0, however it is spelled
    data = f"customer_number\n7\n{zero}\n".encode()

    # When it is parsed
    message = rejection(data, "s3://bucket/zero.csv")

    # Then the file and the line are named: IMS numbers customers from 1 (design §5)
    assert message.startswith("s3://bucket/zero.csv: ")
    assert named_lines(message) == [3]
    assert "is not a customer number (they start at 1)" in message


def test_customer_number_zero_without_header_is_a_bad_line_not_a_header():
    # Given a file without header whose first line is 0
    data = b"0\n5\n"

    # When it is parsed, Then line 1 is the bad one
    assert named_lines(rejection(data)) == [1]


def test_sixteen_digits_are_rejected_naming_the_line():
    # Given a sixteen-digit number on line 3 (leading zeros count as digits)
    data = b"customer_number\n1\n0000000000000001\n"

    # When it is parsed
    message = rejection(data)

    # Then the line and the digit count are named
    assert named_lines(message) == [3]
    assert "16 digits" in message


@pytest.mark.parametrize(
    "bad_value",
    [
        "-5",
        "+5",
        "1.5",
        "1e5",
        "12a",
        "abc",
        "0x1F",
        "1 2",
        ARABIC_INDIC_DIGITS,
        FULLWIDTH_DIGITS,
        "5\u00a0",
    ],
    ids=[
        "negative",
        "plus",
        "decimal",
        "exponent",
        "trailing-letter",
        "letters",
        "hex",
        "inner-space",
        "arabic-indic-digits",
        "fullwidth-digits",
        "non-breaking-space",
    ],
)
def test_values_that_are_not_customer_numbers_are_rejected(bad_value):
    # Given a valid first line and a bad value on line 2
    data = f"1\n{bad_value}\n3\n".encode()

    # When it is parsed
    message = rejection(data)

    # Then the message names line 2 and quotes the value
    assert named_lines(message) == [2]
    assert repr(bad_value) in message
    assert "is not a customer number (1-15 digits)" in message


def test_empty_customer_cell_on_a_line_with_other_content_is_rejected():
    # Given a line with a note but no customer number
    data = b"customer_number,note\n1,a\n,b\n"

    # When it is parsed
    message = rejection(data)

    # Then that line is named as empty
    assert named_lines(message) == [3]
    assert "empty" in message


def test_line_shorter_than_the_customer_column_is_rejected():
    # Given a header whose customer column is the third, and a line of two cells
    data = b"a,b,customer\n1,2,3\n1,2\n"

    # When it is parsed
    message = rejection(data)

    # Then the short line is named
    assert named_lines(message) == [3]
    assert "2 cell(s)" in message


@pytest.mark.parametrize(
    "data", [b"", BOM, b"\n\n", b"\r\n  \r\n,,\r\n"], ids=["zero-bytes", "bom-only", "lf", "blank"]
)
def test_empty_file_is_rejected(data):
    # Given a file with no content but blanks
    # When it is parsed
    message = rejection(data, source="s3://bucket/empty.csv")

    # Then it is rejected as empty, naming the file
    assert message.startswith("s3://bucket/empty.csv: ")
    assert "empty" in message


def test_header_only_file_is_rejected():
    # Given a header and blank lines only
    data = b"customer_number,name\n\n"

    # When it is parsed
    message = rejection(data)

    # Then it is rejected for listing no customers, naming the header line
    assert "only a header" in message
    assert "line 1" in message


def test_header_without_usable_column_is_rejected_naming_its_cells():
    # Given a header with no accepted column name, from a semicolon-separated export
    data = b"\nName;Kundennummer,cust no\n1,2\n"

    # When it is parsed
    message = rejection(data)

    # Then the header line and its cells are named
    assert named_lines(message) == [2]
    assert "no usable column" in message
    assert "'Name;Kundennummer'" in message
    assert "'cust no'" in message


def test_header_naming_the_customer_column_twice_is_rejected():
    # Given two columns both called customer_no
    data = b"customer_no,CUSTOMER_NO\n1,2\n"

    # When it is parsed
    message = rejection(data)

    # Then the ambiguity is reported rather than one column guessed
    assert named_lines(message) == [1]
    assert "more than once" in message


def test_non_utf8_bytes_are_rejected_naming_the_line():
    # Given a Latin-1 encoded name on line 3 of a CRLF file
    data = b"customer_number,name\r\n1,Anna\r\n2,Jos\xe9\r\n3,Eve\r\n"

    # When it is parsed
    message = rejection(data)

    # Then line 3 is named, with a hint at the encoding to use
    assert named_lines(message) == [3]
    assert "not UTF-8" in message
    assert message.endswith("(save the file as CSV UTF-8)")


def test_utf16_file_is_rejected_as_not_utf8():
    # Given a file saved as UTF-16 ("Unicode text" in Excel)
    data = "customer_number\n1\n".encode("utf-16")

    # When it is parsed
    message = rejection(data)

    # Then it is refused at line 1
    assert named_lines(message)[0] == 1
    assert "not UTF-8" in message


def test_bad_csv_quoting_is_rejected_and_later_lines_are_still_checked():
    # Given a stray quote on line 2 and a bad value on line 4
    data = b'1\n"2"3\n4\nx\n'

    # When it is parsed
    message = rejection(data)

    # Then both lines are named
    assert named_lines(message) == [2, 4]
    assert "not valid CSV" in message


def test_unclosed_quote_is_rejected_naming_the_line_where_it_opens():
    # Given a quoted cell opened on line 3 and never closed
    data = b'customer\n1\n"2\n3\n4\n'

    # When it is parsed
    message = rejection(data)

    # Then line 3 is named
    assert named_lines(message) == [3]


def test_lines_are_numbered_physically_past_a_cell_spanning_lines():
    # Given a quoted note over lines 2-3, then a bad value on line 4
    data = b'customer_number,note\n1,"two\r\nlines"\nabc,x\n'

    # When it is parsed
    message = rejection(data)

    # Then the bad value is placed on line 4, as an editor shows it
    assert named_lines(message) == [4]


def test_every_bad_line_is_reported_in_one_error():
    # Given three bad lines among good ones
    data = b"customer_number\n1\na\n2\nb\n\nc\n"

    # When it is parsed
    message = rejection(data)

    # Then the message lists all three, in file order, after the source
    assert message.startswith("scenario file: line 3: 'a' is not a customer number")
    assert named_lines(message) == [3, 5, 7]


@pytest.mark.parametrize(("bad_lines", "more"), [(20, None), (21, 1), (45, 25)])
def test_only_the_first_twenty_bad_lines_are_named(bad_lines, more):
    # Given a header and a number of bad lines
    data = b"customer_number\n" + b"bad\n" * bad_lines

    # When it is parsed
    message = rejection(data)

    # Then lines 2-21 are named and the rest only counted
    assert named_lines(message) == list(range(2, 2 + min(bad_lines, 20)))
    if more is None:
        assert "more" not in message
    else:
        assert message.endswith(f"; and {more} more")


def test_long_bad_value_is_cut_short_in_the_message():
    # Given a bad value of 10,000 characters
    long_value = "x" * 10_000

    # When it is parsed
    message = rejection(f"1\n{long_value}\n".encode())

    # Then the message quotes at most about 40 characters of it
    assert "x" * 41 not in message
    assert "x" * 30 in message
    assert len(message) < 150


# --- properties -------------------------------------------------------------------------

customer_numbers = st.integers(min_value=1, max_value=LARGEST_CUSTOMER_NUMBER)
other_column_names = st.sampled_from(["name", "note", "class", "Customer Name", "cust"])
# Free text for ignored columns: anything but an accepted header name, or text that reads
# like the "line N:" of an error message.
other_cells = st.text(max_size=12).filter(
    lambda cell: (
        cell.strip().lower() not in {"customer_number", "customer_no", "customer"}
        and "line" not in cell.lower()
    )
)


@st.composite
def header_spelling(draw, name: str):
    """``name`` in random letter case with random spaces around."""
    cased = "".join(char.upper() if draw(st.booleans()) else char for char in name)
    return draw(st.sampled_from(["", " ", "  "])) + cased + draw(st.sampled_from(["", "\t"]))


@st.composite
def number_spelling(draw, number: int):
    """``number`` with leading zeros (up to 15 digits) and spaces around."""
    digits = str(number)
    zeros = "0" * draw(st.integers(min_value=0, max_value=MAX_CUSTOMER_DIGITS - len(digits)))
    return (
        draw(st.sampled_from(["", " ", "\t "])) + zeros + digits + draw(st.sampled_from(["", "  "]))
    )


@st.composite
def scenario_layouts(draw):
    """How a scenario file is laid out: header or not, where the customer column is."""
    header_name = draw(st.none() | st.sampled_from(["customer_number", "customer_no", "customer"]))
    extra_columns = draw(st.integers(min_value=0, max_value=2))
    # Without a header the customer column must be the first.
    position = 0 if header_name is None else draw(st.integers(0, extra_columns))
    header = None
    if header_name is not None:
        header = [draw(other_column_names) for _ in range(extra_columns)]
        header.insert(position, draw(header_spelling(header_name)))
    return {
        "header": header,
        "extra_columns": extra_columns,
        "position": position,
        "bom": draw(st.booleans()),
        "line_break": draw(st.sampled_from(["\n", "\r\n"])),
        "quoting": draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
    }


def csv_line(cells, layout):
    """One CSV record as a spreadsheet writes it: cells holding CR or LF are quoted."""
    buffer = io.StringIO(newline="")
    # Python 3.11's writer quotes only the characters of its own line terminator, so a
    # CR-LF terminator, swapped for the layout's line break after, gets both quoted.
    csv.writer(buffer, lineterminator="\r\n", quoting=layout["quoting"]).writerow(cells)
    return buffer.getvalue().removesuffix("\r\n") + layout["line_break"]


def write_scenario(draw, layout, customer_cells):
    """The file's bytes and the physical line number on which each data row starts."""
    lines = [layout["line_break"] * draw(st.integers(0, 2))]
    if layout["header"] is not None:
        lines.append(csv_line(layout["header"], layout))
    starts = []
    for cell in customer_cells:
        lines.append(layout["line_break"] * draw(st.integers(0, 2)))
        row = [draw(other_cells) for _ in range(layout["extra_columns"])]
        row.insert(layout["position"], cell)
        starts.append(len(re.findall(r"\r\n|\r|\n", "".join(lines))) + 1)
        lines.append(csv_line(row, layout))
    lines.append(layout["line_break"] * draw(st.integers(0, 2)))
    data = "".join(lines).encode("utf-8")
    return (BOM + data if layout["bom"] else data), starts


@given(st.data())
def test_any_valid_file_parses_to_its_sorted_unique_customers(data):
    # Given valid customer numbers, with duplicates, written in any accepted layout
    numbers = data.draw(st.lists(customer_numbers, min_size=1, max_size=20))
    numbers += data.draw(st.lists(st.sampled_from(numbers), max_size=5))
    layout = data.draw(scenario_layouts())
    cells = [data.draw(number_spelling(n)) for n in numbers]
    content, _ = write_scenario(data.draw, layout, cells)

    # When the file is parsed
    customers = parse_scenario_file(content)

    # Then it yields each customer once, ascending
    assert customers == tuple(sorted(set(numbers)))


invalid_cells = st.one_of(
    st.text(
        alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="0123456789"),
        min_size=1,
        max_size=50,
    ),
    st.integers(min_value=1).map(lambda n: f"-{n}"),
    st.tuples(st.integers(0, 999), st.integers(0, 999)).map(lambda p: f"{p[0]}.{p[1]}"),
    st.text(alphabet="0123456789", min_size=MAX_CUSTOMER_DIGITS + 1, max_size=40),
    st.text(alphabet=ARABIC_INDIC_DIGITS, min_size=1, max_size=15),
    st.tuples(customer_numbers, st.sampled_from("abcXYZ_/")).map(lambda p: f"{p[0]}{p[1]}"),
).filter(
    # A blank cell makes a blank line when the other cells are blank too: see the example
    # test of empty cells instead.
    lambda cell: (
        cell.strip(" \t") != ""
        and cell.strip().lower() not in {"customer_number", "customer_no", "customer"}
    )
)


@given(st.data())
def test_a_file_with_one_invalid_line_is_rejected_naming_exactly_that_line(data):
    # Given a valid file in any layout with one bad customer cell among the data
    layout = data.draw(scenario_layouts())
    numbers = data.draw(st.lists(customer_numbers, min_size=1, max_size=10))
    cells = [data.draw(number_spelling(n)) for n in numbers]
    bad_cell = data.draw(invalid_cells)
    bad_index = data.draw(st.integers(0, len(cells)))
    cells.insert(bad_index, bad_cell)
    content, starts = write_scenario(data.draw, layout, cells)

    # When the file is parsed
    with pytest.raises(ScenarioFileError) as caught:
        parse_scenario_file(content)

    # Then the error names that line and no other
    assert named_lines(str(caught.value)) == [starts[bad_index]]


@given(st.lists(customer_numbers, min_size=1, max_size=50))
def test_a_plain_list_of_numbers_round_trips(numbers):
    # Given any non-empty list of customer numbers, written one per line under a header
    data = "".join(f"{line}\n" for line in ["customer_number", *map(str, numbers)]).encode()
    # When it is parsed
    parsed = parse_scenario_file(data)
    # Then the same customers come back, sorted and unique
    assert parsed == tuple(sorted(set(numbers)))


# --- scenario labels --------------------------------------------------------------------


def test_the_label_column_is_kept_per_customer():
    # Given a header with a description column; one empty label, one customer twice
    data = (
        b'Region,Customer_No, Description \nn,5,"late return, refund"\nn,3,\nn,5,other\nn,7, x \n'
    )
    # When it is read
    scenario = read_scenario_file(data)
    # Then each customer has the first non-empty label, trimmed; an empty cell is none
    assert scenario.customers == (3, 5, 7)
    assert scenario.labels == {5: "late return, refund", 7: "x"}


def test_scenario_wins_over_label_over_description():
    data = b"description,label,customer,scenario\nd,l,1,s\nd,l,2,\n"
    assert read_scenario_file(data).labels == {1: "s"}


def test_without_a_header_or_a_label_column_there_are_no_labels():
    assert read_scenario_file(b"1,late\n2,lost\n").labels == {}
    assert read_scenario_file(b"customer,note\n1,late\n").labels == {}


def test_a_long_label_is_cut_and_a_short_row_has_none():
    long_label = "y" * (MAX_LABEL_CHARS + 50)
    data = f"customer,label\n1,{long_label}\n2\n".encode()
    assert read_scenario_file(data).labels == {1: "y" * MAX_LABEL_CHARS}


def test_a_header_naming_the_label_column_twice_is_rejected():
    with pytest.raises(ScenarioFileError, match="'label' more than once"):
        read_scenario_file(b"customer,label,LABEL\n1,a,b\n")


label_cells = st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc"]), max_size=30).filter(
    lambda cell: "line" not in cell.lower()
)


@given(st.data())
def test_labels_round_trip_in_any_layout(data):
    # Given customers with labels (some empty) under any accepted label column name
    numbers = data.draw(st.lists(customer_numbers, min_size=1, max_size=15, unique=True))
    labels = [data.draw(label_cells) for _ in numbers]
    name = data.draw(header_spelling(data.draw(st.sampled_from(LABEL_NAMES))))
    quoting = data.draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    layout = {"quoting": quoting, "line_break": data.draw(st.sampled_from(["\n", "\r\n"]))}
    lines = [csv_line(["customer_number", "note", name], layout)]
    rows = zip(numbers, labels, strict=True)
    lines += [csv_line([str(n), "x", label], layout) for n, label in rows]
    # When it is read
    scenario = read_scenario_file("".join(lines).encode("utf-8"))
    # Then every customer is there, with its trimmed label when it has one
    assert scenario.customers == tuple(sorted(numbers))
    expected = {n: label.strip() for n, label in zip(numbers, labels, strict=True) if label.strip()}
    assert scenario.labels == expected

"""Decoding the Redshift Data API's typed records (``GetStatementResult``) into Python values.

Every value of every result passes through here, so a page is decoded column by column
where it can (see :class:`ResultColumns`); the field-by-field path defines the semantics.
No row value ever goes into an error message: decoding errors name the column and its type
only, and are raised ``from None`` so the offending value is not chained either.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from itertools import repeat
from typing import Any

from training_refresh.errors import WarehouseQueryError

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?"
    r"(?:([+-])(\d{2})(?::?(\d{2}))?)?"
)
_PLAIN_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2} (?:[01]\d|2[0-3]):\d{2}:\d{2}(?:\.\d{1,6})?", re.ASCII
)
"""The common case of _TIMESTAMP (no zone, ASCII digits, hours below 24): datetime.fromisoformat
parses it to the same value about twenty times faster than the groups below. Hours 24+ take
the slow path, which refuses them whatever the Python version."""


class ResultColumns:
    """Decodes records by their ColumnMetadata.

    A page is decoded column by column (:meth:`decode_page`), which keeps the per-value work
    in C (``map`` over ``dict.get``, ``str.rstrip``, ``date.fromisoformat``...): this runs for
    every value of every result. Anything unexpected in a column sends the whole page to the
    field-by-field path (:meth:`decode`), which defines the semantics and names the column
    of a value it cannot decode.
    """

    def __init__(self, metadata: Sequence[Mapping[str, Any]]) -> None:
        self.names = tuple(str(column["name"]) for column in metadata)
        self._types = tuple(str(column.get("typeName", "")) for column in metadata)
        self._decoders = tuple(
            _decoder_for(name, type_name)
            for name, type_name in zip(self.names, self._types, strict=True)
        )
        self._column_decoders = tuple(_COLUMN_DECODERS.get(t) for t in self._types)

    def decode_page(self, records: Sequence[Sequence[Mapping[str, Any]]]) -> list[tuple[Any, ...]]:
        if not records:
            return []
        if set(map(len, records)) != {len(self._decoders)}:
            return [self.decode(record) for record in records]
        columns = []
        for index, fields in enumerate(zip(*records, strict=True)):
            column_decoder = self._column_decoders[index]
            values: list[Any] | None
            try:
                if column_decoder is None:
                    decode = self._decoders[index]
                    values = [None if f.get("isNull") else decode(f) for f in fields]
                else:
                    values = column_decoder(fields)
            except (AttributeError, KeyError, TypeError, ValueError, InvalidOperation):
                values = None
            if values is None:  # outside the except block, so nothing is chained
                return [self.decode(record) for record in records]
            columns.append(values)
        return list(zip(*columns, strict=True))

    def decode(self, record: Sequence[Mapping[str, Any]]) -> tuple[Any, ...]:
        if len(record) != len(self._decoders):
            raise WarehouseQueryError(
                f"a record has {len(record)} fields but the result has {len(self._decoders)}"
                " columns"
            )
        return tuple(self._decode_field(index, field) for index, field in enumerate(record))

    def _decode_field(self, index: int, field: Mapping[str, Any]) -> Any:
        if field.get("isNull"):
            return None
        try:
            return self._decoders[index](field)
        except (KeyError, TypeError, ValueError, InvalidOperation):
            # "from None": the original exception may quote the value.
            raise WarehouseQueryError(
                f"column {self.names[index]!r} of type {self._types[index]} holds a value"
                " that cannot be decoded"
            ) from None


FieldDecoder = Callable[[Mapping[str, Any]], Any]


def _decoder_for(column: str, type_name: str) -> FieldDecoder:
    try:
        return _DECODERS[type_name]
    except KeyError:
        raise WarehouseQueryError(
            f"column {column!r} has type {type_name!r}, which this client does not decode"
        ) from None


def _long(field: Mapping[str, Any]) -> int:
    value = field["longValue"]
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("longValue is not an int")
    return value


def _decimal(field: Mapping[str, Any]) -> Decimal:
    return Decimal(_string(field))


def _double(field: Mapping[str, Any]) -> float:
    return float(field["doubleValue"])


def _boolean(field: Mapping[str, Any]) -> bool:
    value = field["booleanValue"]
    if not isinstance(value, bool):
        raise TypeError("booleanValue is not a bool")
    return value


def _string(field: Mapping[str, Any]) -> str:
    value = field["stringValue"]
    if not isinstance(value, str):
        raise TypeError("stringValue is not a str")
    return value


def _padded_char(field: Mapping[str, Any]) -> str:
    # Redshift pads CHAR(n) with spaces to n characters; the padding is not data.
    return _string(field).rstrip(" ")


def _date(field: Mapping[str, Any]) -> dt.date:
    return dt.date.fromisoformat(_string(field))


def _timestamp(field: Mapping[str, Any]) -> dt.datetime:
    return _parse_timestamp(_string(field), with_time_zone=False)


def _timestamptz(field: Mapping[str, Any]) -> dt.datetime:
    return _parse_timestamp(_string(field), with_time_zone=True)


def _parse_timestamp(text: str, *, with_time_zone: bool) -> dt.datetime:
    """Parse Redshift's ``YYYY-MM-DD HH:MM:SS[.f{1,6}][+HH[:MM]]`` output."""
    if not with_time_zone and _PLAIN_TIMESTAMP.fullmatch(text):
        return dt.datetime.fromisoformat(text)
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise ValueError("not a Redshift timestamp")
    year, month, day, hour, minute, second, fraction, sign, offset_h, offset_m = match.groups()
    if (sign is not None) != with_time_zone:
        raise ValueError("time zone offset present/absent contrary to the column type")
    time_zone = None
    if sign is not None:
        offset = dt.timedelta(hours=int(offset_h), minutes=int(offset_m or 0))
        time_zone = dt.timezone(-offset if sign == "-" else offset)
    return dt.datetime(
        int(year),
        int(month),
        int(day),
        int(hour),
        int(minute),
        int(second),
        int((fraction or "").ljust(6, "0")),
        tzinfo=time_zone,
    )


_DECODERS: dict[str, FieldDecoder] = {
    "int2": _long,
    "int4": _long,
    "int8": _long,
    "numeric": _decimal,
    "decimal": _decimal,
    "float4": _double,
    "float8": _double,
    "bool": _boolean,
    "date": _date,
    "timestamp": _timestamp,
    "timestamptz": _timestamptz,
    "varchar": _string,
    "text": _string,
    "bpchar": _padded_char,
    "char": _padded_char,
}
"""Redshift ``typeName`` → decoder of the Field member the Data API uses for that type."""


ColumnDecoder = Callable[[Sequence[Mapping[str, Any]]], list[Any]]


def _column_members(fields: Sequence[Any], member: str, kind: type) -> list[Any]:
    """Each field's ``member`` (None where the field is null), as :meth:`ResultColumns.decode`
    would read it; raises TypeError where that path would fail or differ."""
    values = list(map(dict.get, fields, repeat(member)))
    # Exactly the null fields may lack the member, and they must lack it (the common
    # column without a NULL needs only one more pass).
    if None in values:
        nulls = list(map(bool, map(dict.get, fields, repeat("isNull"))))
        if list(map(operator.is_, values, repeat(None))) != nulls:
            raise TypeError("null markers and values disagree")
    elif any(map(dict.get, fields, repeat("isNull"))):
        raise TypeError("null markers and values disagree")
    if not set(map(type, values)) <= {kind, type(None)}:
        raise TypeError(f"{member} is not a {kind.__name__}")
    return values


def _converted(values: list[Any], convert: Callable[[Any], Any]) -> list[Any]:
    if None in values:
        return [None if value is None else convert(value) for value in values]
    return list(map(convert, values))


def _long_column(fields: Sequence[Mapping[str, Any]]) -> list[Any]:
    return _column_members(fields, "longValue", int)


def _string_column(fields: Sequence[Mapping[str, Any]]) -> list[Any]:
    return _column_members(fields, "stringValue", str)


def _padded_char_column(fields: Sequence[Mapping[str, Any]]) -> list[Any]:
    return _converted(_string_column(fields), _strip_padding)


def _strip_padding(text: str) -> str:
    return text.rstrip(" ")


def _date_column(fields: Sequence[Mapping[str, Any]]) -> list[Any]:
    return _converted(_string_column(fields), dt.date.fromisoformat)


def _decimal_column(fields: Sequence[Mapping[str, Any]]) -> list[Any]:
    return _converted(_string_column(fields), Decimal)


def _timestamp_column(fields: Sequence[Mapping[str, Any]]) -> list[Any]:
    values = _string_column(fields)
    present = [value for value in values if value is not None] if None in values else values
    if all(map(_PLAIN_TIMESTAMP.fullmatch, present)):
        return _converted(values, dt.datetime.fromisoformat)
    return _converted(values, _naive_timestamp)


def _naive_timestamp(text: str) -> dt.datetime:
    return _parse_timestamp(text, with_time_zone=False)


_COLUMN_DECODERS: dict[str, ColumnDecoder] = {
    "int2": _long_column,
    "int4": _long_column,
    "int8": _long_column,
    "numeric": _decimal_column,
    "decimal": _decimal_column,
    "date": _date_column,
    "timestamp": _timestamp_column,
    "varchar": _string_column,
    "text": _string_column,
    "bpchar": _padded_char_column,
    "char": _padded_char_column,
}
"""Whole-column decoders of the common types, equal to mapping _DECODERS over the fields;
the others (float, bool, timestamptz) are decoded field by field."""

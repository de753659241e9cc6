"""The local Data API's reading of requests: ``:name`` parameters bound as PostgreSQL ``$n``
(never inside quotes, dollar quotes or comments), the statement's target, NextTokens."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ims_refresh.local.routing import LocalServiceError

_PARAMETER_NAME = re.compile(r"[0-9A-Za-z_]+")
_PLAIN_TOKEN = re.compile(
    r"(?P<space>\s+)|(?P<comment>--[^\n]*)|(?P<other>::)|(?P<placeholder>:[0-9A-Za-z_]+)"
    r"|(?P<word>\w[\w$]*)"
)
_DOLLAR_QUOTE = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")


# --- SQL text ---------------------------------------------------------------------------------


def bind_parameters(
    sql: str, parameters: Sequence[Mapping[str, Any]] | None
) -> tuple[str, list[str]]:
    """Replace ``:name`` placeholders by ``$n``; return the query and the values in order.

    Without parameters the SQL runs as written. Every placeholder needs a parameter and
    every parameter a placeholder, else ValidationException.
    """
    if parameters is None:
        return sql, []
    if not parameters:
        raise validation_error("Parameters must hold at least one parameter.")
    values_by_name: dict[str, str] = {}
    for parameter in parameters:
        name, value = parameter.get("name"), parameter.get("value")
        if not isinstance(name, str) or not _PARAMETER_NAME.fullmatch(name):
            raise validation_error("Parameter names must match [0-9a-zA-Z_]+.")
        if not isinstance(value, str) or not value:
            raise validation_error(f"Parameter {name} must have a non-empty string value.")
        if name in values_by_name:
            raise validation_error(f"Parameter {name} is given more than once.")
        values_by_name[name] = value
    positions: dict[str, int] = {}

    def placeholder(name: str) -> str:
        if name not in values_by_name:
            raise validation_error(f"The SQL uses :{name} but no parameter {name} was given.")
        return f"${positions.setdefault(name, len(positions) + 1)}"

    query = _replace_placeholders(sql, placeholder)
    unused = sorted(values_by_name.keys() - positions.keys())
    if unused:
        raise validation_error(f"Parameters not used in the SQL: {', '.join(unused)}.")
    return query, [values_by_name[name] for name in positions]


def _replace_placeholders(sql: str, placeholder: Callable[[str], str]) -> str:
    return "".join(
        placeholder(sql[start + 1 : end]) if kind == "placeholder" else sql[start:end]
        for kind, start, end in _tokens(sql)
    )


def first_keyword(sql: str) -> str:
    for kind, start, end in _tokens(sql):
        if kind == "word":
            return sql[start:end].upper()
        if kind not in ("space", "comment") and sql[start:end] != "(":
            return ""
    return ""


def _tokens(sql: str) -> Iterator[tuple[str, int, int]]:
    """Split SQL into (kind, start, end) tokens as PostgreSQL's lexer sees quoting.

    Kinds: space, comment, string, identifier (quoted), word, placeholder (``:name``) and
    other; a ``::`` cast is one "other" token. Unterminated quotes or comments run to the end.
    """
    position = 0
    while position < len(sql):
        kind, end = _token_at(sql, position)
        yield kind, position, end
        position = end


def _token_at(sql: str, position: int) -> tuple[str, int]:
    if plain := _PLAIN_TOKEN.match(sql, position):
        kind, end = plain.lastgroup or "other", plain.end()
        if kind == "word" and plain.group() in ("E", "e") and sql.startswith("'", end):
            return "string", _end_of_quoted(sql, end, "'", backslash_escapes=True)
        return kind, end
    if sql.startswith("/*", position):
        return "comment", _end_of_block_comment(sql, position)
    quote = sql[position]
    if quote in "'\"":
        kind = "string" if quote == "'" else "identifier"
        return kind, _end_of_quoted(sql, position, quote, backslash_escapes=False)
    if tag := _DOLLAR_QUOTE.match(sql, position):
        closing = sql.find(tag.group(), tag.end())
        return "string", len(sql) if closing < 0 else closing + len(tag.group())
    return "other", position + 1


def _end_of_quoted(sql: str, start: int, quote: str, *, backslash_escapes: bool) -> int:
    position = start + 1
    while position < len(sql):
        char = sql[position]
        if backslash_escapes and char == "\\":
            position += 2
        elif char == quote and sql.startswith(quote, position + 1):
            position += 2  # a doubled quote stands for itself
        elif char == quote:
            return position + 1
        else:
            position += 1
    return len(sql)


def _end_of_block_comment(sql: str, start: int) -> int:
    # PostgreSQL block comments nest.
    depth, position = 0, start
    while position < len(sql):
        if sql.startswith("/*", position):
            depth, position = depth + 1, position + 2
        elif sql.startswith("*/", position):
            depth, position = depth - 1, position + 2
            if depth == 0:
                return position
        else:
            position += 1
    return len(sql)


# --- requests ---------------------------------------------------------------------------------


def validation_error(message: str) -> LocalServiceError:
    return LocalServiceError("ValidationException", message)


def statement_target(params: Mapping[str, Any]) -> dict[str, str]:
    """The statement's database and credentials, validated as AWS does."""
    if not params.get("Database"):
        raise validation_error("Database is required.")
    if bool(params.get("ClusterIdentifier")) == bool(params.get("WorkgroupName")):
        raise validation_error("Specify either ClusterIdentifier or WorkgroupName, but not both.")
    if params.get("SecretArn") and params.get("DbUser"):
        raise validation_error("SecretArn and DbUser cannot be specified together.")
    if params.get("WorkgroupName") and params.get("DbUser"):
        raise validation_error("DbUser is not supported with WorkgroupName.")
    names = ("ClusterIdentifier", "WorkgroupName", "Database", "DbUser", "SecretArn")
    return {name: str(params[name]) for name in names if params.get(name)}


def next_token(statement_id: str, offset: int) -> str:
    raw = json.dumps({"id": statement_id, "offset": offset}).encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def offset_from_token(statement_id: str, token: Any) -> int:
    if token is None:
        return 0
    try:
        decoded = json.loads(base64.urlsafe_b64decode(str(token).encode("ascii")))
        offset = decoded["offset"] if decoded["id"] == statement_id else None
    except (binascii.Error, UnicodeError, ValueError, KeyError, TypeError):
        offset = None
    if not isinstance(offset, int) or offset < 0:
        raise validation_error("Invalid NextToken.")
    return offset

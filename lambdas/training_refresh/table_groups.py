"""Table groups: which Redshift tables feed which MySQL tables, and how.

A *table group* is what the data file and the workflows call a "config" (one of the five
old Glue jobs): a name, an ``enabled`` flag and its tables, loaded together and failing
together. The groups live in ``table_configs.json`` (versioned with the code; its field
names stay ``configs``/``config``, as do the workflows' messages) and are validated on load,
so a typo fails at once with the field that is wrong. Adding a column is an edit of that
file plus the table's extraction SQL; adding a group is a new entry plus, for a new table,
its extraction SQL and MySQL DDL files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from training_refresh.errors import TableConfigError, UnknownTableError
from training_refresh.privacy.scanner import ColumnAllowance
from training_refresh.treatments import (
    ColumnTreatment,
    allowances,
    kept_columns,
    masked_columns,
    treatment_problems,
)

GOLD_SUFFIX = "_GOLD"
SUPPORTED_VERSION = 1

_SQL_PACKAGE = "training_refresh.sql"
_CONFIG_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_MYSQL_TABLE = re.compile(r"^[A-Z][A-Z0-9_]{0,58}$")
_COLUMN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_SOURCE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_SQL_FILE = re.compile(r"^[a-z0-9_]+\.sql$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CustomerScope(_Strict):
    """How a table's rows belong to a customer: directly by a column, or through a parent."""

    column: str = Field(pattern=_COLUMN.pattern)
    through_table: str | None = Field(default=None, pattern=_MYSQL_TABLE.pattern)
    join_column: str | None = Field(default=None, pattern=_COLUMN.pattern)

    @model_validator(mode="after")
    def _through_needs_join(self) -> CustomerScope:
        if (self.through_table is None) != (self.join_column is None):
            raise ValueError("through_table and join_column go together")
        return self


class TableSpec(_Strict):
    training_table: str = Field(pattern=_MYSQL_TABLE.pattern)
    source: str = Field(pattern=_SOURCE.pattern)
    extract_sql: str = Field(pattern=_SQL_FILE.pattern)
    primary_key: tuple[str, ...] = Field(min_length=1)
    customer_scope: CustomerScope
    anonymizer: Literal["customer", "cus_email"] | None
    columns: tuple[str, ...] = Field(min_length=1)
    treatments: dict[str, ColumnTreatment]
    """Every column's privacy treatment (``treatments.py``)."""

    @model_validator(mode="after")
    def _columns_are_consistent(self) -> TableSpec:
        bad = [c for c in self.columns if not _COLUMN.match(c)]
        if bad:
            raise ValueError(f"column names must be lower-case identifiers: {bad}")
        if len(set(self.columns)) != len(self.columns):
            raise ValueError("columns are listed twice")
        missing = [c for c in self.primary_key if c not in self.columns]
        if missing:
            raise ValueError(f"primary_key columns not in columns: {missing}")
        scope = self.customer_scope
        anchor = scope.join_column if scope.through_table else scope.column
        if anchor not in self.columns:
            raise ValueError(f"customer_scope column {anchor!r} not in columns")
        problems = treatment_problems(
            self.training_table, self.anonymizer, self.columns, self.treatments
        )
        if problems:
            raise ValueError(
                "; ".join(f"{self.training_table} treatments.{problem}" for problem in problems)
            )
        return self

    @property
    def masked_columns(self) -> dict[str, str]:
        """Masked column -> the anonymizer that replaces it."""
        return masked_columns(self.treatments)

    @property
    def kept_columns(self) -> list[str]:
        """The kept columns in column order: the privacy gate scans their text values."""
        return kept_columns(self.columns, self.treatments)

    @property
    def allowances(self) -> list[ColumnAllowance]:
        return allowances(self.treatments)

    @property
    def gold_table(self) -> str:
        return self.training_table + GOLD_SUFFIX

    @property
    def mysql_columns(self) -> tuple[str, ...]:
        return tuple(c.upper() for c in self.columns)

    def extraction_sql_template(self) -> str:
        return _read_sql("extract", self.extract_sql)

    def mysql_ddl(self, table_name: str) -> str:
        """CREATE TABLE IF NOT EXISTS for this table's layout under ``table_name``."""
        return _read_sql("mysql", f"{self.training_table}.sql").replace("{table}", table_name)


class TableGroup(_Strict):
    """One entry of ``configs`` in table_configs.json."""

    name: str = Field(pattern=_CONFIG_NAME.pattern)
    enabled: bool
    replaces_glue_job: str
    tables: tuple[TableSpec, ...] = Field(min_length=1)


class TableGroupSet(_Strict):
    """The whole of table_configs.json."""

    version: int
    groups: tuple[TableGroup, ...] = Field(alias="configs", min_length=1)

    @model_validator(mode="after")
    def _names_are_unique(self) -> TableGroupSet:
        if self.version != SUPPORTED_VERSION:
            raise ValueError(
                f"version {self.version} is not supported (expected {SUPPORTED_VERSION})"
            )
        names = [g.name for g in self.groups]
        tables = [t.training_table for g in self.groups for t in g.tables]
        for label, values in (("config name", names), ("training table", tables)):
            twice = sorted({v for v in values if values.count(v) > 1})
            if twice:
                raise ValueError(f"{label} listed twice: {twice}")
        known = set(tables)
        for group in self.groups:
            for table in group.tables:
                parent = table.customer_scope.through_table
                if parent and parent not in [t.training_table for t in group.tables]:
                    raise ValueError(
                        f"{table.training_table}: through_table {parent} must be in the same config"
                    )
                if parent and parent not in known:
                    raise ValueError(f"{table.training_table}: unknown through_table {parent}")
        return self

    def group(self, name: str) -> TableGroup:
        for group in self.groups:
            if group.name == name:
                return group
        raise UnknownTableError(
            f"unknown table config {name!r}; configured: {', '.join(g.name for g in self.groups)}"
        )

    def enabled_groups(self) -> tuple[TableGroup, ...]:
        return tuple(g for g in self.groups if g.enabled)

    def select_groups(self, names: Iterable[str] | None) -> tuple[TableGroup, ...]:
        """The groups a gold load should run: the named ones, or every enabled one."""
        if names is None:
            return self.enabled_groups()
        wanted = list(dict.fromkeys(names))
        if not wanted:
            raise UnknownTableError("no table config named")
        chosen = [self.group(name) for name in wanted]
        disabled = [c.name for c in chosen if not c.enabled]
        if disabled:
            raise UnknownTableError(f"table config(s) disabled: {', '.join(disabled)}")
        return tuple(chosen)

    def all_tables(self) -> tuple[TableSpec, ...]:
        return tuple(t for g in self.groups for t in g.tables)

    def enabled_tables(self) -> tuple[TableSpec, ...]:
        return tuple(t for g in self.enabled_groups() for t in g.tables)

    def table(self, training_table: str) -> TableSpec:
        for spec in self.all_tables():
            if spec.training_table == training_table:
                return spec
        known = ", ".join(t.training_table for t in self.all_tables())
        raise UnknownTableError(f"unknown training table {training_table!r}; configured: {known}")


def _read_sql(folder: str, name: str) -> str:
    path = resources.files(_SQL_PACKAGE).joinpath(folder, name)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as missing:
        raise TableConfigError(f"SQL file {folder}/{name} is missing from the package") from missing


def parse_table_groups(text: str, origin: str = "table_configs.json") -> TableGroupSet:
    """Parse and validate a table configuration document; errors name the field."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise TableConfigError(f"{origin}: not valid JSON: {error}") from error
    try:
        groups = TableGroupSet.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors()
        )
        raise TableConfigError(f"{origin}: {problems}") from error
    for spec in groups.all_tables():
        spec.extraction_sql_template()
        spec.mysql_ddl(spec.training_table)
    return groups


@cache
def load_table_groups() -> TableGroupSet:
    """The table groups shipped with the code (table_configs.json)."""
    text = resources.files("training_refresh").joinpath("table_configs.json").read_text("utf-8")
    return parse_table_groups(text)

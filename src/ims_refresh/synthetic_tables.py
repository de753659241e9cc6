"""The synthetic warehouse's tables: one row type per table, its fields the table's columns
in COPY order, and the batch of rows a group of customers is copied in."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final, NamedTuple

from psycopg import sql

# --- Rows, one NamedTuple per table: its fields are the table's columns in COPY order. ---


class CustomerRow(NamedTuple):
    customer_no: int
    first_name: str | None
    middle_initial: str | None
    last_name: str | None
    address_line1: str | None
    address_line2: str | None
    city: str | None
    state_code: str | None
    zip_code: str | None
    phone_number: str | None
    birth_date: date | None
    credit_limit: Decimal | None
    account_status: str | None
    open_date: date | None
    last_update_ts: datetime


class EmailRow(NamedTuple):
    customer_no: int
    email_seq: int
    email_address: str | None
    email_type: str | None
    opt_in_flag: str | None
    last_update_ts: datetime


class CrnChangeRow(NamedTuple):
    customer_no: int
    crn: str
    crn_status: str | None
    brand_code: str | None
    effective_date: date | None
    cdc_operation: str
    cdc_timestamp: datetime


class PreferenceRow(NamedTuple):
    customer_no: int
    preference_code: str
    preference_value: str | None
    channel: str | None
    updated_ts: datetime


class OrderRow(NamedTuple):
    order_no: int
    customer_no: int
    order_date: date
    order_status: str | None
    order_total: Decimal | None
    ship_method: str | None
    catalog_code: str | None
    last_update_ts: datetime


class AuthRow(NamedTuple):
    auth_id: int
    order_no: int
    auth_amount: Decimal | None
    auth_status: str | None
    auth_code: str | None
    card_type: str | None
    card_last4: str | None
    auth_ts: datetime


@dataclass(frozen=True)
class _Table:
    schema: str
    name: str
    columns: tuple[str, ...]

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    def copy_statement(self) -> sql.Composed:
        return sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(self.schema, self.name),
            sql.SQL(", ").join(map(sql.Identifier, self.columns)),
        )


_CUSTOMER_TABLE: Final = _Table("oframe_prd_s", "ims_customer", CustomerRow._fields)
_EMAIL_TABLE: Final = _Table("oframe_prd_s", "ims_cus_email", EmailRow._fields)
_CRN_TABLE: Final = _Table("oframe_cdc_prd_s", "ims_mason_crn", CrnChangeRow._fields)
_PREFERENCE_TABLE: Final = _Table("oframe_prd_s", "ims_mason_preferences", PreferenceRow._fields)
_ORDER_TABLE: Final = _Table("oframe_prd_s", "ims_order", OrderRow._fields)
_AUTH_TABLE: Final = _Table("oframe_prd_s", "ims_auth", AuthRow._fields)
TABLES: Final = (
    _CUSTOMER_TABLE,
    _EMAIL_TABLE,
    _CRN_TABLE,
    _PREFERENCE_TABLE,
    _ORDER_TABLE,
    _AUTH_TABLE,
)
WAREHOUSE_TABLES: Final = tuple(table.qualified_name for table in TABLES)


@dataclass
class Batch:
    """The rows of a group of customers, waiting to be copied."""

    customers: list[CustomerRow] = field(default_factory=list)
    emails: list[EmailRow] = field(default_factory=list)
    crn_changes: list[CrnChangeRow] = field(default_factory=list)
    preferences: list[PreferenceRow] = field(default_factory=list)
    orders: list[OrderRow] = field(default_factory=list)
    auths: list[AuthRow] = field(default_factory=list)

    def by_table(self) -> Iterator[tuple[_Table, Sequence[tuple[Any, ...]]]]:
        yield _CUSTOMER_TABLE, self.customers
        yield _EMAIL_TABLE, self.emails
        yield _CRN_TABLE, self.crn_changes
        yield _PREFERENCE_TABLE, self.preferences
        yield _ORDER_TABLE, self.orders
        yield _AUTH_TABLE, self.auths

"""The synthetic warehouse's rows in memory, without a database: samples for the privacy scan.

``synthetic_sample`` runs the generator of ``synthetic_warehouse`` (the same code, seed and
profiles that fill the local PostgreSQL warehouse, so the values are exactly those a local
gold load extracts) and keeps the rows in memory, with each row's customer number and each
customer's source identity as the privacy gate compares it. The unit tests of the privacy
detectors and ``bench/privacy_scan.py`` use it; it reads generator internals, so it moves
with ``synthetic_warehouse``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ims_refresh.synthetic_pools import DEFAULT_SEED, PROFILE_DISTRIBUTIONS
from ims_refresh.synthetic_rows import WarehouseGenerator
from ims_refresh.synthetic_tables import Batch
from ims_refresh.synthetic_warehouse import draw_customer_numbers
from training_refresh.privacy.identity import CustomerIdentity

KEPT_TEXT_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "oframe_prd_s.ims_customer": ("city", "state_code", "zip_code", "account_status"),
    "oframe_prd_s.ims_cus_email": ("email_type", "opt_in_flag"),
    "oframe_cdc_prd_s.ims_mason_crn": ("crn", "crn_status", "brand_code"),
    "oframe_prd_s.ims_mason_preferences": ("preference_code", "preference_value", "channel"),
    "oframe_prd_s.ims_order": ("order_status", "ship_method", "catalog_code"),
    "oframe_prd_s.ims_auth": ("auth_status", "auth_code", "card_type", "card_last4"),
}
"""The text columns that reach MySQL unmasked, by source table: every text column of
docs/design.md §2 except those anonymize.py replaces (names, address lines, phone, e-mail)."""


@dataclass(frozen=True)
class SampleTable:
    source: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[Any, ...]]
    customer_numbers: Sequence[int]
    """The customer of each row (an auth's is its order's)."""

    @property
    def kept_text_columns(self) -> tuple[str, ...]:
        return KEPT_TEXT_COLUMNS[self.source]


@dataclass(frozen=True)
class Sample:
    identities: tuple[CustomerIdentity, ...]
    tables: tuple[SampleTable, ...]

    def table(self, source: str) -> SampleTable:
        return next(table for table in self.tables if table.source == source)


def synthetic_sample(customers: int, seed: int = DEFAULT_SEED, profile: str = "demo") -> Sample:
    """The rows ``build_warehouse(url, customers, seed, profile)`` would write."""
    generator = WarehouseGenerator(seed, PROFILE_DISTRIBUTIONS[profile])
    batch = Batch()
    for customer_no in draw_customer_numbers(random.Random(seed), customers):
        generator.add_customer(customer_no, batch)
    order_customers = {order.order_no: order.customer_no for order in batch.orders}
    tables = tuple(
        SampleTable(
            source=table.qualified_name,
            columns=table.columns,
            rows=rows,
            customer_numbers=(
                [order_customers[auth.order_no] for auth in batch.auths]
                if table.qualified_name == "oframe_prd_s.ims_auth"
                else [row[table.columns.index("customer_no")] for row in rows]
            ),
        )
        for table, rows in batch.by_table()
    )
    return Sample(identities=_identities(batch), tables=tables)


def _identities(batch: Batch) -> tuple[CustomerIdentity, ...]:
    emails: dict[int, list[str]] = {}
    for email in batch.emails:
        if email.email_address is not None:
            emails.setdefault(email.customer_no, []).append(email.email_address)
    return tuple(
        CustomerIdentity(
            customer_no=customer.customer_no,
            first_name=customer.first_name,
            last_name=customer.last_name,
            street_line=customer.address_line1,
            phone=customer.phone_number,
            emails=tuple(emails.get(customer.customer_no, ())),
        )
        for customer in batch.customers
    )

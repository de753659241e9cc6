"""A synthetic IMS warehouse in local PostgreSQL, standing in for Redshift (DESIGN section 2).

It holds fictional customers whose data has the awkward shapes of the real source, so the
gold load meets them locally: customer numbers of 1 to 15 digits, Unicode names with
accents, apostrophes and emoji, NULLs in nullable columns, blank-padded CHAR values, and
change-log histories and orders on both sides of the reference as-of date ``DEMO_AS_OF``
(including changes in its last second and in the first second after it).

Everything is drawn from ``random.Random`` seeded by the caller's seed (never the clock or
the global generator), so the same arguments always produce byte-identical tables. Each
customer has a generator of its own, seeded by (seed, customer number), so a customer's
names and histories do not depend on how many other customers were seeded; order numbers,
authorisation ids and CRNs are global counters and do.

The DESIGN's example customers 7, 6766 and 1234567 are always seeded (when at least three
customers are asked for) with the edge cases written into ``_EXAMPLE_CRN_HISTORIES`` and
``_add_boundary_orders``, so end-to-end tests can state exact expectations about them.

Functions that take a connection leave the transaction to the caller; ``build_warehouse``
does everything in one transaction, so a failed rebuild leaves the old warehouse intact.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from os import PathLike
from pathlib import Path
from typing import Any, Final, Generic, NamedTuple, TypeVar

import psycopg
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

DEMO_AS_OF: Final = date(2026, 6, 30)
"""The reference as-of date: histories are seeded around it so it shows every case."""

DEFAULT_SEED: Final = 20261122
EXAMPLE_CUSTOMERS: Final = (7, 6766, 1234567)
"""Customer numbers that DESIGN uses as examples; seeded first, with fixed edge cases."""

PROFILES: Final = ("demo", "bench")
"""``demo``: about 30 rows per customer; ``bench``: about 110, mostly orders and auths."""

_SCHEMAS: Final = ("oframe_prd_s", "oframe_cdc_prd_s")
_SCHEMA_FILE: Final = Path(__file__).with_name("data") / "warehouse_schema.sql"
_CUSTOMERS_PER_COPY: Final = 1000
"""Customers generated before their rows are copied: bounds memory, keeps COPYs large."""

# Activity runs from _HISTORY_START to _ACTIVITY_END, plus delays of at most 30 days, so
# nothing is dated after mid-November 2026: a real warehouse holds no future rows.
_HISTORY_START: Final = date(2019, 1, 1)
_ACTIVITY_END: Final = date(2026, 10, 15)
_MIDNIGHT: Final = time()
_LAST_SECOND_OF_AS_OF: Final = datetime.combine(DEMO_AS_OF, time(23, 59, 59))
_LAST_MICROSECOND_OF_AS_OF: Final = datetime.combine(DEMO_AS_OF, time(23, 59, 59, 999_999))
_FIRST_SECOND_AFTER_AS_OF: Final = datetime.combine(DEMO_AS_OF + timedelta(days=1), _MIDNIGHT)

_FIRST_ORDER_NO: Final = 7_000_000_001
_FIRST_AUTH_ID: Final = 50_000_000_001
_FIRST_CRN_SERIAL: Final = 300_000_001

_T = TypeVar("_T")


class WarehouseNotEmptyError(RuntimeError):
    """Seeding needs empty tables; rebuild the warehouse instead of seeding it twice."""


@dataclass(frozen=True)
class SeedSummary:
    customers: int
    seed: int
    profile: str
    rows_per_table: Mapping[str, int]
    """Rows written, by schema-qualified table name."""

    @property
    def total_rows(self) -> int:
        return sum(self.rows_per_table.values())


# --- Rows, one NamedTuple per table: its fields are the table's columns in COPY order. ---


class _CustomerRow(NamedTuple):
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


class _EmailRow(NamedTuple):
    customer_no: int
    email_seq: int
    email_address: str | None
    email_type: str | None
    opt_in_flag: str | None
    last_update_ts: datetime


class _CrnChangeRow(NamedTuple):
    customer_no: int
    crn: str
    crn_status: str | None
    brand_code: str | None
    effective_date: date | None
    cdc_operation: str
    cdc_timestamp: datetime


class _PreferenceRow(NamedTuple):
    customer_no: int
    preference_code: str
    preference_value: str | None
    channel: str | None
    updated_ts: datetime


class _OrderRow(NamedTuple):
    order_no: int
    customer_no: int
    order_date: date
    order_status: str | None
    order_total: Decimal | None
    ship_method: str | None
    catalog_code: str | None
    last_update_ts: datetime


class _AuthRow(NamedTuple):
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


_CUSTOMER_TABLE: Final = _Table("oframe_prd_s", "ims_customer", _CustomerRow._fields)
_EMAIL_TABLE: Final = _Table("oframe_prd_s", "ims_cus_email", _EmailRow._fields)
_CRN_TABLE: Final = _Table("oframe_cdc_prd_s", "ims_mason_crn", _CrnChangeRow._fields)
_PREFERENCE_TABLE: Final = _Table("oframe_prd_s", "ims_mason_preferences", _PreferenceRow._fields)
_ORDER_TABLE: Final = _Table("oframe_prd_s", "ims_order", _OrderRow._fields)
_AUTH_TABLE: Final = _Table("oframe_prd_s", "ims_auth", _AuthRow._fields)
_TABLES: Final = (
    _CUSTOMER_TABLE,
    _EMAIL_TABLE,
    _CRN_TABLE,
    _PREFERENCE_TABLE,
    _ORDER_TABLE,
    _AUTH_TABLE,
)
WAREHOUSE_TABLES: Final = tuple(table.qualified_name for table in _TABLES)


@dataclass
class _Batch:
    """The rows of a group of customers, waiting to be copied."""

    customers: list[_CustomerRow] = field(default_factory=list)
    emails: list[_EmailRow] = field(default_factory=list)
    crn_changes: list[_CrnChangeRow] = field(default_factory=list)
    preferences: list[_PreferenceRow] = field(default_factory=list)
    orders: list[_OrderRow] = field(default_factory=list)
    auths: list[_AuthRow] = field(default_factory=list)

    def by_table(self) -> Iterator[tuple[_Table, Sequence[tuple[Any, ...]]]]:
        yield _CUSTOMER_TABLE, self.customers
        yield _EMAIL_TABLE, self.emails
        yield _CRN_TABLE, self.crn_changes
        yield _PREFERENCE_TABLE, self.preferences
        yield _ORDER_TABLE, self.orders
        yield _AUTH_TABLE, self.auths


# --- Distributions ---


class _Weighted(Generic[_T]):
    """Draws one of the keys with probability proportional to its weight."""

    __slots__ = ("_cumulative", "_total", "_values")

    def __init__(self, weights: Mapping[_T, float]) -> None:
        self._values = tuple(weights)
        self._cumulative = tuple(accumulate(weights.values()))
        self._total = self._cumulative[-1]

    def draw(self, rng: random.Random) -> _T:
        return self._values[bisect_right(self._cumulative, rng.random() * self._total)]


@dataclass(frozen=True)
class _Profile:
    emails_per_customer: _Weighted[int]
    crns_per_customer: _Weighted[int]
    preferences_per_customer: tuple[int, int]
    orders_per_customer: tuple[int, int]
    auths_per_order: _Weighted[int]


_PROFILES: Final = {
    "demo": _Profile(
        emails_per_customer=_Weighted({1: 45, 2: 35, 3: 15, 4: 5}),
        crns_per_customer=_Weighted({0: 20, 1: 45, 2: 25, 3: 10}),
        preferences_per_customer=(2, 8),
        orders_per_customer=(3, 13),
        auths_per_order=_Weighted({0: 15, 1: 55, 2: 22, 3: 8}),
    ),
    "bench": _Profile(
        emails_per_customer=_Weighted({1: 45, 2: 35, 3: 15, 4: 5}),
        crns_per_customer=_Weighted({0: 20, 1: 45, 2: 25, 3: 10}),
        preferences_per_customer=(10, 20),
        orders_per_customer=(20, 50),
        auths_per_order=_Weighted({0: 10, 1: 40, 2: 30, 3: 15, 4: 5}),
    ),
}

# Ranges of customer numbers by digit count: a few old 1-4 digit numbers, mostly 6-10
# digits, a few at the 15-digit maximum of the scenario file format.
_CUSTOMER_NO_RANGES: Final = _Weighted(
    {
        (1, 9_999): 1.5,
        (10_000, 99_999): 2.5,
        (100_000, 999_999): 8,
        (1_000_000, 9_999_999): 25,
        (10_000_000, 99_999_999): 30,
        (100_000_000, 999_999_999): 20,
        (1_000_000_000, 9_999_999_999): 10,
        (10_000_000_000, 999_999_999_999): 2,
        (100_000_000_000_000, 999_999_999_999_999): 1,
    }
)

_COMMON_FIRST_NAMES: Final = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Christopher", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony",
    "Betty", "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily",
    "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda", "Brian",
    "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Ronald", "Rebecca", "Jason",
    "Sharon", "Edward", "Laura", "Jeffrey", "Cynthia", "Ryan", "Dorothy", "Jacob", "Amy",
    "Mary Ann", "Billy Joe",
)  # fmt: skip
_ACCENTED_FIRST_NAMES: Final = (
    "José", "Zoë", "Renée", "François", "Siobhán", "Björn", "Chloé", "Jürgen", "Søren",
    "Inés", "Ángel", "Jesús", "Noël", "Anaïs", "Bartłomiej", "Łucja", "Thảo", "Đức",
    "Ana María", "María José", "Mary-Kate", "D'Andre", "Ja'Marcus", "Mei-Ling", "Zoë-Jane",
)  # fmt: skip
_NON_LATIN_FIRST_NAMES: Final = ("Юлия", "Дмитрий", "Ιωάννης", "李娜", "さくら", "민준", "محمد")
_EMOJI_FIRST_NAMES: Final = ("Jo 😀", "Kiki ✨", "Max 🐶", "Bella 🌸", "Sunny ☀️")
_FIRST_NAME_POOLS: Final = _Weighted(
    {
        _COMMON_FIRST_NAMES: 74,
        _ACCENTED_FIRST_NAMES: 20,
        _NON_LATIN_FIRST_NAMES: 4,
        _EMOJI_FIRST_NAMES: 2,
    }
)

_COMMON_LAST_NAMES: Final = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner",
    "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris",
    "Rogers", "Reed", "Cook", "Morgan", "Bell", "Murphy",
)  # fmt: skip
_ACCENTED_LAST_NAMES: Final = (
    "O'Brien", "O'Neil", "O'Connor", "D'Angelo", "O'Malley", "García", "Hernández",
    "Martínez", "González", "Rodríguez", "Pérez", "Sánchez", "Muñoz", "Núñez", "Peña",
    "Müller", "Schröder", "Dvořák", "Wiśniewski", "Søndergaard", "Ødegård", "Nguyễn",
    "Trần", "Çelik", "Öztürk", "Smith-Jones", "van der Berg", "St. John", "de la Cruz",
    "Al-Hassan", "MacDonald",
)  # fmt: skip
_NON_LATIN_LAST_NAMES: Final = ("Иванов", "Παπαδόπουλος", "王", "佐藤", "김")
_EMOJI_LAST_NAMES: Final = ("Smith 🌟", "Lee 🎉", "Brown 👍🏽")
_LAST_NAME_POOLS: Final = _Weighted(
    {
        _COMMON_LAST_NAMES: 70,
        _ACCENTED_LAST_NAMES: 25,
        _NON_LATIN_LAST_NAMES: 4,
        _EMOJI_LAST_NAMES: 1,
    }
)

# The mainframe source often keeps the blank padding of fixed-width fields.
_PADDING: Final = _Weighted({"": 98, "  ": 2})
# A blank CHAR value, padded to its width by Redshift (and by PostgreSQL).
_BLANK: Final = " "

_UPPERCASE: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MIDDLE_INITIAL_KIND: Final = _Weighted({"letter": 65, None: 30, _BLANK: 5})

_STREETS: Final = (
    "Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Washington Blvd",
    "Lake Shore Dr", "Park Ave", "Pine St", "Sunset Blvd", "Martin Luther King Jr Blvd",
    "O'Farrell St", "Avenida de la Estrella", "Peña Blvd", "Rue Royale", "Highland Rd",
    "Church St", "Mill Creek Rd", "County Road 12", "Old Mission Trl", "Calle Ñandú",
)  # fmt: skip
_STREET_DIRECTIONS: Final = ("N", "S", "E", "W", "NE", "SW")
_ADDRESS_LINE2_KIND: Final = _Weighted(
    {None: 75, "apartment": 12, "suite": 5, "unit": 5, "care of": 3}
)
_CARE_OF_NAMES: Final = ("María Gómez", "J. O'Hara", "Zoë Li")

# (city, state code, first three zip digits, telephone area code)
_CITIES: Final = (
    ("New York", "NY", "100", "212"), ("Brooklyn", "NY", "112", "718"),
    ("Los Angeles", "CA", "900", "213"), ("Chicago", "IL", "606", "312"),
    ("Houston", "TX", "770", "713"), ("Phoenix", "AZ", "850", "602"),
    ("Philadelphia", "PA", "191", "215"), ("San Antonio", "TX", "782", "210"),
    ("San Diego", "CA", "921", "619"), ("Dallas", "TX", "752", "214"),
    ("Austin", "TX", "787", "512"), ("Jacksonville", "FL", "322", "904"),
    ("Columbus", "OH", "432", "614"), ("Charlotte", "NC", "282", "704"),
    ("Indianapolis", "IN", "462", "317"), ("Seattle", "WA", "981", "206"),
    ("Denver", "CO", "802", "303"), ("Boston", "MA", "021", "617"),
    ("Nashville", "TN", "372", "615"), ("Detroit", "MI", "482", "313"),
    ("Portland", "OR", "972", "503"), ("Las Vegas", "NV", "891", "702"),
    ("Memphis", "TN", "381", "901"), ("Louisville", "KY", "402", "502"),
    ("Milwaukee", "WI", "532", "414"), ("Albuquerque", "NM", "871", "505"),
    ("Omaha", "NE", "681", "402"), ("Minneapolis", "MN", "554", "612"),
    ("New Orleans", "LA", "701", "504"), ("Honolulu", "HI", "968", "808"),
    ("Anchorage", "AK", "995", "907"), ("Burlington", "VT", "054", "802"),
    ("Portland", "ME", "041", "207"), ("Newark", "NJ", "071", "973"),
    ("Providence", "RI", "029", "401"), ("San Juan", "PR", "009", "787"),
    ("Española", "NM", "875", "505"), ("Cañon City", "CO", "812", "719"),
    ("Coeur d'Alene", "ID", "838", "208"), ("La Cañada Flintridge", "CA", "910", "818"),
    ("Sioux Falls", "SD", "571", "605"), ("Fargo", "ND", "581", "701"),
    ("Cheyenne", "WY", "820", "307"), ("Billings", "MT", "591", "406"),
    ("Wichita", "KS", "672", "316"), ("Des Moines", "IA", "503", "515"),
    ("Little Rock", "AR", "722", "501"), ("Jackson", "MS", "392", "601"),
    ("Birmingham", "AL", "352", "205"), ("Atlanta", "GA", "303", "404"),
    ("Charleston", "SC", "294", "843"), ("Richmond", "VA", "232", "804"),
    ("Baltimore", "MD", "212", "410"), ("Wilmington", "DE", "198", "302"),
    ("Washington", "DC", "200", "202"), ("Charleston", "WV", "253", "304"),
    ("Hartford", "CT", "061", "860"), ("Salt Lake City", "UT", "841", "801"),
    ("Oklahoma City", "OK", "731", "405"), ("Concord", "NH", "033", "603"),
    ("Kansas City", "MO", "641", "816"),
)  # fmt: skip
_PHONE_FORMAT: Final = _Weighted(
    {"dashes": 50, "parentheses": 25, "digits": 8, "international": 5, "extension": 3, None: 9}
)
_ACCOUNT_STATUS: Final = _Weighted({"A": 85, "C": 8, "S": 4, _BLANK: 1.5, None: 1.5})
_CREDIT_LIMIT_DOLLARS: Final = (0, 500, 1000, 1500, 2000, 2500, 3000, 5000, 7500, 10000, 25000)

_EMAIL_DOMAINS: Final = _Weighted(
    {
        "gmail.com": 35, "yahoo.com": 18, "hotmail.com": 10, "aol.com": 8, "outlook.com": 8,
        "icloud.com": 6, "comcast.net": 5, "att.net": 4, "msn.com": 3,
        "acme-logistics.com": 2, "stlukes-hospital.org": 1,
    }
)  # fmt: skip
_EMAIL_HANDLE_WORDS: Final = (
    "sunshine", "bigfan", "catlover", "shoeguy", "grandma", "tigers", "bluebird",
    "gardener", "fisherman", "roadrunner", "nascarfan", "quilter",
)  # fmt: skip
_EMAIL_TYPE: Final = _Weighted({"HOME": 55, "WORK": 20, "OTHER": 10, None: 15})
_OPT_IN_FLAG: Final = _Weighted({"Y": 45, "N": 45, _BLANK: 3, None: 7})

_CRN_PREFIXES: Final = ("MC", "MS", "EP")
_CRN_BRAND: Final = _Weighted({"MAS": 40, "STB": 25, "MWD": 15, "SAV": 10, "MDV": 8, None: 2})
_CRN_STATUS: Final = _Weighted({"A": 70, "H": 10, "C": 15, None: 5})
_CRN_UPDATES: Final = _Weighted({0: 30, 1: 30, 2: 20, 3: 12, 4: 8})
_CRN_DELETE_RATE: Final = 0.2
# Pinned to a change of some CRNs, so large warehouses show the as-of boundary often.
_AS_OF_BOUNDARY_MOMENTS: Final = (
    _LAST_SECOND_OF_AS_OF,
    _LAST_MICROSECOND_OF_AS_OF,
    _FIRST_SECOND_AFTER_AS_OF,
)
_AS_OF_BOUNDARY_RATE: Final = 0.05

_YES_NO: Final = ("Y", "N")
_PREFERENCE_VALUES: Final = {
    "CATALOG_MAIL": _YES_NO,
    "EMAIL_PROMO": _YES_NO,
    "SMS_ALERTS": _YES_NO,
    "PHONE_CALLS": _YES_NO,
    "PAPERLESS_STMT": _YES_NO,
    "GIFT_WRAP": _YES_NO,
    "PRIVACY_SHARE": _YES_NO,
    "CREDIT_OFFERS": _YES_NO,
    "HOLIDAY_CATALOG": _YES_NO,
    "BIRTHDAY_OFFER": _YES_NO,
    "RENT_LIST": _YES_NO,
    "LANGUAGE": ("EN", "ES", "FR", "VI", "ZH"),
    "SHOE_SIZE": ("6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "12", "13"),
    "SHOE_WIDTH": ("N", "M", "W", "WW", "XW"),
    "FAV_BRAND": ("Mason Shoes", "Stoneberry", "Seventh Avenue", "Midnight Velvet", "Ginny's"),
    "CONTACT_TIME": ("Morning", "Afternoon", "Evening", "Weekends only", "Après 18h 🙂"),
    "CATALOG_FREQ": ("MONTHLY", "QUARTERLY", "NONE"),
    "FAV_CATEGORY": ("Footwear", "Home & Kitchen", "Electronics", "Apparel", "Outdoor"),
    "SIZE_TOP": ("XS", "S", "M", "L", "XL", "2X", "3X"),
    "SIZE_BOTTOM": ("30x30", "32x30", "34x32", "36x32", "38x34"),
    "DELIVERY_NOTE": (
        "Leave at back door",
        "Ring bell twice \N{EN DASH} dog 🐕",
        "Don't leave with neighbor",
        "Gate code 4411#",
        "Déposer chez la voisine",
    ),
    "ACCESSIBILITY": ("Large print catalog", "TTY relay", "Speak slowly"),
}
_PREFERENCE_CODES: Final = tuple(_PREFERENCE_VALUES)
_PREFERENCE_CHANNEL: Final = _Weighted(
    {"WEB": 40, "PHONE": 25, "MAIL": 15, "APP": 10, "STORE": 5, None: 5}
)

_ORDER_STATUS: Final = _Weighted(
    {"DELIVERED": 60, "SHIPPED": 15, "CANCELLED": 10, "RETURNED": 8, "BACKORDERED": 4,
     "OPEN": 2, None: 1}
)  # fmt: skip
_SHIP_METHOD: Final = _Weighted(
    {"STANDARD": 60, "EXPRESS": 15, "NEXTDAY": 5, "PICKUP": 5, "FREIGHT": 5, None: 10}
)
_CATALOG_BRANDS: Final = ("MAS", "STB", "SVA", "MDV", "GIN", "MWD", "CDR")
_SEASONS_BY_MONTH: Final = ("HO", "SP", "SP", "SP", "SU", "SU", "SU", "FA", "FA", "FA", "HO", "HO")
_AUTH_DELAY: Final = _Weighted({"same day": 70, "days": 25, "weeks": 5})
_AUTH_STATUS: Final = _Weighted(
    {"APPROVED": 80, "DECLINED": 10, "REVERSED": 5, "PENDING": 3, None: 2}
)
_CARD_TYPE: Final = _Weighted(
    {"VISA": 40, "MC": 25, "MASONCRD": 15, "AMEX": 10, "DISC": 8, None: 2}
)
_AUTH_CODE_CHARACTERS: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

# Source names of the DESIGN example customers: (first, middle initial, last). They hold
# the shapes anonymization must not leak, at customer numbers whose anonymized names
# DESIGN spells out.
_EXAMPLE_NAMES: Final[Mapping[int, tuple[str, str | None, str]]] = {
    7: ("José", _BLANK, "O'Brien"),
    6766: ("Zoë  ", None, "Nguyễn 🌟"),
    1234567: ("François", "M", "Müller-D'Angelo"),
}
# CRN change histories of the example customers, each change an (operation, timestamp);
# the comment after each history says what the key looks like as of DEMO_AS_OF.
_EXAMPLE_CRN_HISTORIES: Final[Mapping[int, tuple[tuple[tuple[str, datetime], ...], ...]]] = {
    7: (
        # present, with the values of the update in the last second of the as-of date
        (
            ("I", datetime(2025, 3, 14, 10, 15, 2)),
            ("U", _LAST_SECOND_OF_AS_OF),
            ("U", _FIRST_SECOND_AFTER_AS_OF),
        ),
        # present: deleted only in the first second after the as-of date
        (("I", datetime(2024, 11, 2, 8, 0)), ("D", _FIRST_SECOND_AFTER_AS_OF)),
    ),
    6766: (
        # absent: deleted before the as-of date
        (
            ("I", datetime(2024, 2, 1, 9, 30)),
            ("U", datetime(2025, 12, 24, 16, 45, 10)),
            ("D", datetime(2026, 5, 2, 11, 0)),
        ),
        # absent: inserted in the first second after the as-of date
        (("I", _FIRST_SECOND_AFTER_AS_OF),),
    ),
    1234567: (
        # absent: deleted in the last second of the as-of date
        (("I", datetime(2025, 7, 4, 12, 0)), ("D", _LAST_SECOND_OF_AS_OF)),
        # present, with the inserted values: the update comes after the as-of date
        (("I", datetime(2023, 9, 9, 9, 9, 9)), ("U", datetime(2026, 8, 15, 14, 30))),
    ),
}

_SCENARIO_HEADER: Final = ("customer_number", "scenario_note")
_EXAMPLE_SCENARIO_NOTES: Final[Mapping[int, str]] = {
    7: "DESIGN example; CRN updated at 23:59:59 and again at 00:00:00 next day",
    6766: "DESIGN example; CRN deleted before the as-of date, another inserted after it",
    1234567: "DESIGN example; CRN deleted at 23:59:59 on the as-of date",
}
_SCENARIO_NOTES: Final = (
    "billing dispute",
    "address change",
    "new account walkthrough",
    "order status inquiry",
    "returns and exchanges",
    "credit limit increase",
    "email bounced \N{EN DASH} update address",
    "Spanish-speaking caller (español)",
    'caller says "never ordered", wants refund',
    "gift order, ship to another address",
    "payment declined at checkout",
    "catalog opt-out request",
)


# --- Database set-up ---


def ensure_database(url: str) -> None:
    """Create the database that ``url`` names, unless it exists (via the ``postgres`` db)."""
    database = conninfo_to_dict(url).get("dbname")
    if not database:
        raise ValueError("the warehouse URL must name a database")
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (str(database),)
        ).fetchone()
        if exists:
            return
        # Another process may create it between our look and our CREATE: that is fine.
        with suppress(errors.DuplicateDatabase, errors.UniqueViolation):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(database))))


def create_schemas(conn: psycopg.Connection[Any]) -> None:
    """Create the schemas and tables of DESIGN section 2 where missing."""
    # Read beside this module, not through importlib.resources: Python 3.11 cannot read
    # resources of a namespace package, which is what an editable install may make of us.
    conn.execute(_SCHEMA_FILE.read_text(encoding="utf-8"))


def drop_schemas(conn: psycopg.Connection[Any]) -> None:
    """Drop the warehouse schemas with everything in them."""
    conn.execute(
        sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
            sql.SQL(", ").join(map(sql.Identifier, _SCHEMAS))
        )
    )


def customer_numbers(conn: psycopg.Connection[Any]) -> list[int]:
    """The warehouse's customer numbers, ascending."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT customer_no FROM oframe_prd_s.ims_customer ORDER BY customer_no")
        return [int(row[0]) for row in cursor]


def build_warehouse(
    url: str,
    customers: int,
    seed: int = DEFAULT_SEED,
    profile: str = "demo",
    rebuild: bool = True,
) -> SeedSummary:
    """Create the database if needed, (re)create the schemas and seed them, in one transaction.

    Without ``rebuild`` the tables must be empty (``WarehouseNotEmptyError`` otherwise).
    """
    ensure_database(url)
    with psycopg.connect(url) as conn:
        if rebuild:
            drop_schemas(conn)
        create_schemas(conn)
        return seed_warehouse(conn, customers, seed, profile)


# --- Seeding ---


def seed_warehouse(
    conn: psycopg.Connection[Any],
    customers: int,
    seed: int = DEFAULT_SEED,
    profile: str = "demo",
) -> SeedSummary:
    """Fill the empty warehouse tables with ``customers`` fictional customers and their rows."""
    if profile not in _PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if customers < 1:
        raise ValueError(f"customers must be at least 1, not {customers}")
    _require_empty_tables(conn)
    generator = _WarehouseGenerator(seed, _PROFILES[profile])
    rows_per_table = dict.fromkeys(WAREHOUSE_TABLES, 0)
    all_customers = _draw_customer_numbers(random.Random(seed), customers)
    with conn.cursor() as cursor:
        for group in _chunks(all_customers, _CUSTOMERS_PER_COPY):
            batch = _Batch()
            for customer_no in group:
                generator.add_customer(customer_no, batch)
            for table, rows in batch.by_table():
                with cursor.copy(table.copy_statement()) as copy:
                    for row in rows:
                        copy.write_row(row)
                rows_per_table[table.qualified_name] += len(rows)
        # Fresh tables have no statistics; the extraction queries join and filter them.
        cursor.execute(
            sql.SQL("ANALYZE {}").format(
                sql.SQL(", ").join(sql.Identifier(t.schema, t.name) for t in _TABLES)
            )
        )
    return SeedSummary(customers, seed, profile, rows_per_table)


def _require_empty_tables(conn: psycopg.Connection[Any]) -> None:
    for table in _TABLES:
        query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(
            sql.Identifier(table.schema, table.name)
        )
        row = conn.execute(query).fetchone()
        if row and row[0]:
            raise WarehouseNotEmptyError(
                f"{table.qualified_name} already holds rows; rebuild the warehouse instead"
            )


def _draw_customer_numbers(rng: random.Random, count: int) -> list[int]:
    """``count`` distinct customer numbers: the DESIGN examples first, then random ones."""
    chosen = list(EXAMPLE_CUSTOMERS[:count])
    taken = set(chosen)
    while len(chosen) < count:
        # The digit count is drawn again on every try, so a crowded range cannot stall this.
        low, high = _CUSTOMER_NO_RANGES.draw(rng)
        customer_no = rng.randint(low, high)
        if customer_no not in taken:
            taken.add(customer_no)
            chosen.append(customer_no)
    return chosen


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _WarehouseGenerator:
    """Makes all rows of one customer at a time; ids keep counting across customers."""

    def __init__(self, seed: int, profile: _Profile) -> None:
        self._seed = seed
        self._profile = profile
        self._next_order_no = _FIRST_ORDER_NO
        self._next_auth_id = _FIRST_AUTH_ID
        self._next_crn_serial = _FIRST_CRN_SERIAL

    def add_customer(self, customer_no: int, batch: _Batch) -> None:
        # A string seed is hashed with SHA-512: stable across runs and Python versions.
        rng = random.Random(f"{self._seed}/{customer_no}")
        customer = _customer_row(rng, customer_no)
        batch.customers.append(customer)
        batch.emails.extend(self._emails(rng, customer))
        histories = _EXAMPLE_CRN_HISTORIES.get(customer_no) or [
            _random_crn_history(rng) for _ in range(self._profile.crns_per_customer.draw(rng))
        ]
        for history in histories:
            batch.crn_changes.extend(self._crn_changes(rng, customer_no, history))
        batch.preferences.extend(self._preferences(rng, customer_no))
        activity_start = max(customer.open_date or _HISTORY_START, _HISTORY_START)
        low, high = self._profile.orders_per_customer
        order_dates = [
            _random_date(rng, activity_start, _ACTIVITY_END) for _ in range(rng.randint(low, high))
        ]
        for order_date in sorted(order_dates):
            self._add_order(rng, customer_no, order_date, batch)
        if customer_no in EXAMPLE_CUSTOMERS:
            self._add_boundary_orders(rng, customer_no, batch)

    def _emails(self, rng: random.Random, customer: _CustomerRow) -> Iterator[_EmailRow]:
        first = _email_word(customer.first_name or "")
        last = _email_word(customer.last_name or "")
        for email_seq in range(1, self._profile.emails_per_customer.draw(rng) + 1):
            # The first address carries the real name, so a leak of it is easy to spot.
            named = first and last and (email_seq == 1 or rng.random() < 0.5)
            local_part = (
                _named_local_part(rng, first, last, customer.birth_date)
                if named
                else _unnamed_local_part(rng, customer.first_name or "")
            )
            address = f"{local_part}@{_EMAIL_DOMAINS.draw(rng)}"
            yield _EmailRow(
                customer_no=customer.customer_no,
                email_seq=email_seq,
                email_address=_mostly(rng, address + _PADDING.draw(rng), 0.99),
                email_type=_EMAIL_TYPE.draw(rng),
                opt_in_flag=_OPT_IN_FLAG.draw(rng),
                last_update_ts=_random_moment(rng, _HISTORY_START, _ACTIVITY_END),
            )

    def _crn_changes(
        self,
        rng: random.Random,
        customer_no: int,
        history: Sequence[tuple[str, datetime]],
    ) -> Iterator[_CrnChangeRow]:
        crn = f"{rng.choice(_CRN_PREFIXES)}{self._next_crn_serial:012d}"
        self._next_crn_serial += rng.randint(1, 9)
        status: str | None = "A"
        brand = _CRN_BRAND.draw(rng)
        effective: date | None = None
        for operation, timestamp in history:
            # A delete carries the last values, as the change feed's before-image does.
            if operation != "D":
                status = _CRN_STATUS.draw(rng) if operation == "U" else "A"
                if operation == "I" or rng.random() < 0.1:
                    brand = _CRN_BRAND.draw(rng)
                effective = _mostly(rng, timestamp.date(), 0.95)
            yield _CrnChangeRow(customer_no, crn, status, brand, effective, operation, timestamp)

    def _preferences(self, rng: random.Random, customer_no: int) -> Iterator[_PreferenceRow]:
        low, high = self._profile.preferences_per_customer
        for code in rng.sample(_PREFERENCE_CODES, rng.randint(low, high)):
            yield _PreferenceRow(
                customer_no=customer_no,
                preference_code=code,
                preference_value=_mostly(rng, rng.choice(_PREFERENCE_VALUES[code]), 0.96),
                channel=_PREFERENCE_CHANNEL.draw(rng),
                updated_ts=_random_moment(rng, _HISTORY_START, _ACTIVITY_END),
            )

    def _add_order(
        self,
        rng: random.Random,
        customer_no: int,
        order_date: date,
        batch: _Batch,
        auth_times: Sequence[datetime] | None = None,
    ) -> None:
        """Add an order with its auths: at ``auth_times``, or at random times when None."""
        order_total = _mostly(rng, _money(rng.randint(999, 89_999)), 0.99)
        order = _OrderRow(
            order_no=self._next_order_no,
            customer_no=customer_no,
            order_date=order_date,
            order_status=_ORDER_STATUS.draw(rng),
            order_total=order_total,
            ship_method=_SHIP_METHOD.draw(rng),
            catalog_code=_mostly(rng, _catalog_code(rng, order_date), 0.92),
            last_update_ts=_moment_after(rng, order_date, max_days=30),
        )
        self._next_order_no += 1
        batch.orders.append(order)
        if auth_times is None:
            auth_count = self._profile.auths_per_order.draw(rng)
            auth_times = sorted(_auth_time(rng, order_date) for _ in range(auth_count))
        for auth_ts in auth_times:
            batch.auths.append(_auth_row(rng, self._next_auth_id, order, auth_ts))
            self._next_auth_id += 1

    def _add_boundary_orders(self, rng: random.Random, customer_no: int, batch: _Batch) -> None:
        """An order on DEMO_AS_OF authorised in its last second and again just after it,
        and an order on the day after (absent as of DEMO_AS_OF, with its auth)."""
        self._add_order(
            rng,
            customer_no,
            DEMO_AS_OF,
            batch,
            auth_times=(_LAST_SECOND_OF_AS_OF, _FIRST_SECOND_AFTER_AS_OF),
        )
        self._add_order(
            rng,
            customer_no,
            _FIRST_SECOND_AFTER_AS_OF.date(),
            batch,
            auth_times=(_FIRST_SECOND_AFTER_AS_OF + timedelta(hours=9, minutes=12),),
        )


# --- Row makers ---


def _customer_row(rng: random.Random, customer_no: int) -> _CustomerRow:
    first_name, middle_initial, last_name = _EXAMPLE_NAMES.get(customer_no) or _random_names(rng)
    city, state_code, zip_prefix, area_code = rng.choice(_CITIES)
    open_date = _mostly(rng, _random_date(rng, date(1995, 1, 1), _ACTIVITY_END), 0.99)
    return _CustomerRow(
        customer_no=customer_no,
        first_name=first_name,
        middle_initial=middle_initial,
        last_name=last_name,
        address_line1=_address_line1(rng) + _PADDING.draw(rng),
        address_line2=_address_line2(rng),
        city=_mostly(rng, city, 0.995),
        # A few addresses lost their state: a blank CHAR(2), padded to two spaces.
        state_code=state_code if rng.random() < 0.995 else _BLANK,
        zip_code=_mostly(rng, _zip_code(rng, zip_prefix), 0.99),
        phone_number=_phone_number(rng, area_code),
        birth_date=_mostly(rng, _random_date(rng, date(1935, 1, 1), date(2006, 12, 31)), 0.9),
        credit_limit=_mostly(rng, _credit_limit(rng), 0.95),
        account_status=_ACCOUNT_STATUS.draw(rng),
        open_date=open_date,
        last_update_ts=_random_moment(rng, open_date or _HISTORY_START, _ACTIVITY_END),
    )


def _random_names(rng: random.Random) -> tuple[str | None, str | None, str | None]:
    """(first name, middle initial, last name)."""
    first_name = rng.choice(_FIRST_NAME_POOLS.draw(rng)) + _PADDING.draw(rng)
    last_name = rng.choice(_LAST_NAME_POOLS.draw(rng)) + _PADDING.draw(rng)
    middle_initial = _MIDDLE_INITIAL_KIND.draw(rng)
    if middle_initial == "letter":
        middle_initial = rng.choice(_UPPERCASE)
    return _mostly(rng, first_name, 0.995), middle_initial, _mostly(rng, last_name, 0.995)


def _address_line1(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.05:
        return f"PO Box {rng.randint(1, 9999)}"
    # Log-uniform house numbers: mostly short, sometimes five digits.
    number = int(10 ** rng.uniform(0, 5))
    if kind < 0.12:
        return f"{number} {rng.choice(_STREET_DIRECTIONS)} {rng.choice(_STREETS)}"
    return f"{number} {rng.choice(_STREETS)}"


def _address_line2(rng: random.Random) -> str | None:
    match _ADDRESS_LINE2_KIND.draw(rng):
        case "apartment":
            return f"Apt {rng.randint(1, 40)}{rng.choice('ABCDEF')}"
        case "suite":
            return f"Suite {rng.randint(100, 999)}"
        case "unit":
            return f"Unit {rng.randint(1, 250)}"
        case "care of":
            return f"c/o {rng.choice(_CARE_OF_NAMES)}"
        case _:
            return None


def _zip_code(rng: random.Random, prefix: str) -> str:
    zip_code = f"{prefix}{rng.randrange(100):02d}"
    if rng.random() < 0.2:
        zip_code += f"-{rng.randrange(10_000):04d}"
    return zip_code


def _phone_number(rng: random.Random, area_code: str) -> str | None:
    # Real exchanges only: 555 is left to the anonymizer's fictional 555-01xx numbers.
    exchange = rng.randint(200, 998)
    if exchange >= 555:
        exchange += 1
    line = f"{rng.randrange(10_000):04d}"
    match _PHONE_FORMAT.draw(rng):
        case "dashes":
            return f"{area_code}-{exchange}-{line}"
        case "parentheses":
            return f"({area_code}) {exchange}-{line}"
        case "digits":
            return f"{area_code}{exchange}{line}"
        case "international":
            return f"+1 {area_code} {exchange} {line}"
        case "extension":
            return f"{area_code}-{exchange}-{line} x{rng.randint(10, 9999)}"
        case _:
            return None


def _credit_limit(rng: random.Random) -> Decimal:
    cents = rng.choice(_CREDIT_LIMIT_DOLLARS) * 100
    if rng.random() < 0.2:
        cents += rng.randint(1, 99_99)
    return _money(cents)


def _email_word(name: str) -> str:
    """How a name is spelt in an e-mail address: "José " -> "jose", "O'Brien" -> "o'brien"."""
    decomposed = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c == "'"))


def _named_local_part(rng: random.Random, first: str, last: str, birth_date: date | None) -> str:
    match rng.randrange(5):
        case 0:
            local_part = f"{first}.{last}"
        case 1:
            local_part = f"{first}{last}{rng.randint(1, 99)}"
        case 2:
            local_part = f"{first[0]}{last}"
        case 3:
            local_part = f"{last}.{first}"
        case _:
            year = birth_date.year if birth_date else rng.randint(1950, 2005)
            local_part = f"{first}_{last}{year % 100:02d}"
    # Apostrophes are legal in addresses; most people still leave them out.
    return local_part if rng.random() < 0.3 else local_part.replace("'", "")


def _unnamed_local_part(rng: random.Random, first_name: str) -> str:
    # Some people with accented names use them in an internationalised address.
    first = first_name.strip().lower()
    if first.isalpha() and not first.isascii() and rng.random() < 0.3:
        return f"{first}{rng.randint(1, 99)}"
    return f"{rng.choice(_EMAIL_HANDLE_WORDS)}{rng.randint(1, 9999)}"


def _random_crn_history(rng: random.Random) -> tuple[tuple[str, datetime], ...]:
    """An insert, some updates, maybe a delete, at times that often straddle DEMO_AS_OF."""
    updates = _CRN_UPDATES.draw(rng)
    deleted = rng.random() < _CRN_DELETE_RATE
    moments = [_random_moment(rng, date(2023, 1, 1), DEMO_AS_OF + timedelta(days=60))]
    for _ in range(updates + deleted):
        # Change-feed timestamps have microseconds; gaps average four months.
        following = moments[-1] + timedelta(days=rng.expovariate(1 / 120))
        if following.date() > _ACTIVITY_END:
            deleted = False  # the history has not got that far yet
            break
        moments.append(following)
    if rng.random() < _AS_OF_BOUNDARY_RATE:
        moments.append(rng.choice(_AS_OF_BOUNDARY_MOMENTS))
    # Sorting makes a pinned boundary moment take its place in the history (and its
    # operation: it may become the insert or the delete).
    moments = sorted(set(moments))
    operations = ["I"] + ["U"] * (len(moments) - 1)
    if deleted and len(moments) > 1:
        operations[-1] = "D"
    return tuple(zip(operations, moments, strict=True))


def _catalog_code(rng: random.Random, order_date: date) -> str:
    season = _SEASONS_BY_MONTH[order_date.month - 1]
    return f"{season}{order_date.year % 100:02d}{rng.choice(_CATALOG_BRANDS)}"


def _auth_time(rng: random.Random, order_date: date) -> datetime:
    match _AUTH_DELAY.draw(rng):
        case "same day":
            return _moment_after(rng, order_date, max_days=0)
        case "days":
            return _moment_after(rng, order_date, max_days=10)
        case _:
            return _moment_after(rng, order_date, max_days=30)


def _auth_row(rng: random.Random, auth_id: int, order: _OrderRow, auth_ts: datetime) -> _AuthRow:
    status = _AUTH_STATUS.draw(rng)
    amount = order.order_total if rng.random() < 0.8 else _money(rng.randint(100, 50_000))
    return _AuthRow(
        auth_id=auth_id,
        order_no=order.order_no,
        auth_amount=_mostly(rng, amount, 0.99),
        auth_status=status,
        auth_code=(
            "".join(rng.choices(_AUTH_CODE_CHARACTERS, k=6)) if status == "APPROVED" else None
        ),
        card_type=_CARD_TYPE.draw(rng),
        card_last4=_mostly(rng, f"{rng.randrange(10_000):04d}", 0.98),
        auth_ts=auth_ts,
    )


# --- Small helpers ---


def _mostly(rng: random.Random, value: _T, probability: float) -> _T | None:
    """``value`` with the given probability, otherwise NULL."""
    return value if rng.random() < probability else None


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _random_date(rng: random.Random, first: date, last: date) -> date:
    return date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def _random_moment(rng: random.Random, first: date, last: date) -> datetime:
    """A whole second on a day from ``first`` to ``last`` (``first`` if they are reversed)."""
    day = _random_date(rng, first, max(first, last))
    return datetime.combine(day, _MIDNIGHT) + timedelta(seconds=rng.randrange(86_400))


def _moment_after(rng: random.Random, day: date, max_days: int) -> datetime:
    """A whole second from the start of ``day`` to the end of ``day + max_days``."""
    return datetime.combine(day, _MIDNIGHT) + timedelta(
        seconds=rng.randrange(86_400 * (max_days + 1))
    )


# --- Sample scenario ---


def write_sample_scenario(
    path: str | PathLike[str],
    customer_numbers: Iterable[int],
    count: int,
    seed: int = DEFAULT_SEED,
) -> list[int]:
    """Write a scenario CSV of ``count`` of ``customer_numbers`` and return them in file order.

    The DESIGN examples that are among ``customer_numbers`` come first, so with ``count`` >= 3
    they are always chosen; the rest is a seeded sample. Asking for more customers than
    there are gives all of them.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, not {count}")
    available = set(customer_numbers)
    examples = [number for number in EXAMPLE_CUSTOMERS if number in available]
    others = sorted(available.difference(examples))
    rng = random.Random(seed)
    sample_size = max(0, min(count, len(available)) - len(examples))
    chosen = (examples + sorted(rng.sample(others, sample_size)))[:count]
    with Path(path).open("w", encoding="utf-8", newline="") as scenario_file:
        writer = csv.writer(scenario_file, lineterminator="\n")
        writer.writerow(_SCENARIO_HEADER)
        for number in chosen:
            note = _EXAMPLE_SCENARIO_NOTES.get(number) or rng.choice(_SCENARIO_NOTES)
            writer.writerow((number, note))
    return chosen

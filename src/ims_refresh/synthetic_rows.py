"""Making the rows of one customer at a time (see ``synthetic_warehouse`` for the seeding
rules): names, addresses, e-mails, CRN change histories, preferences, orders and auths."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from ims_refresh import synthetic_pools as pools
from ims_refresh.synthetic_tables import (
    AuthRow,
    Batch,
    CrnChangeRow,
    CustomerRow,
    EmailRow,
    OrderRow,
    PreferenceRow,
)


class WarehouseGenerator:
    """Makes all rows of one customer at a time; ids keep counting across customers."""

    def __init__(self, seed: int, profile: pools.Profile) -> None:
        self._seed = seed
        self._profile = profile
        self._next_order_no = pools.FIRST_ORDER_NO
        self._next_auth_id = pools.FIRST_AUTH_ID
        self._next_crn_serial = pools.FIRST_CRN_SERIAL

    def add_customer(self, customer_no: int, batch: Batch) -> None:
        # A string seed is hashed with SHA-512: stable across runs and Python versions.
        rng = random.Random(f"{self._seed}/{customer_no}")
        customer = _customer_row(rng, customer_no)
        batch.customers.append(customer)
        batch.emails.extend(self._emails(rng, customer))
        histories = pools.EXAMPLE_CRN_HISTORIES.get(customer_no) or [
            _random_crn_history(rng) for _ in range(self._profile.crns_per_customer.draw(rng))
        ]
        for history in histories:
            batch.crn_changes.extend(self._crn_changes(rng, customer_no, history))
        batch.preferences.extend(self._preferences(rng, customer_no))
        activity_start = max(customer.open_date or pools.HISTORY_START, pools.HISTORY_START)
        low, high = self._profile.orders_per_customer
        order_dates = [
            _random_date(rng, activity_start, pools.ACTIVITY_END)
            for _ in range(rng.randint(low, high))
        ]
        for order_date in sorted(order_dates):
            self._add_order(rng, customer_no, order_date, batch)
        if customer_no in pools.EXAMPLE_CUSTOMERS:
            self._add_boundary_orders(rng, customer_no, batch)

    def _emails(self, rng: random.Random, customer: CustomerRow) -> Iterator[EmailRow]:
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
            address = f"{local_part}@{pools.EMAIL_DOMAINS.draw(rng)}"
            yield EmailRow(
                customer_no=customer.customer_no,
                email_seq=email_seq,
                email_address=_mostly(rng, address + pools.PADDING.draw(rng), 0.99),
                email_type=pools.EMAIL_TYPE.draw(rng),
                opt_in_flag=pools.OPT_IN_FLAG.draw(rng),
                last_update_ts=_random_moment(rng, pools.HISTORY_START, pools.ACTIVITY_END),
            )

    def _crn_changes(
        self,
        rng: random.Random,
        customer_no: int,
        history: Sequence[tuple[str, datetime]],
    ) -> Iterator[CrnChangeRow]:
        crn = f"{rng.choice(pools.CRN_PREFIXES)}{self._next_crn_serial:012d}"
        self._next_crn_serial += rng.randint(1, 9)
        status: str | None = "A"
        brand = pools.CRN_BRAND.draw(rng)
        effective: date | None = None
        for operation, timestamp in history:
            # A delete carries the last values, as the change feed's before-image does.
            if operation != "D":
                status = pools.CRN_STATUS.draw(rng) if operation == "U" else "A"
                if operation == "I" or rng.random() < 0.1:
                    brand = pools.CRN_BRAND.draw(rng)
                effective = _mostly(rng, timestamp.date(), 0.95)
            yield CrnChangeRow(customer_no, crn, status, brand, effective, operation, timestamp)

    def _preferences(self, rng: random.Random, customer_no: int) -> Iterator[PreferenceRow]:
        low, high = self._profile.preferences_per_customer
        for code in rng.sample(pools.PREFERENCE_CODES, rng.randint(low, high)):
            yield PreferenceRow(
                customer_no=customer_no,
                preference_code=code,
                preference_value=_mostly(rng, rng.choice(pools.PREFERENCE_VALUES[code]), 0.96),
                channel=pools.PREFERENCE_CHANNEL.draw(rng),
                updated_ts=_random_moment(rng, pools.HISTORY_START, pools.ACTIVITY_END),
            )

    def _add_order(
        self,
        rng: random.Random,
        customer_no: int,
        order_date: date,
        batch: Batch,
        auth_times: Sequence[datetime] | None = None,
    ) -> None:
        """Add an order with its auths: at ``auth_times``, or at random times when None."""
        order_total = _mostly(rng, _money(rng.randint(999, 89_999)), 0.99)
        order = OrderRow(
            order_no=self._next_order_no,
            customer_no=customer_no,
            order_date=order_date,
            order_status=pools.ORDER_STATUS.draw(rng),
            order_total=order_total,
            ship_method=pools.SHIP_METHOD.draw(rng),
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

    def _add_boundary_orders(self, rng: random.Random, customer_no: int, batch: Batch) -> None:
        """An order on pools.DEMO_AS_OF authorised in its last second and again just after it,
        and an order on the day after (absent as of pools.DEMO_AS_OF, with its auth)."""
        self._add_order(
            rng,
            customer_no,
            pools.DEMO_AS_OF,
            batch,
            auth_times=(pools.LAST_SECOND_OF_AS_OF, pools.FIRST_SECOND_AFTER_AS_OF),
        )
        self._add_order(
            rng,
            customer_no,
            pools.FIRST_SECOND_AFTER_AS_OF.date(),
            batch,
            auth_times=(pools.FIRST_SECOND_AFTER_AS_OF + timedelta(hours=9, minutes=12),),
        )


# --- Row makers ---


def _customer_row(rng: random.Random, customer_no: int) -> CustomerRow:
    first_name, middle_initial, last_name = pools.EXAMPLE_NAMES.get(customer_no) or _random_names(
        rng
    )
    city, state_code, zip_prefix, area_code = rng.choice(pools.CITIES)
    open_date = _mostly(rng, _random_date(rng, date(1995, 1, 1), pools.ACTIVITY_END), 0.99)
    return CustomerRow(
        customer_no=customer_no,
        first_name=first_name,
        middle_initial=middle_initial,
        last_name=last_name,
        address_line1=_address_line1(rng) + pools.PADDING.draw(rng),
        address_line2=_address_line2(rng),
        city=_mostly(rng, city, 0.995),
        # A few addresses lost their state: a blank CHAR(2), padded to two spaces.
        state_code=state_code if rng.random() < 0.995 else pools.BLANK,
        zip_code=_mostly(rng, _zip_code(rng, zip_prefix), 0.99),
        phone_number=_phone_number(rng, area_code),
        birth_date=_mostly(rng, _random_date(rng, date(1935, 1, 1), date(2006, 12, 31)), 0.9),
        credit_limit=_mostly(rng, _credit_limit(rng), 0.95),
        account_status=pools.ACCOUNT_STATUS.draw(rng),
        open_date=open_date,
        last_update_ts=_random_moment(rng, open_date or pools.HISTORY_START, pools.ACTIVITY_END),
    )


def _random_names(rng: random.Random) -> tuple[str | None, str | None, str | None]:
    """(first name, middle initial, last name)."""
    first_name = rng.choice(pools.FIRST_NAME_POOLS.draw(rng)) + pools.PADDING.draw(rng)
    last_name = rng.choice(pools.LAST_NAME_POOLS.draw(rng)) + pools.PADDING.draw(rng)
    middle_initial = pools.MIDDLE_INITIAL_KIND.draw(rng)
    if middle_initial == "letter":
        middle_initial = rng.choice(pools.UPPERCASE)
    return _mostly(rng, first_name, 0.995), middle_initial, _mostly(rng, last_name, 0.995)


def _address_line1(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.05:
        return f"PO Box {rng.randint(1, 9999)}"
    # Log-uniform house numbers: mostly short, sometimes five digits.
    number = int(10 ** rng.uniform(0, 5))
    if kind < 0.12:
        return f"{number} {rng.choice(pools.STREET_DIRECTIONS)} {rng.choice(pools.STREETS)}"
    return f"{number} {rng.choice(pools.STREETS)}"


def _address_line2(rng: random.Random) -> str | None:
    match pools.ADDRESS_LINE2_KIND.draw(rng):
        case "apartment":
            return f"Apt {rng.randint(1, 40)}{rng.choice('ABCDEF')}"
        case "suite":
            return f"Suite {rng.randint(100, 999)}"
        case "unit":
            return f"Unit {rng.randint(1, 250)}"
        case "care of":
            return f"c/o {rng.choice(pools.CARE_OF_NAMES)}"
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
    match pools.PHONE_FORMAT.draw(rng):
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
    cents = rng.choice(pools.CREDIT_LIMIT_DOLLARS) * 100
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
    return f"{rng.choice(pools.EMAIL_HANDLE_WORDS)}{rng.randint(1, 9999)}"


def _random_crn_history(rng: random.Random) -> tuple[tuple[str, datetime], ...]:
    """An insert, some updates, maybe a delete, at times that often straddle pools.DEMO_AS_OF."""
    updates = pools.CRN_UPDATES.draw(rng)
    deleted = rng.random() < pools.CRN_DELETE_RATE
    moments = [_random_moment(rng, date(2023, 1, 1), pools.DEMO_AS_OF + timedelta(days=60))]
    for _ in range(updates + deleted):
        # Change-feed timestamps have microseconds; gaps average four months.
        following = moments[-1] + timedelta(days=rng.expovariate(1 / 120))
        if following.date() > pools.ACTIVITY_END:
            deleted = False  # the history has not got that far yet
            break
        moments.append(following)
    if rng.random() < pools.AS_OF_BOUNDARY_RATE:
        moments.append(rng.choice(pools.AS_OF_BOUNDARY_MOMENTS))
    # Sorting makes a pinned boundary moment take its place in the history (and its
    # operation: it may become the insert or the delete).
    moments = sorted(set(moments))
    operations = ["I"] + ["U"] * (len(moments) - 1)
    if deleted and len(moments) > 1:
        operations[-1] = "D"
    return tuple(zip(operations, moments, strict=True))


def _catalog_code(rng: random.Random, order_date: date) -> str:
    season = pools.SEASONS_BY_MONTH[order_date.month - 1]
    return f"{season}{order_date.year % 100:02d}{rng.choice(pools.CATALOG_BRANDS)}"


def _auth_time(rng: random.Random, order_date: date) -> datetime:
    match pools.AUTH_DELAY.draw(rng):
        case "same day":
            return _moment_after(rng, order_date, max_days=0)
        case "days":
            return _moment_after(rng, order_date, max_days=10)
        case _:
            return _moment_after(rng, order_date, max_days=30)


def _auth_row(rng: random.Random, auth_id: int, order: OrderRow, auth_ts: datetime) -> AuthRow:
    status = pools.AUTH_STATUS.draw(rng)
    amount = order.order_total if rng.random() < 0.8 else _money(rng.randint(100, 50_000))
    return AuthRow(
        auth_id=auth_id,
        order_no=order.order_no,
        auth_amount=_mostly(rng, amount, 0.99),
        auth_status=status,
        auth_code=(
            "".join(rng.choices(pools.AUTH_CODE_CHARACTERS, k=6)) if status == "APPROVED" else None
        ),
        card_type=pools.CARD_TYPE.draw(rng),
        card_last4=_mostly(rng, f"{rng.randrange(10_000):04d}", 0.98),
        auth_ts=auth_ts,
    )


# --- Small helpers ---


_T = TypeVar("_T")


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
    return datetime.combine(day, pools.MIDNIGHT) + timedelta(seconds=rng.randrange(86_400))


def _moment_after(rng: random.Random, day: date, max_days: int) -> datetime:
    """A whole second from the start of ``day`` to the end of ``day + max_days``."""
    return datetime.combine(day, pools.MIDNIGHT) + timedelta(
        seconds=rng.randrange(86_400 * (max_days + 1))
    )

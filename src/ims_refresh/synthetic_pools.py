"""What the synthetic warehouse draws from: the timeline around ``DEMO_AS_OF``, weighted
distributions, the profiles, and the pools of names, places and codes (with the docs/design.md
examples' fixed edge cases)."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from typing import Final, Generic, TypeVar

DEMO_AS_OF: Final = date(2026, 6, 30)
"""The reference as-of date: histories are seeded around it so it shows every case."""

DEFAULT_SEED: Final = 20261122
EXAMPLE_CUSTOMERS: Final = (7, 6766, 1234567)
"""Customer numbers that docs/design.md uses as examples; seeded first, with fixed edge cases."""

# Activity runs from HISTORY_START to ACTIVITY_END, plus delays of at most 30 days, so
# nothing is dated after mid-November 2026: a real warehouse holds no future rows.
HISTORY_START: Final = date(2019, 1, 1)
ACTIVITY_END: Final = date(2026, 10, 15)
MIDNIGHT: Final = time()
LAST_SECOND_OF_AS_OF: Final = datetime.combine(DEMO_AS_OF, time(23, 59, 59))
_LAST_MICROSECOND_OF_AS_OF: Final = datetime.combine(DEMO_AS_OF, time(23, 59, 59, 999_999))
FIRST_SECOND_AFTER_AS_OF: Final = datetime.combine(DEMO_AS_OF + timedelta(days=1), MIDNIGHT)

FIRST_ORDER_NO: Final = 7_000_000_001
FIRST_AUTH_ID: Final = 50_000_000_001
FIRST_CRN_SERIAL: Final = 300_000_001

_T = TypeVar("_T")


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
class Profile:
    emails_per_customer: _Weighted[int]
    crns_per_customer: _Weighted[int]
    preferences_per_customer: tuple[int, int]
    orders_per_customer: tuple[int, int]
    auths_per_order: _Weighted[int]


PROFILE_DISTRIBUTIONS: Final = {
    "demo": Profile(
        emails_per_customer=_Weighted({1: 45, 2: 35, 3: 15, 4: 5}),
        crns_per_customer=_Weighted({0: 20, 1: 45, 2: 25, 3: 10}),
        preferences_per_customer=(2, 8),
        orders_per_customer=(3, 13),
        auths_per_order=_Weighted({0: 15, 1: 55, 2: 22, 3: 8}),
    ),
    "bench": Profile(
        emails_per_customer=_Weighted({1: 45, 2: 35, 3: 15, 4: 5}),
        crns_per_customer=_Weighted({0: 20, 1: 45, 2: 25, 3: 10}),
        preferences_per_customer=(10, 20),
        orders_per_customer=(20, 50),
        auths_per_order=_Weighted({0: 10, 1: 40, 2: 30, 3: 15, 4: 5}),
    ),
}

# Ranges of customer numbers by digit count: a few old 1-4 digit numbers, mostly 6-10
# digits, a few at the 15-digit maximum of the scenario file format.
CUSTOMER_NO_RANGES: Final = _Weighted(
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
FIRST_NAME_POOLS: Final = _Weighted(
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
LAST_NAME_POOLS: Final = _Weighted(
    {
        _COMMON_LAST_NAMES: 70,
        _ACCENTED_LAST_NAMES: 25,
        _NON_LATIN_LAST_NAMES: 4,
        _EMOJI_LAST_NAMES: 1,
    }
)

# The mainframe source often keeps the blank padding of fixed-width fields.
PADDING: Final = _Weighted({"": 98, "  ": 2})
# A blank CHAR value, padded to its width by Redshift (and by PostgreSQL).
BLANK: Final = " "

UPPERCASE: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MIDDLE_INITIAL_KIND: Final = _Weighted({"letter": 65, None: 30, BLANK: 5})

STREETS: Final = (
    "Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Washington Blvd",
    "Lake Shore Dr", "Park Ave", "Pine St", "Sunset Blvd", "Martin Luther King Jr Blvd",
    "O'Farrell St", "Avenida de la Estrella", "Peña Blvd", "Rue Royale", "Highland Rd",
    "Church St", "Mill Creek Rd", "County Road 12", "Old Mission Trl", "Calle Ñandú",
)  # fmt: skip
STREET_DIRECTIONS: Final = ("N", "S", "E", "W", "NE", "SW")
ADDRESS_LINE2_KIND: Final = _Weighted(
    {None: 75, "apartment": 12, "suite": 5, "unit": 5, "care of": 3}
)
CARE_OF_NAMES: Final = ("María Gómez", "J. O'Hara", "Zoë Li")

# (city, state code, first three zip digits, telephone area code)
CITIES: Final = (
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
PHONE_FORMAT: Final = _Weighted(
    {"dashes": 50, "parentheses": 25, "digits": 8, "international": 5, "extension": 3, None: 9}
)
ACCOUNT_STATUS: Final = _Weighted({"A": 85, "C": 8, "S": 4, BLANK: 1.5, None: 1.5})
CREDIT_LIMIT_DOLLARS: Final = (0, 500, 1000, 1500, 2000, 2500, 3000, 5000, 7500, 10000, 25000)

EMAIL_DOMAINS: Final = _Weighted(
    {
        "gmail.com": 35, "yahoo.com": 18, "hotmail.com": 10, "aol.com": 8, "outlook.com": 8,
        "icloud.com": 6, "comcast.net": 5, "att.net": 4, "msn.com": 3,
        "acme-logistics.com": 2, "stlukes-hospital.org": 1,
    }
)  # fmt: skip
EMAIL_HANDLE_WORDS: Final = (
    "sunshine", "bigfan", "catlover", "shoeguy", "grandma", "tigers", "bluebird",
    "gardener", "fisherman", "roadrunner", "nascarfan", "quilter",
)  # fmt: skip
EMAIL_TYPE: Final = _Weighted({"HOME": 55, "WORK": 20, "OTHER": 10, None: 15})
OPT_IN_FLAG: Final = _Weighted({"Y": 45, "N": 45, BLANK: 3, None: 7})

CRN_PREFIXES: Final = ("MC", "MS", "EP")
CRN_BRAND: Final = _Weighted({"MAS": 40, "STB": 25, "MWD": 15, "SAV": 10, "MDV": 8, None: 2})
CRN_STATUS: Final = _Weighted({"A": 70, "H": 10, "C": 15, None: 5})
CRN_UPDATES: Final = _Weighted({0: 30, 1: 30, 2: 20, 3: 12, 4: 8})
CRN_DELETE_RATE: Final = 0.2
# Pinned to a change of some CRNs, so large warehouses show the as-of boundary often.
AS_OF_BOUNDARY_MOMENTS: Final = (
    LAST_SECOND_OF_AS_OF,
    _LAST_MICROSECOND_OF_AS_OF,
    FIRST_SECOND_AFTER_AS_OF,
)
AS_OF_BOUNDARY_RATE: Final = 0.05

_YES_NO: Final = ("Y", "N")
PREFERENCE_VALUES: Final = {
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
PREFERENCE_CODES: Final = tuple(PREFERENCE_VALUES)
PREFERENCE_CHANNEL: Final = _Weighted(
    {"WEB": 40, "PHONE": 25, "MAIL": 15, "APP": 10, "STORE": 5, None: 5}
)

ORDER_STATUS: Final = _Weighted(
    {"DELIVERED": 60, "SHIPPED": 15, "CANCELLED": 10, "RETURNED": 8, "BACKORDERED": 4,
     "OPEN": 2, None: 1}
)  # fmt: skip
SHIP_METHOD: Final = _Weighted(
    {"STANDARD": 60, "EXPRESS": 15, "NEXTDAY": 5, "PICKUP": 5, "FREIGHT": 5, None: 10}
)
CATALOG_BRANDS: Final = ("MAS", "STB", "SVA", "MDV", "GIN", "MWD", "CDR")
SEASONS_BY_MONTH: Final = ("HO", "SP", "SP", "SP", "SU", "SU", "SU", "FA", "FA", "FA", "HO", "HO")
AUTH_DELAY: Final = _Weighted({"same day": 70, "days": 25, "weeks": 5})
AUTH_STATUS: Final = _Weighted(
    {"APPROVED": 80, "DECLINED": 10, "REVERSED": 5, "PENDING": 3, None: 2}
)
CARD_TYPE: Final = _Weighted({"VISA": 40, "MC": 25, "MASONCRD": 15, "AMEX": 10, "DISC": 8, None: 2})
AUTH_CODE_CHARACTERS: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

# Source names of the design's example customers: (first, middle initial, last). They hold
# the shapes anonymization must not leak, at customer numbers whose anonymized names
# docs/design.md spells out.
EXAMPLE_NAMES: Final[Mapping[int, tuple[str, str | None, str]]] = {
    7: ("José", BLANK, "O'Brien"),
    6766: ("Zoë  ", None, "Nguyễn 🌟"),
    1234567: ("François", "M", "Müller-D'Angelo"),
}
# CRN change histories of the example customers, each change an (operation, timestamp);
# the comment after each history says what the key looks like as of DEMO_AS_OF.
EXAMPLE_CRN_HISTORIES: Final[Mapping[int, tuple[tuple[tuple[str, datetime], ...], ...]]] = {
    7: (
        # present, with the values of the update in the last second of the as-of date
        (
            ("I", datetime(2025, 3, 14, 10, 15, 2)),
            ("U", LAST_SECOND_OF_AS_OF),
            ("U", FIRST_SECOND_AFTER_AS_OF),
        ),
        # present: deleted only in the first second after the as-of date
        (("I", datetime(2024, 11, 2, 8, 0)), ("D", FIRST_SECOND_AFTER_AS_OF)),
    ),
    6766: (
        # absent: deleted before the as-of date
        (
            ("I", datetime(2024, 2, 1, 9, 30)),
            ("U", datetime(2025, 12, 24, 16, 45, 10)),
            ("D", datetime(2026, 5, 2, 11, 0)),
        ),
        # absent: inserted in the first second after the as-of date
        (("I", FIRST_SECOND_AFTER_AS_OF),),
    ),
    1234567: (
        # absent: deleted in the last second of the as-of date
        (("I", datetime(2025, 7, 4, 12, 0)), ("D", LAST_SECOND_OF_AS_OF)),
        # present, with the inserted values: the update comes after the as-of date
        (("I", datetime(2023, 9, 9, 9, 9, 9)), ("U", datetime(2026, 8, 15, 14, 30))),
    ),
}

"""Word lists of the identity rules (``identity.py`` says how each is used).

Data, not logic: extend a list when real data shows a name, title, role or street word the
rules should know. Words are folded (lower case, no accents, no apostrophes).
"""

from __future__ import annotations

from typing import Final

NAME_PARTICLES: Final = frozenset(
    {
        "van", "von", "der", "del", "della", "des", "dos", "das", "den", "ter", "ten", "bin", "ibn",
        "bint", "abu", "san", "saint", "sainte",
    }
)  # fmt: skip
"""Words of a name that are no name on their own (van der Berg: only Berg counts)."""
COMMON_WORD_NAMES: Final = frozenset(
    {
        "abbey", "amber", "angel", "april", "art", "august", "autumn", "baker", "banks", "bell",
        "berry", "bill", "bishop", "black", "bliss", "bloom", "bond", "brand", "brandy", "brook",
        "brooks", "brown", "buck", "bush", "butler", "candy", "carter", "cash", "chance", "chase",
        "cherry", "clay", "cook", "crane", "cross", "crystal", "daisy", "dale", "dawn", "day",
        "dean", "dell", "dusty", "earl", "east", "fair", "faith", "field", "fields", "fisher",
        "ford", "fox", "frank", "gale", "ginger", "glen", "gold", "golden", "grace", "grant",
        "gray", "green", "grey", "guy", "hall", "hardy", "hart", "hawk", "hazel", "heath", "hill",
        "holly", "honey", "hood", "hope", "house", "hunt", "hunter", "iris", "ivy", "jack", "jade",
        "jewel", "jolly", "joy", "june", "keen", "king", "kitty", "knight", "lake", "lamb", "lane",
        "law", "lily", "little", "long", "lord", "love", "major", "march", "mark", "marsh", "mason",
        "max", "may", "miles", "mills", "misty", "moody", "moss", "noble", "north", "oliver",
        "olive", "page", "park", "parks", "pat", "pearl", "penny", "pierce", "pike", "pope",
        "porter", "power", "price", "read", "reed", "rich", "river", "rivers", "rose", "ruby",
        "rush", "rusty", "sage", "sandy", "sharp", "shepherd", "short", "skip", "sky", "small",
        "snow", "south", "spring", "star", "sterling", "stone", "storm", "summer", "sunny", "sweet",
        "swift", "tanner", "taylor", "tower", "turner", "violet", "wade", "walker", "wall", "ward",
        "warren", "waters", "west", "white", "will", "winter", "wise", "wolf", "wood", "woods",
        "young",
    }
)  # fmt: skip
"""Names that are also everyday English words: alone, they are the word."""
TITLES: Final = frozenset(
    {
        "mr", "mrs", "ms", "miss", "mx", "dr", "sir", "madam", "mme", "mlle", "herr", "frau",
        "sra", "srta",
    }
)  # fmt: skip
"""Words that make the name after them a name, even when it is an everyday word."""

ROLE_LOCAL_PARTS: Final = frozenset(
    {
        "abuse", "account", "accounts", "admin", "billing", "contact", "customer", "customers",
        "email", "hello", "help", "home", "hostmaster", "info", "mail", "news", "noreply",
        "no-reply", "office", "order", "orders", "postmaster", "sales", "service", "shop", "store",
        "support", "team", "test", "user", "webmaster",
    }
)  # fmt: skip
"""Local parts of e-mail addresses that name a role, not a person: never compared alone."""

STREET_TYPES: Final = {
    "street": "st", "str": "st", "st": "st", "avenue": "ave", "av": "ave", "ave": "ave",
    "road": "rd", "rd": "rd", "drive": "dr", "dr": "dr", "lane": "ln", "ln": "ln",
    "boulevard": "blvd", "blvd": "blvd", "court": "ct", "ct": "ct", "place": "pl",
    "pl": "pl", "terrace": "ter", "ter": "ter", "trail": "trl", "trl": "trl", "way": "way",
    "circle": "cir", "cir": "cir", "parkway": "pkwy", "pkwy": "pkwy", "highway": "hwy",
    "hwy": "hwy", "square": "sq", "sq": "sq", "plaza": "plz", "plz": "plz",
    "alley": "aly", "aly": "aly", "expressway": "expy", "expy": "expy", "freeway": "fwy",
    "fwy": "fwy",
}  # fmt: skip
"""Street types as USPS abbreviations, so "Oak Avenue" and "Oak Ave" compare equal."""
STREET_TYPE_ABBREVIATIONS: Final = frozenset(STREET_TYPES.values())
COMPASS_WORDS: Final = frozenset(
    {
        "n", "s", "e", "w", "ne", "nw", "se", "sw", "north", "south", "east", "west", "northeast",
        "northwest", "southeast", "southwest",
    }
)  # fmt: skip
"""Directions, dropped from street lines: "4120 N Oak" and "4120 Oak" compare equal."""

LETTERS_WITHOUT_DECOMPOSITION: Final = str.maketrans(
    {
        "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ħ": "h", "Ħ": "H",
        "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "þ": "th", "Þ": "Th",
        "ð": "d", "Ð": "D", "\u0131": "i",
    }
)  # fmt: skip
"""Letters NFKD leaves whole, spelt without their stroke or as two letters."""

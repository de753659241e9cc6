"""Keep data values out of error messages.

Database errors sometimes quote the offending value (MySQL "Incorrect string value:
'...'", Redshift "Invalid digit, Value 'J'", PostgreSQL "invalid input syntax for type
bigint: \"...\""). Those messages travel into Step Functions causes, run reports and logs,
so the quoted data is replaced; identifiers (column, table, relation names) are kept.
"""

import re

_QUOTED_VALUE = re.compile(
    r"""((?:\bvalue|\bentry|syntax for type [\w ]+|Truncated incorrect \w+ value):?\s*)"""
    r"""('(?:[^']|'')*'|"(?:[^"]|"")*")""",
    re.IGNORECASE,
)


def redact_values(message: str) -> str:
    return _QUOTED_VALUE.sub(lambda match: match.group(1) + "'<redacted>'", message)

"""Names of gold build, version and retired tables."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from training_refresh.gold_state import names

LIVE = st.from_regex(r"[A-Z][A-Z0-9_]{0,62}", fullmatch=True)


@given(LIVE, st.text(min_size=1, max_size=128), st.integers(min_value=0, max_value=10**15))
def test_every_work_name_fits_mysql_and_is_found_by_its_prefix(
    live: str, run_id: str, version: int
) -> None:
    tag = names.run_tag(run_id)
    build_prefix, version_prefix, retired_prefix = names.work_prefixes(live)
    for name, prefix in (
        (names.build_table(live, tag), build_prefix),
        (names.version_table(live, version), version_prefix),
        (names.retired_table(live, tag), retired_prefix),
    ):
        assert len(name) <= names.MAX_IDENTIFIER
        assert name.startswith(prefix)
        assert name != live
    assert names.version_of_name(live, names.version_table(live, version)) == version


def test_short_names_stay_readable() -> None:
    assert names.version_table("IMS_CUSTOMER_GOLD", 12) == "IMS_CUSTOMER_GOLD__V12"
    assert names.build_table("IMS_AUTH_GOLD", "0123456789") == "IMS_AUTH_GOLD__B0123456789"


@pytest.mark.parametrize("name", ["IMS_CUSTOMER_GOLD__V", "IMS_CUSTOMER_GOLD__V01", "X__V1"])
def test_only_real_version_names_carry_a_version(name: str) -> None:
    assert names.version_of_name("IMS_CUSTOMER_GOLD", name) is None


def test_tags_are_checked() -> None:
    with pytest.raises(ValueError, match="run tag"):
        names.build_table("A_GOLD", "nope")

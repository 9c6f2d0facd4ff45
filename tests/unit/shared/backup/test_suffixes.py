"""Random suffixes for colliding unique values: fit, shape and the order of attempts."""

from __future__ import annotations

import re
import string

from hypothesis import given
from hypothesis import strategies as st

from shared.backup.suffixes import SUFFIX_ROUNDS, candidate_lengths, propose

ALPHABET = set(string.ascii_lowercase + string.digits)
LENGTHS = [2, 2, 3, 3, 3, 3, 3, *[5] * 20, 12]  # Sentry: 2x2, 5x3, 20x5, 1x12
values = st.text(st.characters(exclude_categories=["Cs"]), max_size=80)


@given(values, st.sampled_from(sorted(set(LENGTHS))), st.data())
def test_propose_fits_max_length_and_starts_with_the_truncated_base_and_a_dash(
    value: str, length: int, data: st.DataObject
) -> None:
    max_length = data.draw(st.integers(min_value=length + 2, max_value=128), label="max_length")

    proposed = propose(value, length, max_length)

    assert len(proposed) <= max_length
    base = value[: max_length - length - 1]
    assert proposed.startswith(base + "-")
    suffix = proposed[len(base) + 1 :]
    assert len(suffix) == length
    assert set(suffix) <= ALPHABET


def test_propose_keeps_a_short_value_whole() -> None:
    proposed = propose("acme", 5, 50)

    assert re.fullmatch(r"acme-[a-z0-9]{5}", proposed)


def test_propose_truncates_a_long_value_to_leave_room_for_the_suffix() -> None:
    proposed = propose("a" * 60, 3, 50)

    assert re.fullmatch(r"a{46}-[a-z0-9]{3}", proposed)


def test_propose_draws_fresh_suffixes() -> None:
    assert len({propose("acme", 12, 50) for _ in range(20)}) == 20


def test_candidate_lengths_follow_sentrys_rounds() -> None:
    assert list(candidate_lengths()) == LENGTHS
    assert sum(attempts for _, attempts in SUFFIX_ROUNDS) == 28


@given(values, st.sampled_from(sorted(set(LENGTHS))), st.integers(min_value=3, max_value=13))
def test_propose_shortens_the_suffix_when_max_length_leaves_no_room_for_it(
    value: str, length: int, max_length: int
) -> None:
    proposed = propose(value, length, max_length)

    assert len(proposed) <= max_length
    fits = [
        size
        for size in range(1, length + 1)
        if proposed == value[: max_length - size - 1] + "-" + proposed[len(proposed) - size :]
        and set(proposed[len(proposed) - size :]) <= ALPHABET
    ]
    assert fits, f"{proposed!r} is not a truncated {value!r} plus '-' and a suffix"

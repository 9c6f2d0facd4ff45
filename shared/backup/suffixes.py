"""Random suffixes for colliding unique values: ``acme`` -> ``acme-x7``."""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterator

_ALPHABET = string.ascii_lowercase + string.digits
# (suffix length, attempts) rounds, widening the suffix as the short ones run out.
SUFFIX_ROUNDS = ((2, 2), (3, 5), (5, 20), (12, 1))


def propose(value: str, length: int, max_length: int) -> str:
    """``value`` (truncated to fit) plus ``-`` and ``length`` random characters."""
    length = max(1, min(length, max_length - 2))
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(length))
    base = value[: max(1, max_length - length - 1)]
    return f"{base}-{suffix}"


def candidate_lengths() -> Iterator[int]:
    """Suffix lengths to try, in order."""
    for length, attempts in SUFFIX_ROUNDS:
        for _ in range(attempts):
            yield length

"""The generated instance's workflow engine models (issue #13).

Called from ``tests.support.instance.generate`` with its builder once every other model is
built, so the records it references are in ``b.records``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.support.instance import _Builder

MODELS: tuple[str, ...] = ()
"""Their file order (after the models built before them)."""


def build(b: _Builder, user_pks: list[int]) -> None:
    """Add this topic's records for every organization in ``b.records``."""
    del b, user_pks

"""limit_malloc_arenas: set through glibc's mallopt, unless the operator chose a value."""

from __future__ import annotations

import ctypes.util

import pytest

from region.cli.memory import limit_malloc_arenas


@pytest.mark.skipif(ctypes.util.find_library("c") is None, reason="no C library to call")
def test_the_cli_caps_malloc_arenas_through_mallopt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert limit_malloc_arenas() is True


def test_an_operators_malloc_arena_max_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert limit_malloc_arenas() is False

"""Filter: an allow-list on one field of one model, compared as text."""

from __future__ import annotations

from shared.backup.filters import Filter
from shared.backup.model_names import ModelName

USER = ModelName("sentry.user")


def test_filter_admits_a_listed_value() -> None:
    assert Filter(USER, "username", frozenset({"alice", "bob"})).admits("alice")


def test_filter_refuses_an_unlisted_value() -> None:
    only_alice = Filter(USER, "username", frozenset({"alice"}))

    assert not only_alice.admits("bob")
    assert not only_alice.admits("Alice")
    assert not only_alice.admits("alic")


def test_filter_compares_non_string_values_as_text() -> None:
    by_pk = Filter(USER, "pk", frozenset({"10", "12"}))

    assert by_pk.admits(10)
    assert by_pk.admits("12")
    assert not by_pk.admits(11)


def test_filter_never_admits_a_null_value_even_if_none_is_listed() -> None:
    assert not Filter(USER, "email", frozenset({"None", ""})).admits(None)


def test_empty_filter_admits_nothing() -> None:
    assert not Filter(USER, "pk", frozenset()).admits(1)

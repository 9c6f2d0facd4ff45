"""Relocation scopes and the admission table of each operation scope (Sentry's §2.2)."""

from __future__ import annotations

import pytest

from shared.backup.scopes import OperationScope, RelocationScope

USER = RelocationScope.USER
ORG = RelocationScope.ORGANIZATION
CONFIG = RelocationScope.CONFIG
GLOBAL = RelocationScope.GLOBAL


@pytest.mark.parametrize(
    ("operation", "admitted"),
    [
        (OperationScope.USER, {USER}),
        (OperationScope.ORGANIZATION, {USER, ORG}),
        (OperationScope.CONFIG, {USER, CONFIG}),
        (OperationScope.GLOBAL, {USER, ORG, CONFIG, GLOBAL}),
    ],
)
def test_operation_scope_admits_sentrys_relocation_scopes(
    operation: OperationScope, admitted: set[RelocationScope]
) -> None:
    assert operation.admits == frozenset(admitted)


@pytest.mark.parametrize("operation", list(OperationScope))
def test_no_operation_scope_admits_excluded_models(operation: OperationScope) -> None:
    assert RelocationScope.EXCLUDED not in operation.admits
    assert not operation.admits_any(frozenset({RelocationScope.EXCLUDED}))


def test_admits_any_is_true_when_one_of_a_models_scopes_is_admitted() -> None:
    api_token = frozenset({CONFIG, GLOBAL})

    assert OperationScope.CONFIG.admits_any(api_token)
    assert OperationScope.GLOBAL.admits_any(api_token)
    assert not OperationScope.ORGANIZATION.admits_any(api_token)
    assert not OperationScope.USER.admits_any(api_token)


def test_admits_any_is_false_for_a_model_without_scopes() -> None:
    assert not OperationScope.GLOBAL.admits_any(frozenset())


def test_operation_scope_values_are_sentrys_spelling() -> None:
    assert [s.value for s in OperationScope] == ["User", "Organization", "Config", "Global"]
    assert OperationScope("Organization") is OperationScope.ORGANIZATION


def test_relocation_scopes_are_numbered_one_to_five_in_sentrys_order() -> None:
    assert [(s.name, int(s)) for s in RelocationScope] == [
        ("EXCLUDED", 1),
        ("USER", 2),
        ("ORGANIZATION", 3),
        ("CONFIG", 4),
        ("GLOBAL", 5),
    ]

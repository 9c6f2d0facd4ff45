"""The default comparator map and auto-assignment, checked against the committed model snapshot."""

from __future__ import annotations

import copy

import pytest

from shared.backup.compare import (
    CUSTOM_ORDINALS,
    DEFAULT_COMPARATORS,
    DatetimeEqualityComparator,
    EmailObfuscatingComparator,
    ForeignKeyComparator,
    comparators_for,
    compare_exports,
)
from shared.backup.model_names import ModelName
from shared.backup.snapshot import load_snapshot
from tests.support.instance import generate

SNAPSHOT = load_snapshot()


def _carried(models):
    return sorted(m for m in models if ModelName(m) in SNAPSHOT)


@pytest.mark.parametrize("model", _carried(DEFAULT_COMPARATORS))
def test_every_default_comparator_names_fields_the_model_has(model):
    fields = set(SNAPSHOT.get(model).fields)

    for comparator in DEFAULT_COMPARATORS[model]:
        assert set(comparator.fields) <= fields, comparator


@pytest.mark.parametrize("model", _carried(CUSTOM_ORDINALS))
def test_every_custom_ordinal_names_fields_the_model_has(model):
    spec = CUSTOM_ORDINALS[model]

    assert set(spec.fields) | set(spec.only_when_null) <= set(SNAPSHOT.get(model).fields)


@pytest.mark.parametrize("model", [str(m) for m in SNAPSHOT.sorted_models()])
def test_every_foreign_key_of_every_model_gets_a_foreign_key_comparator(model):
    descriptor = SNAPSHOT.get(model)
    fields = dict.fromkeys(descriptor.fields)

    chosen = comparators_for(descriptor, model, fields, fields, explicit=DEFAULT_COMPARATORS)

    claimed = {name for c in chosen if isinstance(c, ForeignKeyComparator) for name in c.fields}
    assert claimed == {fk.field for fk in descriptor.foreign_keys}


def test_auto_assignment_claims_emails_and_datetimes_the_explicit_map_leaves():
    descriptor = SNAPSHOT.get("sentry.user")
    left = {"email": "a@b.c", "date_joined": "2024-01-01T00:00:00Z", "last_active": None}
    right = {"email": "a@b.c", "date_joined": None, "last_active": "2024-01-01T00:00:00Z"}

    chosen = comparators_for(descriptor, "sentry.user", left, right, explicit=DEFAULT_COMPARATORS)

    auto = {type(c): c.fields for c in chosen[len(DEFAULT_COMPARATORS["sentry.user"]) :]}
    assert auto == {
        EmailObfuscatingComparator: ("email",),
        DatetimeEqualityComparator: ("date_joined",),
    }


def test_without_auto_assignment_only_the_explicit_comparators_run():
    descriptor = SNAPSHOT.get("sentry.useremail")
    fields = {"user": 1, "email": "a@b.c", "date_hash_added": "2024-01-01T00:00:00Z"}

    chosen = comparators_for(
        descriptor, "sentry.useremail", fields, fields, explicit={}, auto_assign=False
    )

    assert chosen == []


def test_the_generated_instance_compares_equal_to_itself_and_to_a_renumbered_copy():
    source = generate(users=4, orgs=2, seed=5)
    renumbered = copy.deepcopy(source)
    for record in renumbered:
        record["pk"] += 100
        descriptor = SNAPSHOT.get(record["model"])
        for fk in descriptor.foreign_keys:
            if isinstance(record["fields"].get(fk.field), int):
                record["fields"][fk.field] += 100

    assert compare_exports(source, copy.deepcopy(source), SNAPSHOT) == []
    assert compare_exports(source, renumbered, SNAPSHOT) == []

"""PrimaryKeyMap: lookups, extend (overwrite-merge) and subset."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.backup.model_names import ModelName
from shared.backup.pk_map import ImportKind, PkMapping, PrimaryKeyMap

USER = ModelName("sentry.user")
ORG = ModelName("sentry.organization")
TEAM = ModelName("sentry.team")
MODELS = (USER, ORG, TEAM)

pks = st.integers(min_value=1, max_value=50)
entries = st.builds(
    PkMapping,
    new_pk=st.integers(min_value=1, max_value=10**6),
    kind=st.sampled_from(ImportKind),
    slug=st.none() | st.text(max_size=5),
)
per_model = st.dictionaries(pks, entries, max_size=6)
mappings = st.dictionaries(st.sampled_from(MODELS), per_model)


def pk_map_of(mapping: dict[ModelName, dict[int, PkMapping]]) -> PrimaryKeyMap:
    out = PrimaryKeyMap()
    for model, entries_ in mapping.items():
        for old_pk, entry in entries_.items():
            out.insert(model, old_pk, entry)
    return out


@given(mappings, st.dictionaries(st.sampled_from(MODELS), st.sets(pks)))
def test_subset_holds_exactly_the_wanted_pks_that_are_mapped(
    mapping: dict[ModelName, dict[int, PkMapping]], wanted: dict[ModelName, set[int]]
) -> None:
    pk_map = pk_map_of(mapping)

    sub = pk_map.subset(wanted)

    expected = {
        model: {pk: mapping[model][pk] for pk in pk_set if pk in mapping.get(model, {})}
        for model, pk_set in wanted.items()
    }
    assert sub.mapping == {model: picked for model, picked in expected.items() if picked}


@given(mappings, st.dictionaries(st.sampled_from(MODELS), st.sets(pks)))
def test_subset_is_independent_of_the_original_map(
    mapping: dict[ModelName, dict[int, PkMapping]], wanted: dict[ModelName, set[int]]
) -> None:
    pk_map = pk_map_of(mapping)
    before = len(pk_map)
    sub = pk_map.subset(wanted)

    for model in MODELS:
        sub.insert(model, 999, PkMapping(1, ImportKind.INSERTED))

    assert len(pk_map) == before
    assert all(pk_map.get(model, 999) is None for model in MODELS)


@given(mappings, st.sampled_from(MODELS), per_model)
def test_extend_adds_new_entries_and_replaces_existing_ones(
    mapping: dict[ModelName, dict[int, PkMapping]],
    model: ModelName,
    incoming: dict[int, PkMapping],
) -> None:
    pk_map = pk_map_of(mapping)

    pk_map.extend(model, incoming)

    for old_pk in set(mapping.get(model, {})) | set(incoming):
        want = incoming.get(old_pk) or mapping[model][old_pk]
        assert pk_map.get(model, old_pk) == want
    for other in MODELS:
        if other != model:
            assert dict(pk_map.of_model(other)) == mapping.get(other, {})
    assert len(pk_map) == sum(len(v) for m, v in mapping.items() if m != model) + len(
        set(mapping.get(model, {})) | set(incoming)
    )


@given(mappings)
def test_iteration_yields_every_entry_once(
    mapping: dict[ModelName, dict[int, PkMapping]],
) -> None:
    pk_map = pk_map_of(mapping)

    listed = list(pk_map)

    assert len(listed) == len(pk_map) == sum(len(v) for v in mapping.values())
    assert {(m, pk): e for m, pk, e in listed} == {
        (m, pk): e for m, v in mapping.items() for pk, e in v.items()
    }


def test_get_pk_returns_the_new_pk_of_an_imported_record() -> None:
    pk_map = PrimaryKeyMap()
    pk_map.insert(ORG, 7, PkMapping(new_pk=70, kind=ImportKind.INSERTED, slug="acme-x1"))

    assert pk_map.get_pk(ORG, 7) == 70
    entry = pk_map.get(ORG, 7)
    assert entry is not None
    assert entry.slug == "acme-x1"


def test_get_and_get_pk_are_none_for_a_record_that_was_not_imported() -> None:
    pk_map = PrimaryKeyMap()
    pk_map.insert(USER, 1, PkMapping(new_pk=10, kind=ImportKind.EXISTING))

    assert pk_map.get(USER, 2) is None
    assert pk_map.get_pk(USER, 2) is None
    assert pk_map.get_pk(ORG, 1) is None
    assert dict(pk_map.of_model(ORG)) == {}


def test_insert_replaces_the_mapping_of_the_same_record() -> None:
    pk_map = PrimaryKeyMap()
    pk_map.insert(USER, 1, PkMapping(new_pk=10, kind=ImportKind.INSERTED))
    pk_map.insert(USER, 1, PkMapping(new_pk=11, kind=ImportKind.OVERWRITE))

    assert pk_map.get(USER, 1) == PkMapping(new_pk=11, kind=ImportKind.OVERWRITE)
    assert len(pk_map) == 1


def test_subset_leaves_out_models_with_no_wanted_mapped_pk() -> None:
    pk_map = PrimaryKeyMap()
    pk_map.insert(USER, 1, PkMapping(new_pk=10, kind=ImportKind.INSERTED))

    sub = pk_map.subset({USER: [2, 3], ORG: [1]})

    assert sub.mapping == {}
    assert len(sub) == 0


def test_import_kind_values_are_sentrys_spelling() -> None:
    assert [k.value for k in ImportKind] == ["Inserted", "Existing", "Overwrite"]

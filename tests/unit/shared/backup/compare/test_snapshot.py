"""The committed model snapshot (shared/backup/models.json) and its encoding.

If these fail after a model change, regenerate: ``python -m shared.silo.model_snapshot``.
"""

from __future__ import annotations

from shared.backup.catalog import MODEL_SILOS
from shared.backup.descriptors import ForeignKey, ModelDescriptor, Silo, UniqueSet
from shared.backup.model_names import ModelName
from shared.backup.scopes import RelocationScope
from shared.backup.snapshot import (
    SNAPSHOT_PATH,
    descriptor_from_json,
    descriptor_to_json,
    load_snapshot,
    read_snapshot,
    render_snapshot,
    snapshot_to_json,
)


def test_the_snapshot_loads_into_a_dependency_graph():
    graph = load_snapshot()

    assert graph.sorted_models()
    assert graph.sorted_models().index("sentry.user") < graph.sorted_models().index(
        "sentry.useremail"
    )


def test_the_snapshot_holds_exactly_the_catalogs_models_and_silos():
    descriptors = read_snapshot()

    assert {d.name: d.silo for d in descriptors} == MODEL_SILOS
    assert len(descriptors) == len(MODEL_SILOS)


def test_the_snapshot_file_is_in_its_canonical_rendering():
    text = SNAPSHOT_PATH.read_text(encoding="utf-8")

    assert render_snapshot(snapshot_to_json(read_snapshot())) == text


def test_a_descriptor_survives_the_snapshot_encoding():
    descriptor = ModelDescriptor(
        name=ModelName("sentry.organizationmember"),
        silo=Silo.REGION,
        scopes=frozenset({RelocationScope.ORGANIZATION, RelocationScope.GLOBAL}),
        foreign_keys=(
            ForeignKey("organization", ModelName("sentry.organization")),
            ForeignKey("inviter_id", ModelName("sentry.user"), True, True),
        ),
        unique_sets=(UniqueSet(("organization", "user_id")), UniqueSet(("token",))),
        relocation_dependencies=(ModelName("sentry.user"),),
        fields=("organization", "user_id", "inviter_id", "token"),
    )

    encoded = descriptor_to_json(descriptor)

    assert descriptor_from_json(encoded) == descriptor
    assert encoded["scopes"] == ["GLOBAL", "ORGANIZATION"]


def test_snapshot_models_are_sorted_by_name():
    names = [d.name for d in read_snapshot()]

    assert names == sorted(names)


def test_check_passes_when_fresh_and_fails_listing_differences_when_stale(
    tmp_path, monkeypatch, capsys
):
    from shared.silo import model_snapshot  # noqa: PLC0415  (the generator, without its children)

    committed = SNAPSHOT_PATH.read_text(encoding="utf-8")
    target = tmp_path / "models.json"
    target.write_text(committed, encoding="utf-8")
    monkeypatch.setattr(model_snapshot, "SNAPSHOT_PATH", target)
    monkeypatch.setattr(model_snapshot, "ROOT", tmp_path)
    monkeypatch.setattr(model_snapshot, "current_snapshot", lambda: committed)

    assert model_snapshot.main(["--check"]) == 0

    stale = [d for d in read_snapshot() if d.name != "sentry.user"]
    target.write_text(render_snapshot(snapshot_to_json(stale)), encoding="utf-8")
    assert model_snapshot.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "added: sentry.user" in err
    assert "run: python -m shared.silo.model_snapshot" in err
    assert target.read_text(encoding="utf-8") != committed

    assert model_snapshot.main([]) == 0
    assert target.read_text(encoding="utf-8") == committed

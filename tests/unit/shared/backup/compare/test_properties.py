"""Properties of compare_exports over the generated instance (hypothesis)."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.backup.compare import compare_exports
from shared.backup.snapshot import load_snapshot
from tests.support.instance import generate

SNAPSHOT = load_snapshot()
SOURCE = generate(users=4, orgs=2, seed=3)


def _renumbered(records, offsets):
    """Every model's pks shifted by its own offset (order kept), references followed."""
    out = copy.deepcopy(records)
    shift = {r["model"]: offsets.get(r["model"], 0) for r in out}
    for record in out:
        record["pk"] += shift[record["model"]]
        for fk in SNAPSHOT.get(record["model"]).foreign_keys:
            value = record["fields"].get(fk.field)
            if isinstance(value, int) and not isinstance(value, bool):
                record["fields"][fk.field] = value + shift.get(fk.target, 0)
    return out


@settings(max_examples=25, deadline=None)
@given(
    st.dictionaries(st.sampled_from(sorted({r["model"] for r in SOURCE})), st.integers(0, 10_000))
)
def test_renumbering_pks_in_order_never_creates_differences(offsets):
    assert compare_exports(SOURCE, _renumbered(SOURCE, offsets), SNAPSHOT) == []


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_changing_one_plain_text_field_gives_exactly_one_unequal_json(data):
    right = copy.deepcopy(SOURCE)
    named = {"sentry.team", "sentry.project", "sentry.organization"}
    index = data.draw(st.sampled_from([i for i, r in enumerate(right) if r["model"] in named]))
    right[index]["fields"]["name"] += data.draw(st.text(min_size=1, max_size=5))

    findings = compare_exports(SOURCE, right, SNAPSHOT)

    assert [str(f.kind) for f in findings] == ["UnequalJSON"]
    assert findings[0].model == right[index]["model"]
    assert findings[0].right_pk == right[index]["pk"]

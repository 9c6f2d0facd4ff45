"""cut_batches: records go out as their stored JSON, cut by count and then by bytes, with the
old pks each batch references."""

from __future__ import annotations

import io
import json

import orjson
import pytest

from shared.backup import import_batches
from shared.backup.descriptors import ForeignKey, ModelDescriptor, Silo
from shared.backup.import_batches import cut_batches
from shared.backup.model_names import ModelName
from shared.backup.scopes import RelocationScope
from shared.backup.streaming import ExportContents, read_export

MEMBER = ModelName("sentry.organizationmember")
DESC = ModelDescriptor(
    name=MEMBER,
    silo=Silo.REGION,
    scopes=frozenset({RelocationScope.ORGANIZATION}),
    foreign_keys=(
        ForeignKey("organization", ModelName("sentry.organization")),
        ForeignKey("user_id", ModelName("sentry.user"), nullable=True),
        ForeignKey("inviter_id", ModelName("sentry.user"), nullable=True),
    ),
)


def members(n: int, pad: int = 0) -> list[dict[str, object]]:
    return [
        {
            "model": MEMBER,
            "pk": 10 + i,
            "fields": {
                "organization": 1 + i % 3,
                "user_id": None if i % 4 == 0 else 100 + i,
                "inviter_id": 100 if i % 2 else None,
                "email": "x" * pad or f"m{i}@example.com",
                "flags": {"nested": [i, "é", 1.5]},
            },
        }
        for i in range(n)
    ]


def contents(records: list[dict[str, object]]) -> ExportContents:
    return read_export(io.BytesIO(json.dumps(records).encode()), "test.json", lambda _: True)


def test_batches_are_the_records_as_orjson_writes_them_with_their_references() -> None:
    records = members(7)
    spooled = contents(records).by_model[MEMBER]

    batches = list(cut_batches(spooled, DESC, 3))

    assert [(b.ordinal, b.count) for b in batches] == [(1, 3), (4, 3), (7, 1)]
    for batch, start in zip(batches, (0, 3, 6), strict=True):
        part = records[start : start + batch.count]
        assert batch.encoded == orjson.dumps(part)
        orgs = {r["fields"]["organization"] for r in part}  # type: ignore[index]
        users = {
            v
            for r in part
            for v in (r["fields"]["user_id"], r["fields"]["inviter_id"])  # type: ignore[index]
            if v is not None
        }
        assert batch.references == {
            ModelName("sentry.organization"): orgs,
            ModelName("sentry.user"): users,
        }


def test_a_batch_over_the_byte_limit_is_halved_keeping_file_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = members(5, pad=300)
    size = len(orjson.dumps(records[0]))
    monkeypatch.setattr(import_batches, "MAX_BATCH_BYTES", 2 * size + 3)
    spooled = contents(records).by_model[MEMBER]

    batches = list(cut_batches(spooled, DESC, 5))

    # 5 -> 2 + 3 -> 2 + 1 + 2: each piece fits two records, in file order.
    assert [(b.ordinal, b.count) for b in batches] == [(1, 2), (3, 1), (4, 2)]
    assert b"".join(b.encoded[1:-1] + b"," for b in batches)[:-1] == orjson.dumps(records)[1:-1]
    assert all(len(b.encoded) <= 2 * size + 3 for b in batches)

"""Older exports (Sentry 23.x) name users by natural key, ``"user": ["alice"]``: resolve to pks."""

from __future__ import annotations

from shared.backup.dependencies import DependencyGraph
from shared.backup.errors import BrokenReferenceError
from shared.backup.model_names import ModelName
from shared.backup.streaming import ExportContents

USER = ModelName("sentry.user")


def resolve_natural_keys(contents: ExportContents, graph: DependencyGraph) -> int:
    """Replace ``[username]`` user references with the pk of that user's record; return how many.

    A username no record of the export carries is a BrokenReferenceError naming the record.
    """
    by_username = {
        name: r["pk"]
        for r in contents.by_model.get(USER, [])
        if isinstance(name := r["fields"].get("username"), str)
    }
    resolved = 0
    for model, records in contents.by_model.items():
        if model not in graph:
            continue
        user_fields = [fk.field for fk in graph.get(model).foreign_keys if fk.target == USER]
        if not user_fields:
            continue
        changed = []
        for ordinal, record in enumerate(records, start=1):
            fields = record["fields"]
            for name in user_fields:
                value = fields.get(name)
                if not (isinstance(value, list) and len(value) == 1 and isinstance(value[0], str)):
                    continue
                pk = by_username.get(value[0])
                if pk is None:
                    raise BrokenReferenceError(model, ordinal, name, USER, value[0])
                fields[name] = pk
                resolved += 1
                changed.append(record)
        for record in changed:
            records.store(record)
    return resolved

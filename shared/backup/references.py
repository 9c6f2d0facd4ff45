"""Pre-flight reference check: every reference must point at a record the export holds."""

from __future__ import annotations

from shared.backup.dependencies import DependencyGraph
from shared.backup.errors import BrokenReferenceError
from shared.backup.model_names import ModelName
from shared.backup.streaming import ExportContents


def check_references(contents: ExportContents, graph: DependencyGraph) -> None:
    """Raise BrokenReferenceError for the first dangling reference, before anything is written.

    References declared ``null_when_missing`` (an inviter who was not exported) are allowed to
    dangle: the silo nulls them and reports a finding.
    """
    pks: dict[ModelName, set[int]] = {
        model: {r["pk"] for r in records} for model, records in contents.by_model.items()
    }
    for model in graph.sorted_models():
        records = contents.by_model.get(model)
        if not records:
            continue
        checked = [fk for fk in graph.get(model).foreign_keys if not fk.null_when_missing]
        for ordinal, record in enumerate(records, start=1):
            fields = record["fields"]
            for fk in checked:
                value = fields.get(fk.field)
                if isinstance(value, int) and value not in pks.get(fk.target, ()):
                    raise BrokenReferenceError(model, ordinal, fk.field, fk.target, value)

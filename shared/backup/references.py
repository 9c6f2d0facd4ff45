"""Pre-flight reference check: every reference must point at a record the export holds."""

from __future__ import annotations

from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import UNRELOCATED_TARGETS
from shared.backup.errors import BrokenReferenceError
from shared.backup.streaming import ExportContents


def check_references(contents: ExportContents, graph: DependencyGraph) -> None:
    """Raise BrokenReferenceError for the first dangling reference, before anything is written.

    References declared ``null_when_missing`` (an inviter who was not exported) are allowed to
    dangle: the silo nulls them and reports a finding. References to models Sentry never
    relocates (``UNRELOCATED_TARGETS``) cannot point into the export at all: the silo skips
    their records (or nulls a nullable one) with a finding. Each check is one indexed query over the
    spool, so no set of every pk is held in memory.
    """
    for model in graph.sorted_models():
        records = contents.by_model.get(model)
        if not records:
            continue
        for fk in graph.get(model).foreign_keys:
            if fk.null_when_missing or fk.target in UNRELOCATED_TARGETS:
                continue
            missing = records.missing_reference(fk.field, fk.target)
            if missing is not None:
                ordinal, value = missing
                raise BrokenReferenceError(model, ordinal, fk.field, fk.target, value)

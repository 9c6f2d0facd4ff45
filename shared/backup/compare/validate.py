"""Compare two exports instance by instance: ``compare_exports(left, right, graph)``.

Why: a relocation is validated by importing an export, exporting again and comparing the two.
Pks differ between deployments and some fields legitimately change on import (suffixed slugs,
bumped update times, regenerated hashes), so a plain diff would drown the real differences.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from shared.backup.compare.comparators import InstancePair, OrdinalMaps
from shared.backup.compare.defaults import DEFAULT_COMPARATORS, ComparatorMap, comparators_for
from shared.backup.compare.findings import ComparatorFinding, ComparatorFindingKind
from shared.backup.compare.ordinals import Side, index_side
from shared.backup.dependencies import DependencyGraph
from shared.backup.model_names import ModelName
from shared.backup.redaction import MASK, is_secret

Record = dict[str, Any]
_DIFF_CONTEXT = 15


class InvalidExportError(ValueError):
    """One side is not a JSON array of ``{"model", "pk", "fields"}`` records."""

    def __init__(self, side: str, reason: str) -> None:
        super().__init__(f"{side}: {reason}")
        self.side = side
        self.reason = reason


def check_export(data: object, side: str) -> list[Record]:
    """``data`` as a list of export records; raise InvalidExportError naming the first bad one."""
    if not isinstance(data, list):
        raise InvalidExportError(side, "the file does not hold a JSON array")
    for index, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            raise InvalidExportError(side, f"record {index} is not a JSON object")
        name = record.get("model")
        if not isinstance(name, str):
            raise InvalidExportError(side, f"record {index} has no 'model' string")
        try:
            ModelName(name)
        except ValueError as exc:
            raise InvalidExportError(side, f"record {index}: {exc}") from None
        pk = record.get("pk")
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise InvalidExportError(side, f"record {index}: 'pk' is not an integer: {pk!r}")
        if not isinstance(record.get("fields"), dict):
            raise InvalidExportError(side, f"record {index} has no 'fields' object")
    return data


def _model_order(graph: DependencyGraph, left: Side, right: Side) -> list[str]:
    """Every model either side holds: the graph's order first, then unknown models by name."""
    present = left.models.keys() | right.models.keys()
    known = [name for name in graph.sorted_models() if name in present]
    return known + sorted(present - set(known))


def _input_findings(models: Sequence[str], left: Side, right: Side) -> list[ComparatorFinding]:
    """UnorderedInput and DuplicateCustomOrdinal findings, model by model, left then right."""
    return [
        finding
        for model in models
        for side in (left, right)
        for finding in side.findings.get(model, ())
    ]


def _count_findings(models: Sequence[str], left: Side, right: Side) -> list[ComparatorFinding]:
    """One UnequalCounts finding per model whose instance counts differ."""
    findings = []
    for model in models:
        lefts, rights = len(left.models.get(model, ())), len(right.models.get(model, ()))
        if lefts != rights:
            findings.append(
                ComparatorFinding(
                    kind=ComparatorFindingKind.UNEQUAL_COUNTS,
                    model=model,
                    reason=f"the sides hold different numbers of instances: "
                    f"{lefts} left, {rights} right",
                )
            )
    return findings


def _masked(model: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields with every secret value (``redaction.is_secret``) replaced by a mask and a
    short digest: a difference still shows, the secret does not."""
    return {
        name: _mask(value) if value is not None and is_secret(model, name) else value
        for name, value in fields.items()
    }


def _mask(value: Any) -> str:
    encoded = json.dumps(value, sort_keys=True, ensure_ascii=False).encode()
    return f"{MASK} (sha256 {hashlib.sha256(encoded).hexdigest()[:12]})"


def _json_lines(fields: dict[str, Any]) -> list[str]:
    return json.dumps(fields, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def compare_pair(
    pair: InstancePair, graph: DependencyGraph, explicit: ComparatorMap, *, auto_assign: bool
) -> list[ComparatorFinding]:
    """Run every comparator on one pair, then diff the fields none of them claimed."""
    descriptor = graph.descriptors.get(ModelName(pair.model))
    chosen = comparators_for(
        descriptor, pair.model, pair.left, pair.right, explicit=explicit, auto_assign=auto_assign
    )
    findings = []
    for comparator in chosen:
        findings += comparator.existence(pair)
        findings += comparator.compare(pair)
    for comparator in chosen:
        comparator.scrub(pair)
    diff = difflib.unified_diff(
        _json_lines(_masked(pair.model, pair.left)),
        _json_lines(_masked(pair.model, pair.right)),
        "left",
        "right",
        n=_DIFF_CONTEXT,
        lineterm="",
    )
    lines = list(diff)
    if lines:
        findings.append(pair.finding(ComparatorFindingKind.UNEQUAL_JSON, "\n".join(lines)))
    return findings


def compare_exports(
    left: list[Record],
    right: list[Record],
    graph: DependencyGraph,
    *,
    comparators: ComparatorMap | None = None,
    auto_assign: bool = True,
) -> list[ComparatorFinding]:
    """Every difference between two exports that an import does not explain.

    Instances are matched by ordinal per model. Input problems (pks out of order, duplicated
    custom ordinals) stop the comparison, and so do unequal instance counts. Then each pair is
    compared by the model's comparators (``comparators``, default DEFAULT_COMPARATORS, plus the
    auto-assigned ones unless ``auto_assign`` is false), and the rest as plain JSON.
    Raises InvalidExportError when a side is not a list of export records.
    """
    left_side = index_side("left", check_export(left, "left"), graph)
    right_side = index_side("right", check_export(right, "right"), graph)
    models = _model_order(graph, left_side, right_side)
    findings = _input_findings(models, left_side, right_side)
    if findings:
        return findings
    findings = _count_findings(models, left_side, right_side)
    if findings:
        return findings
    refs = OrdinalMaps(left=left_side.ordinals, right=right_side.ordinals)
    explicit = DEFAULT_COMPARATORS if comparators is None else comparators
    for model in models:
        pairs = zip(left_side.models[model], right_side.models[model], strict=True)
        for ordinal, (before, after) in enumerate(pairs, start=1):
            pair = InstancePair.of(model, ordinal, before, after, refs)
            findings += compare_pair(pair, graph, explicit, auto_assign=auto_assign)
    return findings

"""Export orchestration: every admitted model in dependency order, paged, transitively filtered."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

import orjson

from shared.backup.dependencies import DependencyGraph
from shared.backup.descriptors import ModelDescriptor, Silo
from shared.backup.filters import Filter
from shared.backup.model_names import ModelName
from shared.backup.page_prefetch import Fetch, prefetched
from shared.backup.ports import ModelSource
from shared.backup.progress import NoProgress, Progress
from shared.backup.scopes import OperationScope
from shared.backup.spool import Record
from shared.backup.streaming import ExportWriter

DEFAULT_PAGE_SIZE = 1000
USER = ModelName("sentry.user")
ORGANIZATION = ModelName("sentry.organization")
MEMBER = ModelName("sentry.organizationmember")


@dataclass(slots=True)
class ExportReport:
    """Records written per model, and those left out because a reference was not exported."""

    written: Counter[ModelName] = field(default_factory=Counter)
    dropped: Counter[ModelName] = field(default_factory=Counter)


def run_export(
    out: IO[bytes],
    *,
    graph: DependencyGraph,
    scope: OperationScope,
    filters: Sequence[Filter],
    sources: Mapping[Silo, ModelSource],
    indent: int = 2,
    page_size: int = DEFAULT_PAGE_SIZE,
    progress: Progress | None = None,
) -> ExportReport:
    """Write every admitted model's records, in dependency order and ascending pk order."""
    filters = [*filters, *_member_user_filter(graph, scope, filters, sources, page_size)]
    writer = ExportWriter(out, indent)
    report = ExportReport()
    progress = progress or NoProgress()
    exported: dict[ModelName, set[int]] = {}
    admitted = [graph.get(m) for m in graph.sorted_models()]
    admitted = [desc for desc in admitted if scope.admits_any(desc.scopes)]
    chains = [_fetcher(sources[d.silo], d, scope, filters, page_size) for d in admitted]
    for desc, pages in zip(admitted, prefetched(chains), strict=True):
        model = desc.name
        pks = exported.setdefault(model, set())
        progress.begin(model, 0)
        for data in pages:
            page = orjson.loads(data)
            kept = _with_references_exported(desc, page, exported)
            writer.write_many(kept)
            pks.update(record["pk"] for record in kept)
            report.written[model] += len(kept)
            report.dropped[model] += len(page) - len(kept)
            progress.advance(model, len(page))
        progress.end(model)
    writer.close()
    return report


def _fetcher(
    source: ModelSource,
    desc: ModelDescriptor,
    scope: OperationScope,
    filters: Sequence[Filter],
    page_size: int,
) -> Fetch:
    """One model's page reader: the page after ``from_pk`` and where the next one starts."""

    def fetch(from_pk: int) -> tuple[bytes, int]:
        return source.export_by_model(
            model=desc.name, scope=scope, filters=filters, from_pk=from_pk, page_size=page_size
        )

    return fetch


def _pages(
    source: ModelSource,
    desc: ModelDescriptor,
    scope: OperationScope,
    filters: Sequence[Filter],
    page_size: int,
) -> Iterator[list[Record]]:
    """Every record of one model, a page at a time (the next page read ahead)."""
    for pages in prefetched([_fetcher(source, desc, scope, filters, page_size)]):
        for data in pages:
            yield orjson.loads(data)


def _with_references_exported(
    desc: ModelDescriptor, page: list[Record], exported: Mapping[ModelName, set[int]]
) -> list[Record]:
    """The page's records whose every non-null reference (except null-when-missing and self
    references) names an exported record, checked a foreign key at a time over the page."""
    kept = page
    for fk in desc.foreign_keys:
        if fk.null_when_missing or fk.target == desc.name:
            continue
        pks = exported.get(fk.target, set())
        name = fk.field
        kept = [r for r in kept if (v := r["fields"].get(name)) is None or v in pks]
    return kept


def _member_user_filter(
    graph: DependencyGraph,
    scope: OperationScope,
    filters: Sequence[Filter],
    sources: Mapping[Silo, ModelSource],
    page_size: int,
) -> list[Filter]:
    """With an organization filter, keep only users who are members of a kept organization."""
    if not any(f.model == ORGANIZATION for f in filters):
        return []
    orgs = graph.get(ORGANIZATION)
    org_pks = {
        r["pk"]
        for page in _pages(sources[orgs.silo], orgs, scope, filters, page_size)
        for r in page
    }
    members = graph.get(MEMBER)
    user_ids = {
        str(r["fields"]["user_id"])
        for page in _pages(sources[members.silo], members, scope, [], page_size)
        for r in page
        if r["fields"].get("organization") in org_pks and r["fields"].get("user_id") is not None
    }
    return [Filter(USER, "pk", frozenset(user_ids))]

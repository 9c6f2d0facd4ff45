"""The steps after an import, each recorded on the relocation's record: unhide its organizations,
write claim links for its users, validate what it wrote against the source file.

Like Sentry's relocation task chain (postprocessing, notifying), each step is idempotent and
resumable: a step that succeeded (or was not needed) is not run again, a failed one runs again
when asked, and one that fails ``MAX_STEP_ATTEMPTS`` times abandons the relocation, which then
nothing retries or resumes (Sentry abandons a broken relocation rather than retrying it).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from region.cli.crypto_options import decryptor_from, open_plaintext
from region.cli.events import without_events
from region.cli.private_files import write_private
from region.cli.relocation_record import failure_reason
from region.cli.resume import source_sha256
from region.cli.wiring import Silos
from shared.backup.catalog import OPT_IN_MODELS
from shared.backup.compare import check_export, compare_exports
from shared.backup.dependencies import DependencyGraph
from shared.backup.errors import (
    ImportNotFinishedError,
    RelocationAbandonedError,
    RelocationError,
    ValidationFailedError,
)
from shared.backup.exports import run_export
from shared.backup.filters import Filter
from shared.backup.model_names import ModelName
from shared.backup.relocation_records import (
    PostStep,
    PostStepName,
    PostStepStatus,
    RelocationRecord,
    RelocationStatus,
)
from shared.backup.scopes import OperationScope
from shared.rpc.clients import RegionImportClient
from shared.rpc.errors import RpcError

# Starts of one step before the relocation is abandoned.
MAX_STEP_ATTEMPTS = 3


class StepNotNeeded(Exception):  # noqa: N818  (a signal, not an error)
    """Raised by a step's action when this relocation does not need the step; says why."""


Echo = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class StepRunner:
    """Runs the steps of one relocation and records each on its record in the region."""

    client: RegionImportClient
    uuid: str
    echo: Echo

    def record(self) -> RelocationRecord:
        """The relocation's record; refuses an unknown, unfinished or abandoned import."""
        record = self.client.get_relocation(uuid=self.uuid)
        if record is None:
            raise ImportNotFinishedError(self.uuid, "not recorded in this region")
        if record.status is RelocationStatus.ABANDONED:
            raise RelocationAbandonedError(self.uuid, record.failure_reason or "abandoned")
        if record.status is not RelocationStatus.SUCCESS:
            raise ImportNotFinishedError(self.uuid, f"its import is {record.status.value}")
        return record

    def run(
        self,
        name: PostStepName,
        action: Callable[[RelocationRecord], str],
        *,
        rerun: bool = False,
    ) -> PostStep:
        """Run one step unless it is done (``rerun``: run it again all the same, for steps whose
        output expires, such as claim links); record its start, outcome and attempts."""
        record = self.record()
        previous = record.post_step(name)
        if (
            not rerun
            and previous is not None
            and previous.status in (PostStepStatus.SUCCESS, PostStepStatus.SKIPPED)
        ):
            self.echo(f"{name.value}: already {previous.status.value.lower()} ({previous.detail})")
            return previous
        attempts = (previous.attempts if previous is not None else 0) + 1
        self._put(PostStep(name, PostStepStatus.IN_PROGRESS, attempts))
        try:
            detail = action(record)
        except StepNotNeeded as skip:
            return self._finish(PostStep(name, PostStepStatus.SKIPPED, attempts, str(skip)))
        except (RelocationError, RpcError, OSError) as exc:
            self._fail(PostStep(name, PostStepStatus.FAILURE, attempts, failure_reason(exc)))
            raise
        return self._finish(PostStep(name, PostStepStatus.SUCCESS, attempts, detail))

    def abandon(self, reason: str) -> RelocationRecord:
        """Mark the relocation abandoned: nothing resumes or retries it afterwards."""
        return self.client.update_relocation(
            uuid=self.uuid, status=RelocationStatus.ABANDONED, failure_reason=reason
        )

    def _put(self, step: PostStep) -> None:
        self.client.update_relocation(uuid=self.uuid, post_step=step)

    def _finish(self, step: PostStep) -> PostStep:
        self._put(step)
        self.echo(f"{step.name.value}: {step.status.value.lower()} ({step.detail})")
        return step

    def _fail(self, step: PostStep) -> None:
        self._put(step)
        self.echo(f"{step.name.value}: failed (attempt {step.attempts}): {step.detail}")
        if step.attempts >= MAX_STEP_ATTEMPTS:
            self.abandon(f"step {step.name.value} failed {step.attempts} times: {step.detail}")
            self.echo(f"Relocation {self.uuid} abandoned: it will not be retried or resumed.")


def unhide(client: RegionImportClient) -> Callable[[RelocationRecord], str]:
    """The unhide step: organizations imported with --hide-organizations become visible (their
    slugs were made final when the import reserved them)."""

    def action(record: RelocationRecord) -> str:
        if record.flags.get("hide_organizations") is not True:
            raise StepNotNeeded("the import did not hide its organizations")
        unhidden, visible = client.unhide_organizations(import_uuid=record.uuid)
        slugs = ", ".join(sorted(unhidden.values())) or "none"
        return f"{len(unhidden)} organization(s) now visible: {slugs}; {visible} were already"

    return action


@dataclass(frozen=True, slots=True)
class ValidationSource:
    """The export file an import read, and how to decrypt it."""

    path: Path
    decrypt_with: IO[bytes] | None = None
    decrypt_with_gcp_kms: IO[bytes] | None = None
    findings_file: Path | None = None


def validation(silos: Silos, source: ValidationSource) -> Callable[[RelocationRecord], str]:
    """The validation step: export what the import wrote and compare it with the source file
    (``backup compare``'s rules: ordinals, suffixed slugs, regenerated secrets)."""

    def action(record: RelocationRecord) -> str:
        if source_sha256(source.path) != record.source_sha256:
            raise ValidationFailedError(record.uuid, f"{source.path} is not the file imported")
        filtered = [k for k in ("filter_usernames", "filter_org_slugs") if record.flags.get(k)]
        if filtered:
            raise StepNotNeeded(
                f"the import was filtered ({', '.join(filtered)}); compare by hand with "
                "`relocate backup compare`"
            )
        records = _load(source)
        with_events = any(str(r["model"]).lower() in OPT_IN_MODELS for r in records)
        graph = silos.graph if with_events else without_events(silos.graph)
        left = _in_scope(records, graph, record.scope)
        right = _export(silos, record, graph)
        findings = compare_exports(left, right, graph)
        if source.findings_file is not None:
            encoded = [f.to_json() for f in findings]
            write_private(
                source.findings_file, json.dumps(encoded, indent=2, sort_keys=True) + "\n"
            )
        if findings:
            raise ValidationFailedError(
                record.uuid, f"{len(findings)} difference(s); first: {findings[0].pretty()}"
            )
        return f"{len(right)} record(s) exported compare equal to {len(left)} in the file"

    return action


def _load(source: ValidationSource) -> list[dict[str, Any]]:
    decryptor = decryptor_from(source.decrypt_with, source.decrypt_with_gcp_kms)
    with open_plaintext(source.path, decryptor) as stream:
        data = stream.read()
    try:
        return check_export(json.loads(data), str(source.path))
    except ValueError as exc:
        raise ValidationFailedError("", f"{source.path} is not an export: {exc}") from None


def _in_scope(
    records: list[dict[str, Any]], graph: DependencyGraph, scope: OperationScope
) -> list[dict[str, Any]]:
    """The records of models the scope admits (what the import could write)."""
    admitted = {
        str(name) for name in graph.sorted_models() if scope.admits_any(graph.get(name).scopes)
    }
    return [r for r in records if str(r["model"]).lower() in admitted]


def _export(silos: Silos, record: RelocationRecord, graph: DependencyGraph) -> list[dict[str, Any]]:
    """Export in the import's scope, narrowed to what it created where the scope allows."""
    organizations, usernames = silos.region.get_imported_objects(import_uuid=record.uuid)
    filters: list[Filter] = []
    if record.scope is OperationScope.ORGANIZATION:
        filters.append(
            Filter(ModelName("sentry.organization"), "slug", frozenset(organizations.values()))
        )
    elif record.scope is OperationScope.USER:
        filters.append(Filter(ModelName("sentry.user"), "username", frozenset(usernames.values())))
    out = io.BytesIO()
    run_export(
        out,
        graph=graph,
        scope=record.scope,
        filters=filters,
        sources=dict(silos.relocation),
        indent=0,
    )
    exported: list[dict[str, Any]] = json.loads(out.getvalue() or b"[]")
    return exported

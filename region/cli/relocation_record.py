"""The importer's side of a Relocation record: start it, keep its step and progress, end it.

Every import that writes is recorded in the region under its import uuid (over
RegionImportService; the CLI never opens a database). A failed import is marked FAILURE with its
reason and is not retried behind the operator's back; ``--resume UUID`` continues it after
checking that it is the same import (``region.cli.resume``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from typing import Protocol

import click

from region.cli.resume import ImportOptions
from region.cli.version import tool_version
from shared.backup.dependencies import DependencyGraph
from shared.backup.errors import RelocationError
from shared.backup.model_names import ModelName
from shared.backup.redaction import redact_text
from shared.backup.relocation_records import (
    ModelProgress,
    RelocationProgress,
    RelocationRecord,
    RelocationStatus,
    RelocationStep,
)
from shared.backup.scopes import OperationScope
from shared.backup.streaming import ExportContents
from shared.rpc.errors import RpcError

# At most one progress update per this many seconds (plus one at each model's end).
PROGRESS_INTERVAL_S = 1.0

Clock = Callable[[], float]


class RelocationLedger(Protocol):
    """The region's Relocation records (RegionImportClient)."""

    def start_relocation(
        self,
        *,
        uuid: str,
        scope: OperationScope,
        flags_json: str,
        source_sha256: str,
        tool_version: str = "",
    ) -> RelocationRecord:
        """Create or restart a record."""
        ...

    def update_relocation(
        self,
        *,
        uuid: str,
        step: RelocationStep | None = None,
        status: RelocationStatus | None = None,
        failure_reason: str | None = None,
        progress: RelocationProgress | None = None,
    ) -> RelocationRecord:
        """Change some fields of a record."""
        ...


def admitted_rows(contents: ExportContents, graph: DependencyGraph, scope: OperationScope) -> int:
    """Rows of the export the scope lets through (the progress total)."""
    return sum(
        len(records)
        for model, records in contents.by_model.items()
        if model in graph and scope.admits_any(graph.get(model).scopes)
    )


def failure_reason(exc: BaseException) -> str:
    """What to record as a failed import's reason: the error's message (secrets masked, as on
    the terminal), never a traceback."""
    if isinstance(exc, RpcError):
        return redact_text(str(exc))
    if isinstance(exc, RelocationError):
        return redact_text(exc.message)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"unexpected {type(exc).__name__}"


class ImportRecorder:
    """Keeps one import's record up to date: step, throttled progress, final status.

    With no ledger (a dry run) every method does nothing.
    """

    def __init__(self, ledger: RelocationLedger | None, uuid: str, clock: Clock) -> None:
        self._ledger = ledger
        self.uuid = uuid
        self._clock = clock
        self._step = RelocationStep.PREFLIGHT
        self._models: dict[str, ModelProgress] = {}
        self._rows_total = 0
        self._last_push = float("-inf")
        self.finished = False

    def set_total(self, rows: int) -> None:
        """The rows the import will go through."""
        self._rows_total = rows

    def step(self, step: RelocationStep) -> None:
        """Record that the import entered ``step`` (once per step)."""
        if step is self._step:
            return
        self._step = step
        if self._ledger is not None:
            self._ledger.update_relocation(uuid=self.uuid, step=step)

    def progress(self) -> RelocationProgress:
        """The progress so far."""
        models = tuple(self._models.values())
        return RelocationProgress(
            rows_done=sum(m.rows_done for m in models),
            rows_total=max(self._rows_total, sum(m.rows_total for m in models)),
            models=models,
        )

    def push(self, *, force: bool) -> None:
        """Send step and progress, unless the last push was under PROGRESS_INTERVAL_S ago."""
        now = self._clock()
        if self._ledger is None or (not force and now - self._last_push < PROGRESS_INTERVAL_S):
            return
        self._last_push = now
        self._ledger.update_relocation(uuid=self.uuid, step=self._step, progress=self.progress())

    # The engine's Progress protocol.
    def begin(self, model: ModelName, total: int) -> None:
        """A model starts."""
        self._models[str(model)] = ModelProgress(str(model), 0, total)
        self.push(force=False)

    def advance(self, model: ModelName, rows: int) -> None:
        """Rows of a model are done."""
        current = self._models.get(str(model), ModelProgress(str(model)))
        self._models[str(model)] = dataclasses.replace(current, rows_done=current.rows_done + rows)
        self.push(force=False)

    def end(self, model: ModelName) -> None:
        """A model is done: always recorded."""
        self.push(force=True)

    def succeed(self) -> None:
        """The import finished."""
        self.finished = True
        if self._ledger is not None:
            self._ledger.update_relocation(
                uuid=self.uuid,
                step=RelocationStep.DONE,
                status=RelocationStatus.SUCCESS,
                progress=self.progress(),
            )

    def fail(self, reason: str) -> None:
        """The import failed: record why (best effort: the region may be the failure)."""
        self.finished = True
        if self._ledger is None:
            return
        try:
            self._ledger.update_relocation(
                uuid=self.uuid,
                status=RelocationStatus.FAILURE,
                failure_reason=reason,
                progress=self.progress(),
            )
        except RpcError as exc:
            click.echo(f"Could not record the failure of relocation {self.uuid}: {exc}", err=True)
            return
        hint = (
            "nothing was written; fix the input and import again"
            if self._step is RelocationStep.PREFLIGHT
            else f"continue it with --resume {self.uuid}"
        )
        click.echo(
            f"Relocation {self.uuid} recorded as FAILURE at step {self._step.value}; {hint}",
            err=True,
        )


@contextlib.contextmanager
def recorded_import(
    ledger: RelocationLedger | None,
    *,
    uuid: str,
    scope: OperationScope,
    options: ImportOptions,
    sha256: str,
    clock: Clock = time.monotonic,
) -> Iterator[ImportRecorder]:
    """Start (or restart) the record of an import; mark it SUCCESS or FAILURE on the way out.

    ``ledger=None`` records nothing (a dry run writes nothing, so it leaves no record). The
    error that failed the import is re-raised after it is recorded.
    """
    if ledger is not None:
        ledger.start_relocation(
            uuid=uuid,
            scope=scope,
            flags_json=json.dumps(options.as_json(), sort_keys=True),
            source_sha256=sha256,
            tool_version=tool_version(),
        )
    recorder = ImportRecorder(ledger, uuid, clock)
    try:
        yield recorder
    except (Exception, KeyboardInterrupt) as exc:
        if not recorder.finished:
            recorder.fail(failure_reason(exc))
        raise
    if not recorder.finished:
        recorder.succeed()

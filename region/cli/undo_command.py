"""``relocate import undo UUID``: remove what an import wrote and restore what it overwrote, on
both silos; and the export ``relocate import global --backup-to FILE`` writes before clearing.

The undo is recorded on the import's relocation record as the ``undo`` step. It refuses, naming
the rows, when later changes depend on what it would remove; there is no ``--force``: the
operator resolves those first. A Global import cleared both silos before writing, which no undo
can bring back: the way back is the export taken before it.
"""

from __future__ import annotations

from pathlib import Path

import click

from region.cli.output import Printer, reported
from region.cli.private_files import private_binary
from region.cli.relocation_record import failure_reason
from region.cli.settings import load_endpoints
from region.cli.wiring import Silos, connect
from shared.backup.errors import RelocationError, UndoRefusedError, UnknownImportError
from shared.backup.exports import run_export
from shared.backup.relocation_records import (
    PostStep,
    PostStepName,
    PostStepStatus,
    RelocationRecord,
    RelocationStatus,
)
from shared.backup.scopes import OperationScope
from shared.backup.undoing import UndoPlan, plan_undo, run_undo
from shared.rpc.errors import RpcError

GLOBAL_REFUSAL = (
    "a Global import cleared both silos before writing, and what it cleared cannot be brought "
    "back by an undo; restore the export taken before it (`relocate import global --backup-to "
    "FILE` writes one) with `relocate import global FILE`"
)


def write_backup(silos: Silos, path: Path) -> int:
    """Export both silos in Global scope (events included) to ``path``; the records written.

    Written to a private (0600) file renamed into place, so a failed backup leaves no file that
    looks complete.
    """
    with private_binary(path) as out:
        report = run_export(
            out,
            graph=silos.graph,
            scope=OperationScope.GLOBAL,
            filters=[],
            sources=dict(silos.relocation),
            indent=2,
        )
    return sum(report.written.values())


@click.command(name="undo")
@click.argument("uuid")
@click.option("--dry-run", is_flag=True, help="Print per model what would be removed and restored.")
@click.option(
    "--region",
    default=None,
    metavar="NAME",
    help="The region the import wrote into (default: the first configured).",
)
def undo_command(uuid: str, dry_run: bool, region: str | None) -> None:
    """Undo import UUID on both silos: remove the rows it inserted and restore the rows it
    overwrote, dependents first, one chunk per transaction (an interrupted undo resumes).

    \b
    Example:
      relocate import undo 0f3c... --dry-run
      relocate import undo 0f3c...
    """
    printer = Printer(silent=False, no_prompt=True)
    endpoints = load_endpoints(region=region)
    with reported(printer, None, "Undo"), connect(endpoints) as silos:
        record = silos.region.get_relocation(uuid=uuid)
        if record is not None and record.scope is OperationScope.GLOBAL:
            raise UndoRefusedError(uuid, GLOBAL_REFUSAL)
        previous = record.post_step(PostStepName.UNDO) if record is not None else None
        if previous is not None and previous.status is PostStepStatus.SUCCESS:
            click.echo(f"Import {uuid} was undone already ({previous.detail}); nothing to do.")
            return
        plan = plan_undo(dict(silos.relocation), uuid)
        if record is None and plan.empty:
            raise UnknownImportError(uuid, "region or control")
        _print_plan(plan, uuid, dry_run=dry_run)
        if plan.blockers:
            if not dry_run and record is not None:
                _put(silos, record, previous, PostStepStatus.FAILURE, "; ".join(plan.blockers))
            raise UndoRefusedError(uuid, _blocked(plan.blockers))
        if dry_run:
            return
        _undo(silos, uuid, endpoints.region_name, (record, previous), plan)


def _undo(
    silos: Silos,
    uuid: str,
    region_name: str,
    recorded: tuple[RelocationRecord | None, PostStep | None],
    plan: UndoPlan,
) -> None:
    """Run the planned undo, recording its start and outcome on the relocation's record."""
    record, previous = recorded
    if record is not None:
        previous = _put(silos, record, previous, PostStepStatus.IN_PROGRESS, "")
    try:
        report = run_undo(
            plan,
            import_uuid=uuid,
            sinks=dict(silos.relocation),
            slugs=silos.provisioning,
            region_name=region_name,
            graph=silos.graph,
        )
    except (RelocationError, RpcError) as exc:
        if record is not None:
            _put(silos, record, previous, PostStepStatus.FAILURE, failure_reason(exc), again=False)
        raise
    if record is not None:
        _put(silos, record, previous, PostStepStatus.SUCCESS, report.summary(), again=False)
        if record.status is not RelocationStatus.ABANDONED:
            silos.region.update_relocation(
                uuid=record.uuid,
                status=RelocationStatus.ABANDONED,
                failure_reason="undone by `relocate import undo`",
            )
    click.echo(f"Import {uuid} undone: {report.summary()}.")


def _put(
    silos: Silos,
    record: RelocationRecord,
    previous: PostStep | None,
    status: PostStepStatus,
    detail: str,
    *,
    again: bool = True,
) -> PostStep:
    """Record the undo step; ``again``: this is a new attempt (its count goes up)."""
    attempts = previous.attempts if previous is not None else 0
    step = PostStep(PostStepName.UNDO, status, attempts + int(again), detail)
    silos.region.update_relocation(uuid=record.uuid, post_step=step)
    return step


def _print_plan(plan: UndoPlan, uuid: str, *, dry_run: bool) -> None:
    """Per model what the undo removes and restores."""
    click.echo(f"{'Would undo' if dry_run else 'Undoing'} import {uuid}:")
    for model, (deleted, restored) in plan.per_model().items():
        click.echo(f"  {model}: remove {deleted}, restore {restored}")
    organizations = len(plan.organizations())
    if organizations:
        click.echo(
            f"  control: release the slug reservations and mappings of {organizations} "
            "organization(s)"
        )
    if plan.empty:
        click.echo("  nothing is left to undo")


def _blocked(blockers: list[str]) -> str:
    """The refusal's message: every blocker, and what to do."""
    lines = "\n  ".join(blockers)
    return (
        f"later changes depend on what it wrote:\n  {lines}\n"
        "Resolve these first (undo the later imports, newest first, or revert the edits); "
        "there is no --force"
    )

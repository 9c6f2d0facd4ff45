"""Helpers of the acceptance tests (``tests/integration/test_acceptance_*.py``).

They drive real silo pairs, either through the ``relocate`` CLI (as an operator does) or, where
the CLI cannot express a case (an *empty* filter, which the CLI reads as "no filter", as Sentry's
does), through the engine the CLI calls, with the same gRPC clients.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from region.cli.wiring import connect
from shared.backup.dependencies import DependencyGraph
from shared.backup.exports import run_export
from shared.backup.filters import Filter
from shared.backup.flags import ImportFlags
from shared.backup.imports import ImportReport, ImportRun, plan_import, run_import
from shared.backup.scopes import OperationScope
from shared.backup.streaming import ExportContents, read_export
from tests.integration.conftest import SiloPair, endpoints, run_cli, write_export
from tests.support.records import WHEN, Record, record

CLI_SCOPES = {
    "users": OperationScope.USER,
    "organizations": OperationScope.ORGANIZATION,
    "config": OperationScope.CONFIG,
    "global": OperationScope.GLOBAL,
}

CHUNK_COLUMNS = (
    "import_uuid",
    "model",
    "min_ordinal",
    "max_ordinal",
    "min_source_pk",
    "max_source_pk",
    "min_inserted_pk",
    "max_inserted_pk",
    "inserted_map",
    "existing_map",
    "overwrite_map",
    "inserted_identifiers",
)
# Where each kind of import chunk lives.
CHUNK_TABLES = {
    "control": ("control", "sentry_controlimportchunk"),
    "replica": ("region", "sentry_controlimportchunkreplica"),
    "region": ("region", "sentry_regionimportchunk"),
}


def reset(pair: SiloPair, tmp_path: Path) -> None:
    """Empty both silos and reset their sequences, as a Global import of an empty file does.

    Runs that import in-process (the engine ``relocate import global --no-prompt`` calls), which
    saves the CLI's start-up time in every test.
    """
    engine_import(pair, tmp_path, OperationScope.GLOBAL, [])


def seed(pair: SiloPair, tmp_path: Path, records: Sequence[Record]) -> None:
    """Replace everything in both silos with ``records`` (an in-process Global import).

    For a test's starting state; the import under test goes through the CLI.
    """
    engine_import(pair, tmp_path, OperationScope.GLOBAL, records)


def import_records(
    pair: SiloPair,
    tmp_path: Path,
    scope: str,
    records: Sequence[Record],
    *args: str,
    check: bool = True,
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]] | None]:
    """``relocate import <scope>`` of ``records``; returns the process and the findings file."""
    name = f"import-{scope}-{uuid.uuid4().hex[:8]}"
    src = write_export(tmp_path / f"{name}.json", list(records))
    findings = tmp_path / f"{name}.findings.json"
    proc = run_cli(
        pair,
        "import",
        scope,
        str(src),
        "--no-prompt",
        "--findings-file",
        str(findings),
        *args,
        check=check,
    )
    return proc, (json.loads(findings.read_text()) if findings.exists() else None)


def export_records(pair: SiloPair, tmp_path: Path, scope: str, *args: str) -> list[Record]:
    """``relocate export <scope>`` to a file; returns the exported records."""
    out = tmp_path / f"export-{scope}-{uuid.uuid4().hex[:8]}.json"
    run_cli(pair, "export", scope, str(out), *args)
    records: list[Record] = json.loads(out.read_text())
    return records


def model_counts(records: Sequence[Record]) -> Counter[str]:
    """How many records of each model an export holds."""
    return Counter(r["model"] for r in records)


def of_model(records: Sequence[Record], model: str) -> list[Record]:
    """The records of one model, in file order."""
    return [r for r in records if r["model"] == model]


def chunks(
    pair: SiloPair, kind: str, model: str | None = None, import_uuid: str | None = None
) -> list[dict[str, Any]]:
    """Import chunk rows of one kind (control, replica, region), by model and ordinal."""
    silo, table = CHUNK_TABLES[kind]
    conditions = {"model": model, "import_uuid": import_uuid}
    where = [f"{column} = %s" for column, value in conditions.items() if value is not None]
    params = tuple(value for value in conditions.values() if value is not None)
    rows = pair.query(
        silo,
        f"SELECT {', '.join(CHUNK_COLUMNS)} FROM {table} "
        f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY model, min_ordinal",
        params,
    )
    return [dict(zip(CHUNK_COLUMNS, row, strict=True)) for row in rows]


def graph_of(pair: SiloPair) -> DependencyGraph:
    """The model graph both silos of a pair declare."""
    with connect(endpoints(pair)) as silos:
        return silos.graph


def engine_import(
    pair: SiloPair,
    tmp_path: Path,
    scope: OperationScope,
    records: Sequence[Record],
    filters: Callable[[ExportContents], list[Filter]] = lambda _contents: [],
) -> ImportReport:
    """Import through the engine the CLI calls, with filters the CLI cannot express."""
    src = write_export(tmp_path / f"engine-{uuid.uuid4().hex[:8]}.json", list(records))
    with connect(endpoints(pair)) as silos, src.open("rb") as stream:
        contents = read_export(stream, str(src), lambda m: m in silos.graph)
        warnings = plan_import(contents, silos.graph)
        return run_import(
            contents,
            graph=silos.graph,
            run=ImportRun(scope, ImportFlags(import_uuid=uuid.uuid4().hex), filters(contents)),
            targets=silos.import_targets(pair.region_name),
            warnings=warnings,
        )


def engine_export(pair: SiloPair, scope: OperationScope, filters: Sequence[Filter]) -> list[Record]:
    """Export through the engine the CLI calls, with filters the CLI cannot express."""
    out = io.BytesIO()
    with connect(endpoints(pair)) as silos:
        run_export(
            out, graph=silos.graph, scope=scope, filters=filters, sources=dict(silos.relocation)
        )
    records: list[Record] = json.loads(out.getvalue())
    return records


# Record builders for models tests/support/records.py does not cover.


def sha256_hex(value: str) -> str:
    """The hex SHA-256 of a secret, as Sentry stores hashed tokens."""
    return hashlib.sha256(value.encode()).hexdigest()


def team(pk: int, org_pk: int, slug: str) -> Record:
    """A team."""
    return record(
        "sentry.team",
        pk,
        organization=org_pk,
        slug=slug,
        name=slug.title(),
        status=0,
        idp_provisioned=False,
        date_added=WHEN,
        org_role=None,
    )


def projectkey(pk: int, project_pk: int, public_key: str, secret_key: str) -> Record:
    """A project's DSN key (32 hex characters each)."""
    return record(
        "sentry.projectkey",
        pk,
        project=project_pk,
        label=f"Key {pk}",
        public_key=public_key,
        secret_key=secret_key,
        roles="1",
        status=0,
        date_added=WHEN,
        rate_limit_count=None,
        rate_limit_window=None,
        data={},
    )


def projectoption(pk: int, project_pk: int, key: str, value: Any) -> Record:
    """An option of a project."""
    return record("sentry.projectoption", pk, project=project_pk, key=key, value=value)


def orgauthtoken(
    pk: int, org_pk: int, token_hashed: str, created_by: int | None = None, name: str = "CI"
) -> Record:
    """An organization auth token, stored hashed."""
    return record(
        "sentry.orgauthtoken",
        pk,
        organization_id=org_pk,
        token_hashed=token_hashed,
        token_last_characters=token_hashed[-4:],
        name=name,
        scope_list="['org:ci']",
        created_by=created_by,
        date_added=WHEN,
        date_last_used=None,
        project_last_used_id=None,
        date_deactivated=None,
    )


def apitoken(
    pk: int,
    user_pk: int,
    token: str,
    refresh_token: str | None,
    expires_at: str | None,
    application: int | None = None,
) -> Record:
    """A user's API token (Config-scoped unless bound to an application)."""
    return record(
        "sentry.apitoken",
        pk,
        scopes="0",
        scope_list='["org:read"]',
        scoping_organization_id=None,
        application=application,
        user=user_pk,
        name="CLI",
        token=token,
        hashed_token=sha256_hex(token),
        token_type=None,
        token_last_characters=token[-4:],
        refresh_token=refresh_token,
        hashed_refresh_token=sha256_hex(refresh_token) if refresh_token else None,
        expires_at=expires_at,
        date_added=WHEN,
    )


def userip(pk: int, user_pk: int, address: str, country: str | None, region: str | None) -> Record:
    """An IP address a user was seen at."""
    return record(
        "sentry.userip",
        pk,
        user=user_pk,
        ip_address=address,
        country_code=country,
        region_code=region,
        first_seen=WHEN,
        last_seen=WHEN,
    )


def useroption(pk: int, user_pk: int, key: str, value: Any) -> Record:
    """A global option of a user (no organization, no project)."""
    return record(
        "sentry.useroption",
        pk,
        user=user_pk,
        project_id=None,
        organization_id=None,
        key=key,
        value=value,
    )


def authenticator(pk: int, user_pk: int, kind: int) -> Record:
    """A second factor of a user (0 recovery codes, 1 TOTP)."""
    return record(
        "sentry.authenticator",
        pk,
        user=user_pk,
        created_at=WHEN,
        last_used_at=None,
        type=kind,
        config=json.dumps({"secret": f"S{pk}"}),
    )


def userroleuser(pk: int, user_pk: int, role_pk: int) -> Record:
    """The assignment of a user role to a user."""
    return record(
        "sentry.userroleuser", pk, date_updated=WHEN, date_added=WHEN, user=user_pk, role=role_pk
    )


def relay(pk: int, relay_id: str, public_key: str) -> Record:
    """A trusted Relay."""
    return record(
        "sentry.relay",
        pk,
        relay_id=relay_id,
        public_key=public_key,
        first_seen=WHEN,
        last_seen=WHEN,
        is_internal=True,
    )


def relayusage(pk: int, relay_id: str, version: str, public_key: str) -> Record:
    """One Relay's use of one version."""
    return record(
        "sentry.relayusage",
        pk,
        relay_id=relay_id,
        version=version,
        first_seen=WHEN,
        last_seen=WHEN,
        public_key=public_key,
    )

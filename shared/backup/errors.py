"""Domain errors of relocation. No gRPC here: shared.rpc.errors maps each class to a status."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class RelocationError(Exception):
    """Base of every relocation failure; ``metadata`` names what and where."""

    def __init__(self, message: str, **metadata: object) -> None:
        super().__init__(message)
        self.message = message
        self.metadata: dict[str, str] = {k: str(v) for k, v in metadata.items() if v is not None}

    @property
    def model(self) -> str | None:
        """The model concerned, when there is one."""
        return self.metadata.get("model")

    @property
    def ordinal(self) -> int | None:
        """The 1-based ordinal of the record concerned, when there is one."""
        value = self.metadata.get("ordinal")
        return int(value) if value is not None else None


class InvalidMinOrdinalError(RelocationError):
    """A batch's min_ordinal is below 1."""

    def __init__(self, model: str, min_ordinal: int) -> None:
        super().__init__(
            f"min_ordinal must be at least 1, got {min_ordinal} for {model}",
            model=model,
            min_ordinal=min_ordinal,
        )


class UnknownModelError(RelocationError):
    """A model name no silo declares."""

    def __init__(self, model: str, ordinal: int | None = None, *, detail: str = "") -> None:
        super().__init__(
            f"unknown model {model!r}" + (f" ({detail})" if detail else ""),
            model=model,
            ordinal=ordinal,
        )


class ModelNotInSiloError(RelocationError):
    """A silo was asked about a model another silo owns."""

    def __init__(self, model: str, silo: str) -> None:
        super().__init__(f"model {model} is not owned by the {silo} silo", model=model, silo=silo)


class ScopeRequiredError(RelocationError):
    """An import or export call came without a scope."""

    def __init__(self, model: str) -> None:
        super().__init__(f"a scope is required to relocate {model}", model=model)


class ImportUuidRequiredError(RelocationError):
    """An import call came without an import uuid."""

    def __init__(self, model: str) -> None:
        super().__init__(f"an import_uuid is required to import {model}", model=model)


class UnexpectedModelError(RelocationError):
    """A batch held a record of another model than the batch's."""

    def __init__(self, model: str, found: str, ordinal: int) -> None:
        super().__init__(
            f"batch of {model} holds a record of {found!r} at ordinal {ordinal}",
            model=model,
            found=found,
            ordinal=ordinal,
        )


class InstanceInvalidError(RelocationError):
    """A record's values do not validate."""

    def __init__(
        self,
        model: str,
        ordinal: int,
        reason: str,
        *,
        field: str | None = None,
        pk: int | None = None,
    ) -> None:
        where = f"{model} #{ordinal}" + (f" field {field!r}" if field else "")
        super().__init__(f"{where}: {reason}", model=model, ordinal=ordinal, field=field, pk=pk)


class DeserializationFailedError(RelocationError):
    """A batch or record is not well-formed export JSON."""

    def __init__(self, model: str, reason: str, ordinal: int | None = None) -> None:
        where = model + (f" #{ordinal}" if ordinal is not None else "")
        super().__init__(f"{where}: cannot deserialize: {reason}", model=model, ordinal=ordinal)


class IntegrityConflictError(RelocationError):
    """The database refused a batch for a uniqueness or reference violation."""

    def __init__(self, model: str, reason: str, min_ordinal: int) -> None:
        super().__init__(
            f"{model} batch at ordinal {min_ordinal} violates an integrity constraint: {reason}. "
            "Are you importing into silos that already hold this data, from an export of "
            "another version?",
            model=model,
            ordinal=min_ordinal,
        )


class DatabaseFailureError(RelocationError):
    """The database failed for another reason than integrity."""

    def __init__(self, model: str, reason: str) -> None:
        super().__init__(f"database error while writing {model}: {reason}", model=model)


class DependencyCycleError(RelocationError):
    """The declared models' dependencies form a cycle."""

    def __init__(self, models: Iterable[str]) -> None:
        names = sorted(models)
        super().__init__(
            "dependency cycle among models: " + ", ".join(names), models=",".join(names)
        )


class MalformedInputError(RelocationError):
    """The export file is not a JSON array of export records.

    ``record`` is the record's 1-based position in the file; ``byte`` the 1-based position of the
    byte where the problem shows (0 for an empty file).
    """

    def __init__(
        self,
        source: str,
        reason: str,
        *,
        record: int | None = None,
        byte: int | None = None,
        model: str | None = None,
        pk: int | None = None,
        field: str | None = None,
    ) -> None:
        where = f"record {record}" if record is not None else ""
        if byte is not None:
            where = f"{where}, byte {byte}" if where else f"byte {byte}"
        what = " ".join(p for p in (model or "", f"pk {pk}" if pk is not None else "") if p)
        super().__init__(
            f"{source}{f' ({where})' if where else ''}: malformed export: "
            + (f"{what}: {reason}" if what else reason),
            source=source,
            record=record,
            byte=byte,
            model=model,
            pk=pk,
            field=field,
        )


class DuplicatePrimaryKeyError(RelocationError):
    """Two records of one model share a primary key."""

    def __init__(self, model: str, pk: int) -> None:
        super().__init__(f"{model}: primary key {pk} appears more than once", model=model, pk=pk)


class BrokenReferenceError(RelocationError):
    """A record references a record the export does not contain."""

    def __init__(self, model: str, ordinal: int, field: str, target: str, value: int | str) -> None:
        what = f"pk {value}" if isinstance(value, int) else f"{value!r}"
        super().__init__(
            f"{model} #{ordinal}: field {field!r} references {target} {what}, "
            "which is not in the export",
            model=model,
            ordinal=ordinal,
            field=field,
            target=target,
            value=value,
        )


class ConfigurationError(RelocationError):
    """The tool is not configured to reach or run a silo."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class UnaccountedRecordsError(RelocationError):
    """Some records were neither written nor skipped by a named rule."""

    def __init__(self, model: str, missing: int) -> None:
        super().__init__(
            f"{model}: {missing} record(s) were neither imported nor skipped by a rule",
            model=model,
            missing=missing,
        )


class ClearNotConfirmedError(RelocationError):
    """A request to delete every relocatable row came without its confirmation."""

    def __init__(self, silo: str) -> None:
        super().__init__(
            f"refusing to clear the {silo} silo: the request did not confirm it", silo=silo
        )


class EncryptionError(RelocationError):
    """An export could not be encrypted (a bad public key or KMS configuration)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot encrypt: {reason}")


class DecryptionError(RelocationError):
    """An encrypted export could not be opened: wrong key, tampering, a malformed tarball."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot decrypt: {reason}")


class SharedControlClearError(RelocationError):
    """A Global import would clear the control silo that other regions' data refers to.

    Why: control is shared by every region it serves. Clearing it for a Global import aimed at
    one region deletes the users, mappings and slugs that the other regions' organizations,
    members and tokens refer to (Sentry allows a Global import into a single-region install only).
    """

    def __init__(self, region: str, occupied: dict[str, int]) -> None:
        others = ", ".join(f"{name!r} ({n} organization(s))" for name, n in occupied.items())
        super().__init__(
            f"refusing a Global import into region {region!r}: it would clear the control silo, "
            f"which also serves region(s) {others}; import into a shared control with "
            "`relocate import organizations`, `import users` and `import config` instead, or "
            "empty the other regions first",
            region=region,
            occupied_regions=",".join(occupied),
        )


class WrongRegionClearError(RelocationError):
    """A region was asked to clear itself for an import aimed at another region."""

    def __init__(self, region: str, requested: str) -> None:
        super().__init__(
            f"region {region!r} refuses to clear for a Global import aimed at region "
            f"{requested!r}; point the importer at that region's silo",
            region=region,
            requested_region=requested,
        )


class RelocationAbandonedError(RelocationError):
    """An abandoned relocation was asked to resume or run a step."""

    def __init__(self, uuid: str, reason: str) -> None:
        super().__init__(
            f"relocation {uuid} was abandoned ({reason}); nothing resumes or retries it: start a "
            "new import",
            uuid=uuid,
        )


class ImportNotFinishedError(RelocationError):
    """A step after the import was asked for before the import succeeded."""

    def __init__(self, uuid: str, detail: str) -> None:
        super().__init__(
            f"relocation {uuid}: {detail}; the steps after the import run once it succeeded "
            "(resume it with `relocate import ... --resume UUID`)",
            uuid=uuid,
        )


class UndoRefusedError(RelocationError):
    """An import cannot be undone: later changes depend on what it wrote, or it was Global."""

    def __init__(self, uuid: str, detail: str) -> None:
        super().__init__(f"import {uuid} cannot be undone: {detail}", uuid=uuid)


class ValidationFailedError(RelocationError):
    """What an import wrote does not compare equal to its source file."""

    def __init__(self, uuid: str, detail: str) -> None:
        super().__init__(
            f"validation of relocation {uuid or '(unknown)'} failed: {detail}", uuid=uuid
        )


class UnknownRegionError(RelocationError):
    """A region name control is not configured with."""

    def __init__(self, region: str, known: list[str]) -> None:
        super().__init__(
            f"unknown region {region!r}; control knows {', '.join(known) or 'none'}",
            region=region,
        )


class UnknownImportError(RelocationError):
    """An import uuid the silo holds no imported batch of."""

    def __init__(self, import_uuid: str, silo: str) -> None:
        super().__init__(
            f"the {silo} silo holds no batch of import {import_uuid!r}; check the uuid (the "
            "import's output and `relocate relocations list` show it)",
            import_uuid=import_uuid,
            silo=silo,
        )


class ClaimHashInvalidError(RelocationError):
    """A claim of a user whose claim hash is wrong, already used, or was never issued.

    One error for all three, so a wrong guess learns nothing; the message never quotes the hash.
    """

    def __init__(self, username: str) -> None:
        super().__init__(
            f"no valid claim link for user {username!r}: the hash is wrong, was already used or "
            "was replaced by a newer link; ask the operator for a new one "
            "(`relocate users claim-links`)",
            username=username,
        )


class ClaimHashExpiredError(RelocationError):
    """A claim with a hash past its lifetime; the hash is deleted."""

    def __init__(self, username: str, expired_at: str) -> None:
        super().__init__(
            f"the claim link of user {username!r} expired at {expired_at}; ask the operator for "
            "a new one (`relocate users claim-links`)",
            username=username,
            expired_at=expired_at,
        )


class ClaimPasswordRejectedError(RelocationError):
    """A claim's new password does not meet the password rules; says which, never the password."""

    def __init__(self, username: str, rule: str) -> None:
        super().__init__(
            f"the new password of user {username!r} was rejected: {rule}", username=username
        )


class ResumeRefusedError(RelocationError):
    """``--resume UUID`` names no resumable import of this file, scope and options."""

    def __init__(self, uuid: str, reason: str) -> None:
        super().__init__(f"cannot resume relocation {uuid}: {reason}", uuid=uuid)


class SlugNotReservedError(RelocationError):
    """A region was asked to apply organization slugs control has not reserved for them."""

    def __init__(self, region_name: str, organization_ids: Sequence[int]) -> None:
        shown = ", ".join(str(pk) for pk in organization_ids[:10])
        more = f" and {len(organization_ids) - 10} more" if len(organization_ids) > 10 else ""
        super().__init__(
            f"control has not reserved the requested slug of organization(s) {shown}{more} in "
            f"region {region_name!r}; nothing was applied",
            region=region_name,
        )


class BatchOrderError(RelocationError):
    """A batch of a model could not wait for the batch before it: that one failed, or did not
    arrive in time. Nothing of the batch was written."""

    def __init__(self, model: str, min_ordinal: int, reason: str) -> None:
        super().__init__(
            f"batch of {model} from ordinal {min_ordinal} was not written: {reason}",
            model=model,
            min_ordinal=min_ordinal,
        )

"""Findings-file kinds of failures: the same specific kind whether raised locally or by a silo."""

from __future__ import annotations

import grpc
import pytest

from region.cli.output import error_kind
from shared.backup import errors as domain
from shared.rpc.errors import RpcError


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (domain.InstanceInvalidError("sentry.user", 1, "too long"), "InstanceInvalid"),
        (domain.UnknownModelError("sentry.nosuch"), "UnknownModel"),
        (domain.DuplicatePrimaryKeyError("sentry.user", 1), "DuplicatePrimaryKey"),
        (domain.DecryptionError("bad key"), "DecryptionFailed"),
        (
            RpcError("x", code=grpc.StatusCode.ABORTED, reason="INTEGRITY_CONFLICT"),
            "IntegrityError",
        ),
        (RpcError("x", code=grpc.StatusCode.INTERNAL, reason="DATABASE_FAILURE"), "DatabaseError"),
        (
            RpcError("x", code=grpc.StatusCode.INVALID_ARGUMENT, reason="UNKNOWN_MODEL"),
            "UnknownModel",
        ),
        (RpcError("x", code=grpc.StatusCode.UNAVAILABLE), "Unavailable"),
    ],
)
def test_error_kinds(exc, kind):
    assert error_kind(exc) == kind

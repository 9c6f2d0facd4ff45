"""Control-silo OAuth records: short-lived authorization codes and the authorizations users
granted applications (``sentry.apigrant``, ``sentry.apiauthorization``).

Both take the base behaviour: codes are kept verbatim (Sentry neither regenerates nor dedupes
them), references remapped, pk reassigned.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from typing_extensions import override

from control.models.core import ApiApplication, User
from shared.backup.declarations import Relocation
from shared.backup.orm.fields import CrossSiloRef, FlagsField
from shared.backup.scopes import RelocationScope

# How long an authorization code is valid, as in Sentry.
GRANT_LIFETIME = dt.timedelta(minutes=10)


def generate_grant_code() -> str:
    """A fresh 64-hex-character authorization code, like Sentry's ``generate_code``."""
    return secrets.token_hex(32)


def default_grant_expiration() -> dt.datetime:
    """When a code issued now expires."""
    return timezone.now() + GRANT_LIFETIME


class ApiGrant(models.Model):
    """An OAuth authorization code issued to an application for a user (``sentry.apigrant``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.apigrant",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    application = models.ForeignKey(ApiApplication, on_delete=models.CASCADE)
    code = models.CharField(max_length=64, db_index=True, default=generate_grant_code)
    expires_at = models.DateTimeField(db_index=True, default=default_grant_expiration)
    redirect_uri = models.CharField(max_length=255)
    scopes = FlagsField(default=0)
    # Python-repr list text such as "['openid', 'email']", kept verbatim.
    scope_list = models.TextField(null=True, blank=True)  # noqa: DJ001
    organization_id = CrossSiloRef(to="sentry.organization", null=True, blank=True)

    class Meta:
        db_table = "sentry_apigrant"

    @override
    def __str__(self) -> str:
        return f"grant for application {self.application_id} (user {self.user_id})"


class ApiAuthorization(models.Model):
    """The scopes a user authorized an application for (``sentry.apiauthorization``).

    One per user and application (and organization, when the grant names one): the two
    conditional unique constraints are Sentry's.
    """

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.apiauthorization",
        scopes=frozenset({RelocationScope.CONFIG, RelocationScope.GLOBAL}),
    )

    scopes = FlagsField(default=0)
    # Python-repr (or JSON) list text such as "['org:read']", kept verbatim.
    scope_list = models.TextField(null=True, blank=True)  # noqa: DJ001
    application = models.ForeignKey(ApiApplication, on_delete=models.CASCADE, null=True, blank=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    date_added = models.DateTimeField(default=timezone.now)
    organization_id = CrossSiloRef(to="sentry.organization", null=True, blank=True)

    class Meta:
        db_table = "sentry_apiauthorization"
        constraints = (
            models.UniqueConstraint(
                fields=("user", "application"),
                condition=models.Q(organization_id__isnull=True),
                name="apiauthorization_user_app",
            ),
            models.UniqueConstraint(
                fields=("user", "application", "organization_id"),
                condition=models.Q(organization_id__isnull=False),
                name="apiauthorization_user_app_org",
            ),
        )

    @override
    def __str__(self) -> str:
        return f"authorization of application {self.application_id} (user {self.user_id})"

    @classmethod
    def relocation_instance_scope(cls, values: Mapping[str, Any]) -> RelocationScope:
        """One for an application is Global (instance-bound); an application-less one Config."""
        if values.get("application") is not None:
            return RelocationScope.GLOBAL
        return RelocationScope.CONFIG

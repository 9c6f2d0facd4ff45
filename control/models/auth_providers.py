"""Control-silo models of organization single sign-on: a provider per organization and the
identities users hold with it (``sentry.authprovider``, ``sentry.authidentity``).

Both are relocated in Global scope only and take the base behaviour: references remapped, pk
reassigned, a clash on a unique set refused by the database.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from typing_extensions import override

from control.models.core import User
from shared.backup.declarations import Relocation
from shared.backup.orm.fields import CrossSiloRef, FlagsField
from shared.backup.scopes import RelocationScope

# Sentry's default role of members an SSO provider adds: "member" (priority 50).
DEFAULT_SSO_ROLE = 50


class AuthProvider(models.Model):
    """An organization's single sign-on provider, one per organization (``sentry.authprovider``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.authprovider",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    organization_id = CrossSiloRef(to="sentry.organization", unique=True)
    provider = models.CharField(max_length=128)
    # Provider settings (SAML, OAuth, ...), a JSON object.
    config = models.JSONField(default=dict)
    date_added = models.DateTimeField(default=timezone.now)
    sync_time = models.PositiveIntegerField(null=True, blank=True)
    last_sync = models.DateTimeField(null=True, blank=True)
    default_role = models.PositiveIntegerField(default=DEFAULT_SSO_ROLE)
    default_global_access = models.BooleanField(default=True)
    # Bit 0 allow_unlinked, bit 1 scim_enabled.
    flags = FlagsField(default=0)

    class Meta:
        db_table = "sentry_authprovider"

    @override
    def __str__(self) -> str:
        return f"{self.provider} (organization {self.organization_id})"


class AuthIdentity(models.Model):
    """A user's identity with an organization's SSO provider (``sentry.authidentity``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.authidentity",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    auth_provider = models.ForeignKey(AuthProvider, on_delete=models.CASCADE)
    ident = models.CharField(max_length=128)
    # The provider's identity payload (tokens, expiry, user info), a JSON object.
    data = models.JSONField(default=dict)
    last_verified = models.DateTimeField(default=timezone.now)
    last_synced = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_authidentity"
        unique_together = (("auth_provider", "ident"), ("auth_provider", "user"))

    @override
    def __str__(self) -> str:
        return f"{self.ident} (provider {self.auth_provider_id})"

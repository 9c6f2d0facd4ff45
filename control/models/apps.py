"""Control-silo Sentry apps: integrations built on the platform, their installations on
organizations and their UI components (``sentry.sentryapp``, ``sentry.sentryappinstallation``,
``sentry.sentryappcomponent``).

All are Global scope with the base behaviour; uuids are kept as exported. Sentry's ``save``
stamps ``date_updated`` with the time of the write; a Global import here keeps every exported
value (as for user roles), so ``backup compare`` treats ``date_updated`` as volatile only.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.utils import timezone
from typing_extensions import override

from control.models.core import ApiApplication, ApiToken, User
from control.models.oauth import ApiGrant
from shared.backup.declarations import Relocation
from shared.backup.orm.fields import CrossSiloRef, FlagsField
from shared.backup.scopes import RelocationScope


def generate_uuid() -> str:
    """A fresh dashed uuid4 text, Sentry's default for app and installation uuids."""
    return str(uuid.uuid4())


class SentryApp(models.Model):
    """An integration built on the platform, owned by an organization (``sentry.sentryapp``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.sentryapp",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    date_deleted = models.DateTimeField(null=True, blank=True)
    scopes = FlagsField(default=0)
    # Python-repr list text such as "['org:read']", kept verbatim.
    scope_list = models.TextField(null=True, blank=True)  # noqa: DJ001
    application = models.OneToOneField(
        ApiApplication, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proxy_user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner_id = CrossSiloRef(to="sentry.organization")
    name = models.TextField()
    slug = models.SlugField(max_length=64, unique=True)
    author = models.TextField(null=True, blank=True)  # noqa: DJ001
    # 0 unpublished, 1 published, 2 internal, 3 publish requested, 4 being deleted.
    status = models.PositiveIntegerField(default=0, db_index=True)
    uuid = models.CharField(max_length=64, default=generate_uuid)
    redirect_url = models.URLField(null=True, blank=True)  # noqa: DJ001
    webhook_url = models.URLField(max_length=512, null=True, blank=True)  # noqa: DJ001
    is_alertable = models.BooleanField(default=False)
    verify_install = models.BooleanField(default=True)
    # Python-repr list text such as "['issue.created']", kept verbatim.
    events = models.TextField(null=True, blank=True)  # noqa: DJ001
    overview = models.TextField(null=True, blank=True)  # noqa: DJ001
    # The UI-components schema, a JSON object.
    schema = models.JSONField(default=dict)
    date_added = models.DateTimeField(default=timezone.now)
    date_updated = models.DateTimeField(default=timezone.now)
    date_published = models.DateTimeField(null=True, blank=True)
    creator_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    creator_label = models.TextField(null=True, blank=True)  # noqa: DJ001
    popularity = models.PositiveSmallIntegerField(null=True, default=1)
    metadata = models.JSONField(default=dict)

    class Meta:
        db_table = "sentry_sentryapp"

    @override
    def __str__(self) -> str:
        return f"{self.slug}"


class SentryAppInstallation(models.Model):
    """A Sentry app installed on one organization (``sentry.sentryappinstallation``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.sentryappinstallation",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    date_deleted = models.DateTimeField(null=True, blank=True)
    sentry_app = models.ForeignKey(SentryApp, on_delete=models.CASCADE)
    organization_id = CrossSiloRef(to="sentry.organization")
    api_grant = models.OneToOneField(
        ApiGrant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_token = models.OneToOneField(
        ApiToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uuid = models.CharField(max_length=64, default=generate_uuid)
    # 0 pending, 1 installed.
    status = models.PositiveIntegerField(default=0, db_index=True)
    date_added = models.DateTimeField(default=timezone.now)
    date_updated = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_sentryappinstallation"

    @override
    def __str__(self) -> str:
        return f"app {self.sentry_app_id} on organization {self.organization_id}"


class SentryAppComponent(models.Model):
    """One UI component a Sentry app contributes (``sentry.sentryappcomponent``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.sentryappcomponent",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    # Sentry's uuid column, kept as the dashed text exports carry.
    uuid = models.CharField(max_length=36, unique=True, default=generate_uuid)
    sentry_app = models.ForeignKey(SentryApp, on_delete=models.CASCADE)
    type = models.CharField(max_length=64)
    # One component definition, a JSON object.
    schema = models.JSONField(default=dict)

    class Meta:
        db_table = "sentry_sentryappcomponent"

    @override
    def __str__(self) -> str:
        return f"{self.type} of app {self.sentry_app_id}"

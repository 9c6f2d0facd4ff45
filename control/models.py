"""Control-silo models: users and what hangs off them, instance configuration, bookkeeping.

Field names are exactly those of Sentry's export records, declared in export order, so a record's
``fields`` map onto a model one to one. Same-silo references are ForeignKeys named without ``_id``
(records carry ``"user": 1``). Created timestamps default to now but are never ``auto_now``: an
import keeps the source values. Nullable strings (DJ001) mirror Sentry, whose exports tell null
apart from ``""``.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence
from typing import ClassVar

from django.db import models
from django.utils import timezone
from typing_extensions import override

from shared.backup.declarations import Collision, OnCollision, Relocation
from shared.backup.filters import Filter
from shared.backup.orm.chunk_models import BaseImportChunk
from shared.backup.orm.fields import FlagsField
from shared.backup.orm.option_models import BaseOption
from shared.backup.scopes import OperationScope, RelocationScope

_HASH_ALPHABET = string.ascii_letters + string.digits


def generate_validation_hash() -> str:
    """A fresh 32-character email validation hash, like Sentry's ``get_secure_token``."""
    return "".join(secrets.choice(_HASH_ALPHABET) for _ in range(32))


class User(models.Model):
    """A user account (``sentry.user``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.user",
        scopes=frozenset({RelocationScope.USER}),
        collisions=(OnCollision(("username",), Collision.SUFFIX_OR_MERGE, case_insensitive=True),),
    )

    password = models.CharField(max_length=128, blank=True)
    last_login = models.DateTimeField(null=True, blank=True)
    username = models.CharField(max_length=128, unique=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=75, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    is_superuser = models.BooleanField(default=False)
    is_managed = models.BooleanField(default=False)
    is_sentry_app = models.BooleanField(null=True, default=None)
    is_password_expired = models.BooleanField(default=False)
    is_unclaimed = models.BooleanField(default=False)
    last_password_change = models.DateTimeField(null=True, blank=True)
    flags = FlagsField(default=0)
    session_nonce = models.CharField(max_length=12, null=True, blank=True)  # noqa: DJ001
    date_joined = models.DateTimeField(default=timezone.now)
    last_active = models.DateTimeField(null=True, default=timezone.now)
    avatar_type = models.PositiveSmallIntegerField(default=0)
    avatar_url = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001

    class Meta:
        db_table = "auth_user"

    @override
    def __str__(self) -> str:
        return f"{self.username}"

    @classmethod
    def relocation_export_queryset(
        cls, qs: models.QuerySet[User], scope: OperationScope, filters: Sequence[Filter]
    ) -> models.QuerySet[User]:
        """A Config export carries only privileged users (staff, superuser, permission, role)."""
        if scope is not OperationScope.CONFIG:
            return qs
        return qs.filter(
            models.Q(is_staff=True)
            | models.Q(is_superuser=True)
            | models.Q(pk__in=UserPermission.objects.values("user_id"))
            | models.Q(pk__in=UserRoleUser.objects.values("user_id"))
        )


class Email(models.Model):
    """One distinct email address, shared by every user who has it (``sentry.email``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.email",
        scopes=frozenset({RelocationScope.USER}),
        collisions=(OnCollision(("email",), Collision.REUSE, case_insensitive=True),),
        dependencies=("sentry.user",),
    )

    email = models.EmailField(max_length=75, unique=True)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_email"

    @override
    def __str__(self) -> str:
        return f"{self.email}"

    @classmethod
    def relocation_export_queryset(
        cls, qs: models.QuerySet[Email], scope: OperationScope, filters: Sequence[Filter]
    ) -> models.QuerySet[Email]:
        """Outside Global scope, only the addresses of the users the export carries."""
        if scope is OperationScope.GLOBAL:
            return qs
        users = User.relocation_export_queryset(User.objects.all(), scope, filters)
        for flt in filters:
            if flt.model == "sentry.user":
                field = "pk" if flt.field in ("pk", "id") else flt.field
                users = users.filter(**{f"{field}__in": sorted(flt.values)})
        return qs.filter(email__in=UserEmail.objects.filter(user__in=users).values("email"))


class UserEmail(models.Model):
    """An email address of one user, with its verification state (``sentry.useremail``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.useremail",
        scopes=frozenset({RelocationScope.USER}),
        dependencies=("sentry.email",),
    )

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    email = models.EmailField(max_length=75)
    validation_hash = models.CharField(max_length=32, default=generate_validation_hash)
    date_hash_added = models.DateTimeField(default=timezone.now)
    is_verified = models.BooleanField(default=False)

    class Meta:
        db_table = "sentry_useremail"
        unique_together = (("user", "email"),)

    @override
    def __str__(self) -> str:
        return f"{self.email} (user {self.user_id})"


class UserPermission(models.Model):
    """An instance-wide permission granted to one user (``sentry.userpermission``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.userpermission",
        scopes=frozenset({RelocationScope.CONFIG}),
    )

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    permission = models.CharField(max_length=32)

    class Meta:
        db_table = "sentry_userpermission"
        unique_together = (("user", "permission"),)

    @override
    def __str__(self) -> str:
        return f"{self.permission} (user {self.user_id})"


class UserRole(models.Model):
    """A named bundle of instance-wide permissions (``sentry.userrole``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.userrole",
        scopes=frozenset({RelocationScope.CONFIG}),
        collisions=(OnCollision(("name",), Collision.KEEP_OR_OVERWRITE),),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(null=True, default=timezone.now)
    name = models.CharField(max_length=32, unique=True)
    # Python-repr list text such as "['users.admin']" (not JSON), kept verbatim.
    permissions = models.TextField(default="[]", blank=True)

    class Meta:
        db_table = "sentry_userrole"

    @override
    def __str__(self) -> str:
        return f"{self.name}"


class UserRoleUser(models.Model):
    """The assignment of one user role to one user (``sentry.userroleuser``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.userroleuser",
        scopes=frozenset({RelocationScope.CONFIG}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(null=True, default=timezone.now)
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    role = models.ForeignKey(UserRole, on_delete=models.CASCADE)

    class Meta:
        db_table = "sentry_userrole_users"

    @override
    def __str__(self) -> str:
        return f"role {self.role_id} for user {self.user_id}"


class ControlOption(BaseOption):
    """One control-silo instance option (``sentry.controloption``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.controloption",
        scopes=frozenset({RelocationScope.CONFIG}),
        collisions=(OnCollision(("key",), Collision.KEEP_OR_OVERWRITE),),
    )

    class Meta:
        db_table = "sentry_controloption"


class OrganizationMapping(models.Model):
    """Control's copy of a region organization's identity; the importer writes it."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.organizationmapping",
        scopes=frozenset({RelocationScope.EXCLUDED}),
    )

    # The organization's pk in its region (a cross-silo id, never a database constraint).
    organization_id = models.BigIntegerField(unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=64)
    date_created = models.DateTimeField(default=timezone.now)
    customer_id = models.CharField(max_length=255, null=True, db_index=True)  # noqa: DJ001
    verified = models.BooleanField(default=False)
    idempotency_key = models.CharField(max_length=48, blank=True)
    region_name = models.CharField(max_length=48)
    status = models.BigIntegerField(null=True, default=0)

    class Meta:
        db_table = "sentry_organizationmapping"

    @override
    def __str__(self) -> str:
        return f"{self.slug} ({self.region_name}:{self.organization_id})"


class OrganizationSlugReservationType(models.IntegerChoices):
    """Why an organization slug is reserved."""

    PRIMARY = 0
    VANITY_ALIAS = 1
    TEMPORARY_RENAME_ALIAS = 2


class OrganizationSlugReservation(models.Model):
    """A globally reserved organization slug; written by the importer, never imported."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.organizationslugreservation",
        scopes=frozenset({RelocationScope.EXCLUDED}),
    )

    slug = models.SlugField(max_length=50, unique=True)
    # The organization's pk in its region (a cross-silo id, never a database constraint).
    organization_id = models.BigIntegerField(db_index=True)
    user_id = models.BigIntegerField(null=True)
    region_name = models.CharField(max_length=48)
    reservation_type = models.PositiveSmallIntegerField(
        choices=OrganizationSlugReservationType.choices,
        default=OrganizationSlugReservationType.PRIMARY,
    )
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_organizationslugreservation"
        unique_together = (("organization_id", "reservation_type"),)

    @override
    def __str__(self) -> str:
        return f"{self.slug} -> {self.organization_id}"


class ControlImportChunk(BaseImportChunk):
    """The ledger row of one batch imported into control (``sentry.controlimportchunk``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.controlimportchunk",
        scopes=frozenset({RelocationScope.EXCLUDED}),
    )

    class Meta(BaseImportChunk.Meta):
        db_table = "sentry_controlimportchunk"

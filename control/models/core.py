"""Control-silo models: users and what hangs off them, API credentials, integrations, instance
configuration, bookkeeping.

Field names are exactly those of Sentry's export records, declared in export order, so a record's
``fields`` map onto a model one to one. Same-silo references are ForeignKeys named without ``_id``
(records carry ``"user": 1``). Created timestamps default to now but are never ``auto_now``: an
import keeps the source values. Nullable strings (DJ001) mirror Sentry, whose exports tell null
apart from ``""``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import string
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from typing_extensions import override

from shared.backup.declarations import Collision, OnCollision, RecordContext, Relocation
from shared.backup.errors import InstanceInvalidError
from shared.backup.filters import Filter
from shared.backup.orm.chunk_models import BaseImportChunk
from shared.backup.orm.fields import CrossSiloRef, FlagsField, JsonValueField
from shared.backup.orm.option_models import BaseOption
from shared.backup.scopes import OperationScope, RelocationScope

_HASH_ALPHABET = string.ascii_letters + string.digits
# Sentry's default API token lifetime (``apitoken.default_expiration``).
TOKEN_LIFETIME = dt.timedelta(days=30)
# The prefix of Sentry organization auth tokens; not a secret.
ORG_AUTH_TOKEN_PREFIX = "sntrys_"  # noqa: S105


def generate_validation_hash() -> str:
    """A fresh 32-character email validation hash, like Sentry's ``get_secure_token``."""
    return "".join(secrets.choice(_HASH_ALPHABET) for _ in range(32))


def generate_token() -> str:
    """A fresh 64-hex-character secret, like Sentry's API token and client id/secret generator."""
    return secrets.token_hex(32)


def generate_api_key() -> str:
    """A fresh 32-hex-character API key, like Sentry's ``ApiKey.generate_api_key``."""
    return secrets.token_hex(16)


def default_token_expiration() -> dt.datetime:
    """When a token issued now expires, like Sentry's ``default_expiration``."""
    return timezone.now() + TOKEN_LIFETIME


def unusable_password() -> str:
    """A password nobody knows: Django's convention, ``!`` and 40 random url-safe characters."""
    return "!" + secrets.token_urlsafe(30)


def sha256_hex(value: str) -> str:
    """The hex SHA-256 of a secret, as Sentry stores hashed tokens."""
    return hashlib.sha256(value.encode()).hexdigest()


def generate_org_auth_token(org_slug: str) -> str:
    """A fresh organization auth token for ``org_slug``, shaped like Sentry's.

    ``sntrys_`` + url-safe base64 of a JSON payload naming the organization + ``_`` + 32 random
    url-safe characters. The system and region URLs are left empty: models do not know them.
    """
    payload = {"iat": int(timezone.now().timestamp()), "url": "", "region_url": "", "org": org_slug}
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode("ascii")
    return f"{ORG_AUTH_TOKEN_PREFIX}{encoded}_{secrets.token_urlsafe(24)}"


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
        # The case-insensitive username collision lookup compares lower(username).
        indexes = (models.Index(Lower("username"), name="auth_user_username_lower"),)

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

    @classmethod
    def relocation_normalize(cls, values: dict[str, Any], ctx: RecordContext) -> None:
        """Strip privileges in User and Organization imports; leave unclaimed outside Global.

        Privileges are trusted only from Config and Global imports, which an administrator runs.
        Outside Global the account gets a password nobody knows, so only its owner can take it
        over, through the "claim your account" flow; Global (a full restore) keeps everything.
        """
        if ctx.scope in (OperationScope.USER, OperationScope.ORGANIZATION):
            values.update(is_staff=False, is_superuser=False, is_managed=False)
        if ctx.scope is not OperationScope.GLOBAL:
            values.update(
                is_unclaimed=True,
                password=unusable_password(),
                last_password_change=timezone.now(),
                is_password_expired=False,
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
        # The case-insensitive email collision lookup compares lower(email).
        indexes = (models.Index(Lower("email"), name="sentry_email_email_lower"),)

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
        # Creating a user may already have created its primary email: write onto that row.
        collisions=(OnCollision(("email", "user"), Collision.OVERWRITE),),
        dependencies=("sentry.email",),
        skip_when_owner_merged=("user",),
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

    @classmethod
    def relocation_normalize(cls, values: dict[str, Any], ctx: RecordContext) -> None:
        """Outside Global an imported address is unverified until its owner confirms it again."""
        if ctx.scope is not OperationScope.GLOBAL:
            values.update(
                is_verified=False,
                validation_hash=generate_validation_hash(),
                date_hash_added=timezone.now(),
            )


class UserPermission(models.Model):
    """An instance-wide permission granted to one user (``sentry.userpermission``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.userpermission",
        scopes=frozenset({RelocationScope.CONFIG}),
        skip_when_owner_merged=("user",),
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


class UserIP(models.Model):
    """An IP address one user was seen at (``sentry.userip``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.userip",
        scopes=frozenset({RelocationScope.GLOBAL}),
        collisions=(OnCollision(("ip_address", "user"), Collision.REUSE),),
        skip_when_owner_merged=("user",),
    )

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    ip_address = models.GenericIPAddressField()
    country_code = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001
    region_code = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_userip"
        unique_together = (("user", "ip_address"),)

    @override
    def __str__(self) -> str:
        return f"{self.ip_address} (user {self.user_id})"

    @classmethod
    def relocation_normalize(cls, values: dict[str, Any], ctx: RecordContext) -> None:
        """Outside Global the address is first and last seen at the import."""
        if ctx.scope is not OperationScope.GLOBAL:
            now = timezone.now()
            values.update(first_seen=now, last_seen=now)


def _json_text_value(value: object) -> object:
    """An option value as meant: JSON text in a string is decoded, anything else kept."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class UserOption(models.Model):
    """One setting of one user, global or for one organization or project (``sentry.useroption``).

    A global option (no organization, no project) is unique per user and key, which the database
    cannot enforce because nulls never collide; the declared REUSE policy keeps an existing one.
    """

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.useroption",
        scopes=frozenset({RelocationScope.USER}),
        collisions=(
            OnCollision(
                ("key", "user"), Collision.REUSE, when_null=("organization_id", "project_id")
            ),
        ),
        skip_when_owner_merged=("user",),
    )

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    project_id = CrossSiloRef(to="sentry.project", null=True, blank=True)
    organization_id = CrossSiloRef(to="sentry.organization", null=True, blank=True)
    key = models.CharField(max_length=64)
    value = JsonValueField(null=True)

    class Meta:
        db_table = "sentry_useroption"
        unique_together = (("user", "organization_id", "key"), ("user", "project_id", "key"))

    @override
    def __str__(self) -> str:
        return f"{self.key} (user {self.user_id})"

    @classmethod
    def relocation_normalize(cls, values: dict[str, Any], ctx: RecordContext) -> None:
        """Refuse a ``timezone`` option naming no known time zone (Sentry validates it too)."""
        if values.get("key") != "timezone":
            return
        zone = _json_text_value(values.get("value"))
        if not isinstance(zone, str) or zone not in zoneinfo.available_timezones():
            raise InstanceInvalidError(
                ctx.model, ctx.ordinal, f"unknown time zone {zone!r}", field="value", pk=ctx.old_pk
            )


class Authenticator(models.Model):
    """A second factor of one user: TOTP, recovery codes, U2F, ... (``sentry.authenticator``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.authenticator",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    type = models.PositiveIntegerField()
    # JSON text (Sentry's pickled-object field), kept verbatim.
    config = models.TextField(blank=True)

    class Meta:
        db_table = "auth_authenticator"
        unique_together = (("user", "type"),)

    @override
    def __str__(self) -> str:
        return f"authenticator type {self.type} (user {self.user_id})"


class ControlOption(BaseOption):
    """One control-silo instance option (``sentry.controloption``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.controloption",
        scopes=frozenset({RelocationScope.CONFIG}),
        collisions=(OnCollision(("key",), Collision.KEEP_OR_OVERWRITE),),
    )

    class Meta:
        db_table = "sentry_controloption"


class ApiApplication(models.Model):
    """An OAuth application registered on the instance (``sentry.apiapplication``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.apiapplication",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    client_id = models.CharField(max_length=64, unique=True, default=generate_token)
    client_secret = models.TextField(default=generate_token)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True)
    name = models.CharField(max_length=64, blank=True)
    status = models.PositiveIntegerField(default=0, db_index=True)
    allowed_origins = models.TextField(null=True, blank=True)  # noqa: DJ001
    # One URI a line.
    redirect_uris = models.TextField()
    homepage_url = models.URLField(null=True, blank=True)  # noqa: DJ001
    privacy_url = models.URLField(null=True, blank=True)  # noqa: DJ001
    terms_url = models.URLField(null=True, blank=True)  # noqa: DJ001
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_apiapplication"

    @override
    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class ApiToken(models.Model):
    """A user's API token, standalone or issued to an OAuth application (``sentry.apitoken``).

    Sentry stores the token in clear next to its hash; both regenerate together on a collision.
    """

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.apitoken",
        scopes=frozenset({RelocationScope.CONFIG, RelocationScope.GLOBAL}),
        collisions=(
            OnCollision(("token",), Collision.REGENERATE),
            OnCollision(("refresh_token",), Collision.REGENERATE),
            OnCollision(("hashed_token",), Collision.REGENERATE),
            OnCollision(("hashed_refresh_token",), Collision.REGENERATE),
        ),
    )

    scopes = FlagsField(default=0)
    # JSON-like list text such as "[]", kept verbatim.
    scope_list = models.TextField(default="[]", blank=True)
    scoping_organization_id = CrossSiloRef(to="sentry.organization", null=True, blank=True)
    application = models.ForeignKey(ApiApplication, on_delete=models.CASCADE, null=True, blank=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    name = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    token = models.CharField(max_length=71, unique=True, default=generate_token)
    hashed_token = models.CharField(max_length=128, unique=True, null=True, blank=True)
    # Sentry's token prefix ("sntryu_", ...) or null for unprefixed tokens.
    token_type = models.CharField(max_length=7, null=True, blank=True)  # noqa: DJ001
    token_last_characters = models.CharField(max_length=4, null=True, blank=True)  # noqa: DJ001
    refresh_token = models.CharField(
        max_length=71, unique=True, null=True, blank=True, default=generate_token
    )
    hashed_refresh_token = models.CharField(max_length=128, unique=True, null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, default=default_token_expiration)
    date_added = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sentry_apitoken"

    @override
    def __str__(self) -> str:
        return f"token ...{self.token_last_characters} (user {self.user_id})"

    @classmethod
    def relocation_instance_scope(cls, values: Mapping[str, Any]) -> RelocationScope:
        """A token issued to an application is Global (instance-bound); a user's own is Config."""
        if values.get("application") is not None:
            return RelocationScope.GLOBAL
        return RelocationScope.CONFIG

    @classmethod
    def relocation_regenerate(cls, values: dict[str, Any], ctx: RecordContext) -> None:
        """Fresh token and refresh token (if it had one), their hashes, and a fresh expiry.

        The token type's prefix is kept, as Sentry regenerates "with the same token type".
        """
        prefix = values.get("token_type") or ""
        token = prefix + generate_token()
        refresh = prefix + generate_token() if values.get("refresh_token") is not None else None
        values.update(
            token=token,
            hashed_token=sha256_hex(token),
            token_last_characters=token[-4:],
            refresh_token=refresh,
            hashed_refresh_token=sha256_hex(refresh) if refresh is not None else None,
        )
        if values.get("expires_at") is not None:
            values["expires_at"] = default_token_expiration()


class ApiKey(models.Model):
    """An organization's legacy API key (``sentry.apikey``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.apikey",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    organization_id = CrossSiloRef(to="sentry.organization")
    label = models.CharField(max_length=64, blank=True, default="Default")
    key = models.CharField(max_length=32, unique=True, default=generate_api_key)
    scopes = FlagsField(default=0)
    # JSON-like list text such as "[]", kept verbatim.
    scope_list = models.TextField(default="[]", blank=True)
    status = models.PositiveIntegerField(default=0, db_index=True)
    date_added = models.DateTimeField(default=timezone.now)
    allowed_origins = models.TextField(null=True, blank=True)  # noqa: DJ001

    class Meta:
        db_table = "sentry_apikey"

    @override
    def __str__(self) -> str:
        return f"{self.label} (organization {self.organization_id})"


class OrgAuthToken(models.Model):
    """An organization's auth token for CI, stored only as its hash (``sentry.orgauthtoken``).

    The token text embeds the organization's slug, so a colliding token is minted anew from the
    slug the import reserved globally; the importer writes these tokens last for that reason.
    """

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.orgauthtoken",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
        collisions=(OnCollision(("token_hashed",), Collision.REGENERATE),),
    )

    organization_id = CrossSiloRef(to="sentry.organization")
    token_hashed = models.TextField(unique=True)
    token_last_characters = models.CharField(max_length=4, null=True, blank=True)  # noqa: DJ001
    name = models.CharField(max_length=255)
    # Python-repr list text such as "['org:ci']" (not JSON), kept verbatim.
    scope_list = models.TextField(default="[]", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    date_added = models.DateTimeField(default=timezone.now)
    date_last_used = models.DateTimeField(null=True, blank=True)
    project_last_used_id = CrossSiloRef(
        to="sentry.project", null=True, blank=True, null_when_missing=True
    )
    date_deactivated = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "sentry_orgauthtoken"

    @override
    def __str__(self) -> str:
        return f"{self.name} (organization {self.organization_id})"

    @classmethod
    def relocation_regenerate(cls, values: dict[str, Any], ctx: RecordContext) -> None:
        """Mint a new token from the organization's reserved slug; keep only its hash and tail.

        Raises:
            ValueError: the organization's new slug is unknown (its reference carries none).
        """
        organization = ctx.references.get("organization_id")
        if organization is None or not organization.slug:
            raise ValueError("sentry.orgauthtoken: no slug for the organization to mint a token")
        token = generate_org_auth_token(organization.slug)
        values.update(token_hashed=sha256_hex(token), token_last_characters=token[-4:])


class Integration(models.Model):
    """An installed third-party integration, such as a GitHub app (``sentry.integration``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.integration",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    date_added = models.DateTimeField(null=True, default=timezone.now)
    date_updated = models.DateTimeField(default=timezone.now)
    external_id = models.CharField(max_length=64)
    metadata = models.JSONField(default=dict)
    name = models.CharField(max_length=200)
    provider = models.CharField(max_length=64)
    status = models.PositiveIntegerField(null=True, default=0)

    class Meta:
        db_table = "sentry_integration"
        unique_together = (("provider", "external_id"),)

    @override
    def __str__(self) -> str:
        return f"{self.provider}:{self.external_id}"


class OrganizationIntegration(models.Model):
    """An integration's installation on one organization (``sentry.organizationintegration``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.organizationintegration",
        scopes=frozenset({RelocationScope.GLOBAL}),
    )

    date_added = models.DateTimeField(null=True, default=timezone.now)
    date_updated = models.DateTimeField(default=timezone.now)
    organization_id = CrossSiloRef(to="sentry.organization")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE)
    config = models.JSONField(default=dict)
    # An identity's pk (sentry.identity is never relocated), not a reference the importer maps.
    default_auth_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    status = models.PositiveIntegerField(default=0)
    grace_period_end = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        db_table = "sentry_organizationintegration"
        unique_together = (("organization_id", "integration"),)

    @override
    def __str__(self) -> str:
        return f"integration {self.integration_id} on organization {self.organization_id}"


class OrganizationMapping(models.Model):
    """Control's copy of a region organization's identity; the importer writes it."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.organizationmapping",
        scopes=frozenset({RelocationScope.EXCLUDED}),
    )

    # The organization's pk in its region (a cross-silo id, never a database constraint).
    # Unique with region_name: every region numbers its own organizations.
    organization_id = models.BigIntegerField()
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
        unique_together = (("region_name", "organization_id"),)

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
        unique_together = (("region_name", "organization_id", "reservation_type"),)

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

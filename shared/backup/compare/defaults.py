"""Which comparators apply to which model's fields: the default map and auto-assignment.

The explicit map names fields by model; models this version does not carry yet are listed too,
so their exports compare correctly the day they are added. Auto-assignment then adds, for each
instance pair, a ForeignKeyComparator over every foreign key the descriptor declares, an
EmailObfuscatingComparator over every ``email`` / ``*_email`` field, and a
DatetimeEqualityComparator over every field holding an export datetime on either side, each
only for fields no explicit comparator claims.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.backup.compare.comparators import (
    AutoSuffixComparator,
    Comparator,
    DatetimeEqualityComparator,
    DateUpdatedComparator,
    ForeignKeyComparator,
    IgnoredComparator,
    UnorderedListComparator,
)
from shared.backup.compare.datetimes import is_export_datetime
from shared.backup.compare.obfuscating import (
    EmailObfuscatingComparator,
    HashObfuscatingComparator,
    SecretHexComparator,
    UserPasswordObfuscatingComparator,
    UUID4Comparator,
)
from shared.backup.descriptors import ModelDescriptor

ComparatorMap = Mapping[str, Sequence[Comparator]]

DEFAULT_COMPARATORS: ComparatorMap = {
    "sentry.user": (
        AutoSuffixComparator("username"),
        DateUpdatedComparator("last_active"),
        IgnoredComparator("last_password_change", "is_unclaimed", "is_password_expired"),
        UserPasswordObfuscatingComparator(),
    ),
    "sentry.organization": (AutoSuffixComparator("slug"),),
    "sentry.email": (DateUpdatedComparator("date_added"),),
    "sentry.useremail": (
        DateUpdatedComparator("date_hash_added"),
        IgnoredComparator("validation_hash", "is_verified"),
    ),
    "sentry.userip": (IgnoredComparator("country_code", "region_code"),),
    "sentry.userrole": (DateUpdatedComparator("date_updated"),),
    "sentry.userroleuser": (DateUpdatedComparator("date_updated"),),
    "sentry.projectkey": (
        HashObfuscatingComparator("public_key", "secret_key"),
        SecretHexComparator(16, "public_key", "secret_key"),
    ),
    "sentry.orgauthtoken": (HashObfuscatingComparator("token_hashed", "token_last_characters"),),
    "sentry.apitoken": (
        HashObfuscatingComparator("token", "refresh_token", "token_last_characters"),
        IgnoredComparator("hashed_token", "hashed_refresh_token"),
        UnorderedListComparator("scope_list"),
    ),
    "sentry.organizationmember": (HashObfuscatingComparator("token"),),
    "sentry.relay": (HashObfuscatingComparator("relay_id", "public_key"),),
    "sentry.relayusage": (HashObfuscatingComparator("relay_id", "public_key"),),
    "sentry.apiapplication": (HashObfuscatingComparator("client_id", "client_secret"),),
    "sentry.apikey": (HashObfuscatingComparator("key"),),
    "sentry.apigrant": (HashObfuscatingComparator("code"),),
    "sentry.apiauthorization": (UnorderedListComparator("scope_list"),),
    "sentry.authidentity": (HashObfuscatingComparator("ident"),),
    # Saving an app or an installation stamps date_updated with the time of the write.
    "sentry.sentryapp": (
        DateUpdatedComparator("date_updated"),
        EmailObfuscatingComparator("creator_label"),
    ),
    "sentry.sentryappinstallation": (DateUpdatedComparator("date_updated"),),
    # Ids an import regenerates (Sentry's normalize hooks of these models).
    "sentry.monitor": (UUID4Comparator("guid"),),
    "sentry.incident": (UUID4Comparator("detection_uuid"),),
    "sentry.incidentactivity": (UUID4Comparator("notification_uuid"),),
    # An imported subscription is created anew and registered again with the query backend.
    "sentry.querysubscription": (
        DateUpdatedComparator("date_updated"),
        IgnoredComparator("status", "subscription_id", "query_extra"),
    ),
    "sentry.servicehook": (HashObfuscatingComparator("secret"),),
    "sentry.alertrule": (DateUpdatedComparator("date_modified"),),
    "sentry.incidenttrigger": (DateUpdatedComparator("date_modified"),),
}


def is_email_field(name: str) -> bool:
    """Fields that hold email addresses, by Sentry's naming: ``email`` and ``*_email``."""
    return name == "email" or name.endswith("_email")


def auto_assigned(
    descriptor: ModelDescriptor | None,
    left: Mapping[str, Any],
    right: Mapping[str, Any],
    claimed: set[str],
) -> list[Comparator]:
    """Comparators for unclaimed references, emails and datetimes of one pair's fields.

    ``claimed`` is updated with the fields the returned comparators claim.
    """
    chosen: list[Comparator] = []
    if descriptor is not None:
        targets = {fk.field: fk.target for fk in descriptor.foreign_keys if fk.field not in claimed}
        if targets:
            chosen.append(ForeignKeyComparator(targets))
            claimed.update(targets)
    names = sorted((left.keys() | right.keys()) - claimed)
    emails = [name for name in names if is_email_field(name)]
    if emails:
        chosen.append(EmailObfuscatingComparator(*emails))
        claimed.update(emails)
    datetimes = [
        name
        for name in names
        if name not in claimed
        and (is_export_datetime(left.get(name)) or is_export_datetime(right.get(name)))
    ]
    if datetimes:
        chosen.append(DatetimeEqualityComparator(*datetimes))
        claimed.update(datetimes)
    return chosen


def comparators_for(
    descriptor: ModelDescriptor | None,
    model: str,
    left: Mapping[str, Any],
    right: Mapping[str, Any],
    *,
    explicit: ComparatorMap,
    auto_assign: bool = True,
) -> list[Comparator]:
    """The comparators of one instance pair: the model's explicit ones, then auto-assigned ones."""
    chosen = list(explicit.get(model, ()))
    if not auto_assign:
        return chosen
    claimed = {name for comparator in chosen for name in comparator.fields}
    return chosen + auto_assigned(descriptor, left, right, claimed)

"""Comparators for personal data and secrets: findings never show the full values."""

from __future__ import annotations

import re
import uuid
from typing import Any

from typing_extensions import override

from shared.backup.compare.comparators import Comparator, InstancePair, Kind
from shared.backup.compare.datetimes import parse_export_datetime
from shared.backup.compare.findings import ComparatorFinding

# Secrets at least this long show their first and last three characters.
_LONG_SECRET = 12
# Secrets at least this long show their first character only; shorter ones show nothing.
_SHORT_SECRET = 4


def obfuscate_secret(value: Any) -> str:
    """A truncated spelling of a secret: ``abc...xyz``, ``a...`` or ``...``."""
    if value is None:
        return "null"
    if not isinstance(value, str):
        return f"<{type(value).__name__}>"
    if len(value) >= _LONG_SECRET:
        return f"{value[:3]}...{value[-3:]}"
    if len(value) >= _SHORT_SECRET:
        return f"{value[:1]}..."
    return "..."


def obfuscate_email(value: Any) -> str:
    """An address as ``a...@...le.com``: first character, then the domain's last six."""
    if not isinstance(value, str) or "@" not in value:
        return obfuscate_secret(value)
    local, _, domain = value.rpartition("@")
    return f"{local[:1]}...@...{domain[-6:]}"


class HashObfuscatingComparator(Comparator):
    """Secrets (keys, tokens, hashes) are equal; findings show them truncated."""

    kind = Kind.HASH_OBFUSCATING_COMPARATOR
    existence_kind = Kind.HASH_OBFUSCATING_COMPARATOR_EXISTENCE_CHECK

    def obfuscate(self, value: Any) -> str:
        """How a finding spells a value."""
        return obfuscate_secret(value)

    @override
    def compare_field(self, pair: InstancePair, name: str, left: Any, right: Any) -> str | None:
        """Plain equality."""
        if left == right:
            return None
        return (
            f"the left value ({self.obfuscate(left)}) of `{name}` is not equal to "
            f"the right value ({self.obfuscate(right)})"
        )


class EmailObfuscatingComparator(HashObfuscatingComparator):
    """Email addresses are equal; findings show them obfuscated."""

    kind = Kind.EMAIL_OBFUSCATING_COMPARATOR
    existence_kind = Kind.EMAIL_OBFUSCATING_COMPARATOR_EXISTENCE_CHECK

    @override
    def obfuscate(self, value: Any) -> str:
        """``a...@...le.com``."""
        return obfuscate_email(value)


class SecretHexComparator(Comparator):
    """Both values are well-formed secrets of ``num_bytes`` random bytes in lower-case hex."""

    kind = Kind.SECRET_HEX_COMPARATOR
    existence_kind = Kind.SECRET_HEX_COMPARATOR_EXISTENCE_CHECK

    def __init__(self, num_bytes: int, *fields: str) -> None:
        super().__init__(*fields)
        self.num_chars = num_bytes * 2
        self._pattern = re.compile(rf"^[0-9a-f]{{{self.num_chars}}}$")

    @override
    def compare_field(self, pair: InstancePair, name: str, left: Any, right: Any) -> str | None:
        """Both sides match the hex pattern (equality is another comparator's job)."""
        bad = [
            f"the {side} value ({obfuscate_secret(value)}) of `{name}` is not "
            f"{self.num_chars} lower-case hex characters"
            for side, value in (("left", left), ("right", right))
            if not (isinstance(value, str) and self._pattern.match(value))
        ]
        return "; ".join(bad) or None


class UUID4Comparator(Comparator):
    """Both values are UUID4s, or both are null: an id the import regenerates (a monitor's guid,
    an incident's detection uuid), so only its shape can be compared."""

    kind = Kind.UUID4_COMPARATOR
    existence_kind = Kind.UUID4_COMPARATOR_EXISTENCE_CHECK

    @override
    def compare_field(self, pair: InstancePair, name: str, left: Any, right: Any) -> str | None:
        """Both sides are dashed or 32-hex UUID4s (either may be null only if both are)."""
        if left is None and right is None:
            return None
        bad = [
            f"the {side} value ({obfuscate_secret(str(value))}) of `{name}` is not a UUID4"
            for side, value in (("left", left), ("right", right))
            if not _is_uuid4(value)
        ]
        return "; ".join(bad) or None


def _is_uuid4(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return uuid.UUID(value).version == 4
    except ValueError:
        return False


class UserPasswordObfuscatingComparator(Comparator):
    """A user's password changes only as an import that unclaims the user changes it.

    Claimed on the right: the password is unchanged. Unclaimed on the right: a user who was
    claimed on the left must have a new password, a ``last_password_change`` no earlier than the
    left one, and no expired password. A user unclaimed on the left cannot be claimed on the right.
    A user unclaimed on both sides may keep the password (a Global-scope restore keeps it); if it
    changed, the date and expiry rules apply. The related fields are read, not claimed: the
    default map claims them with an IgnoredComparator.
    """

    kind = Kind.USER_PASSWORD_OBFUSCATING_COMPARATOR
    existence_kind = Kind.USER_PASSWORD_OBFUSCATING_COMPARATOR_EXISTENCE_CHECK

    def __init__(self) -> None:
        super().__init__("password")

    @override
    def compare_field(self, pair: InstancePair, name: str, left: Any, right: Any) -> str | None:
        """Unused: ``compare`` looks at several fields at once."""
        raise NotImplementedError

    @override
    def compare(self, pair: InstancePair) -> list[ComparatorFinding]:
        """Apply the claim-state rules described on the class."""
        if not self.present(pair):
            return []
        was_unclaimed = bool(pair.left.get("is_unclaimed"))
        is_unclaimed = bool(pair.right.get("is_unclaimed"))
        if was_unclaimed and not is_unclaimed:
            reason = "the user is unclaimed on the left but claimed on the right"
            return [pair.finding(self.kind, reason, "is_unclaimed")]
        before, after = pair.left["password"], pair.right["password"]
        if before == after:
            if is_unclaimed and not was_unclaimed:
                reason = (
                    f"the left value ({obfuscate_secret(before)}) of `password` is equal to the "
                    "right value, but a newly unclaimed user must get a new password"
                )
                return [pair.finding(self.kind, reason, "password")]
            return []
        if not is_unclaimed:
            reason = (
                f"the left value ({obfuscate_secret(before)}) of `password` is not equal to "
                f"the right value ({obfuscate_secret(after)})"
            )
            return [pair.finding(self.kind, reason, "password")]
        return self._new_password_rules(pair)

    def _new_password_rules(self, pair: InstancePair) -> list[ComparatorFinding]:
        """A changed password was changed now: a later change date, not expired."""
        findings = []
        left_change = pair.left.get("last_password_change")
        right_change = pair.right.get("last_password_change")
        before, after = parse_export_datetime(left_change), parse_export_datetime(right_change)
        if before is not None and (after is None or after < before):
            reason = (
                f"the right value ({right_change}) of `last_password_change` is earlier than "
                f"the left value ({left_change})"
            )
            findings.append(pair.finding(self.kind, reason, "last_password_change"))
        if pair.right.get("is_password_expired"):
            reason = "`is_password_expired` is set on the right for a user with a new password"
            findings.append(pair.finding(self.kind, reason, "is_password_expired"))
        return findings

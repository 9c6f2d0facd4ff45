"""Comparators over personal data and secrets: findings never show the whole value."""

from __future__ import annotations

import pytest

from shared.backup.compare import (
    EmailObfuscatingComparator,
    HashObfuscatingComparator,
    SecretHexComparator,
    UserPasswordObfuscatingComparator,
    obfuscate_email,
    obfuscate_secret,
)
from tests.unit.shared.backup.compare.builders import kinds, pair

OLD = "pbkdf2_sha256$260000$oldsalt$oldhash"
NEW = "pbkdf2_sha256$260000$newsalt$newhash"


def _run(comparator, left, right):
    p = pair(left, right, model="sentry.user")
    return comparator.existence(p) + comparator.compare(p)


def test_obfuscated_emails_show_the_first_character_and_the_domains_last_six():
    assert obfuscate_email("alice@example.com") == "a...@...le.com"
    assert obfuscate_email("x@y.io") == "x...@...y.io"
    assert obfuscate_email(None) == "null"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0123456789abcdef0123456789abcdef", "012...def"),
        ("abcdef", "a..."),
        ("abc", "..."),
        (None, "null"),
        (42, "<int>"),
    ],
)
def test_obfuscated_secrets_are_truncated(value, shown):
    assert obfuscate_secret(value) == shown


def test_email_comparator_accepts_equal_addresses():
    comparator = EmailObfuscatingComparator("email")

    assert _run(comparator, {"email": "a@example.com"}, {"email": "a@example.com"}) == []


def test_email_comparator_shows_different_addresses_obfuscated():
    comparator = EmailObfuscatingComparator("email")

    findings = _run(comparator, {"email": "alice@example.com"}, {"email": "bob@example.org"})

    assert kinds(findings) == ["EmailObfuscatingComparator"]
    assert "a...@...le.com" in findings[0].reason
    assert "b...@...le.org" in findings[0].reason
    assert "alice" not in findings[0].reason
    assert "bob@" not in findings[0].reason


def test_email_comparator_existence_finding_has_its_own_kind():
    findings = _run(EmailObfuscatingComparator("email"), {"email": "a@b.c"}, {})

    assert kinds(findings) == ["EmailObfuscatingComparatorExistenceCheck"]


def test_hash_comparator_shows_different_secrets_truncated():
    left, right = "a" * 32, "b" * 32
    comparator = HashObfuscatingComparator("secret_key")

    assert _run(comparator, {"secret_key": left}, {"secret_key": left}) == []
    findings = _run(comparator, {"secret_key": left}, {"secret_key": right})
    assert kinds(findings) == ["HashObfuscatingComparator"]
    assert "aaa...aaa" in findings[0].reason
    assert left not in findings[0].reason
    assert right not in findings[0].reason


def test_secret_hex_accepts_lower_case_hex_of_the_right_length_on_both_sides():
    comparator = SecretHexComparator(16, "public_key")
    key = "0123456789abcdef" * 2

    assert _run(comparator, {"public_key": key}, {"public_key": key[::-1]}) == []


@pytest.mark.parametrize(
    "bad", ["0123456789abcdef", "0123456789ABCDEF" * 2, "0123456789abcdeg" * 2, None]
)
def test_secret_hex_rejects_wrong_length_case_alphabet_or_null(bad):
    findings = _run(SecretHexComparator(16, "k"), {"k": "0" * 32}, {"k": bad})

    assert kinds(findings) == ["SecretHexComparator"]
    assert "right value" in findings[0].reason
    assert "32 lower-case hex" in findings[0].reason


def _user(password=OLD, *, unclaimed=False, expired=False, change="2024-01-01T00:00:00.000Z"):
    return {
        "password": password,
        "is_unclaimed": unclaimed,
        "is_password_expired": expired,
        "last_password_change": change,
    }


def test_a_claimed_user_keeps_the_password():
    comparator = UserPasswordObfuscatingComparator()

    assert _run(comparator, _user(), _user()) == []
    findings = _run(comparator, _user(), _user(NEW))
    assert kinds(findings) == ["UserPasswordObfuscatingComparator"]
    assert findings[0].field == "password"
    assert OLD not in findings[0].reason
    assert NEW not in findings[0].reason


def test_an_unclaimed_user_cannot_become_claimed():
    findings = _run(UserPasswordObfuscatingComparator(), _user(unclaimed=True), _user())

    assert kinds(findings) == ["UserPasswordObfuscatingComparator"]
    assert findings[0].field == "is_unclaimed"


def test_a_newly_unclaimed_user_gets_a_new_password_changed_now_and_not_expired():
    comparator = UserPasswordObfuscatingComparator()
    later = "2024-05-01T00:00:00.000Z"

    assert _run(comparator, _user(), _user(NEW, unclaimed=True, change=later)) == []


def test_a_newly_unclaimed_user_with_the_old_password_is_a_finding():
    findings = _run(UserPasswordObfuscatingComparator(), _user(), _user(unclaimed=True))

    assert kinds(findings) == ["UserPasswordObfuscatingComparator"]
    assert "new password" in findings[0].reason


def test_a_new_password_with_an_earlier_change_date_or_expired_flag_is_a_finding():
    right = _user(NEW, unclaimed=True, expired=True, change="2023-01-01T00:00:00.000Z")

    findings = _run(UserPasswordObfuscatingComparator(), _user(), right)

    assert [f.field for f in findings] == ["last_password_change", "is_password_expired"]


def test_a_user_unclaimed_on_both_sides_may_keep_the_password():
    comparator = UserPasswordObfuscatingComparator()

    assert _run(comparator, _user(unclaimed=True), _user(unclaimed=True)) == []


def test_the_password_comparator_checks_only_the_password_field_for_existence():
    comparator = UserPasswordObfuscatingComparator()

    assert comparator.fields == ("password",)
    assert kinds(_run(comparator, {"password": OLD}, {})) == [
        "UserPasswordObfuscatingComparatorExistenceCheck"
    ]

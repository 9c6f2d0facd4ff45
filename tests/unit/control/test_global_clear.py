"""Control's guard on a Global import's clear: refused while another region holds organizations,
allowed when only the target region does, and decided inside the clear's transaction."""

from __future__ import annotations

import pytest

from control.actions import (
    check_global_clear,
    do_bulk_create_organization_slug_reservations,
    organizations_by_region,
)
from control.models import OrganizationMapping, User
from shared.backup.errors import SharedControlClearError, UnknownRegionError
from shared.backup.orm.clearing import do_clear_models
from shared.backup.ports import OrganizationSlug

pytestmark = pytest.mark.usefixtures("db")


def _orgs(region, *slugs):
    do_bulk_create_organization_slug_reservations(
        region, [OrganizationSlug(i, slug, slug) for i, slug in enumerate(slugs, start=1)]
    )


def test_organizations_are_counted_per_region_leaving_the_target_out():
    _orgs("us", "acme", "globex")
    _orgs("de", "bosch")
    assert organizations_by_region() == {"de": 1, "us": 2}
    assert organizations_by_region(exclude="de") == {"us": 2}


def test_the_clear_is_refused_while_another_region_holds_organizations():
    _orgs("us", "acme")
    User.objects.create(username="alice")
    guard = lambda: check_global_clear("de", {"us", "de"})  # noqa: E731
    for validate_only in (True, False):
        with pytest.raises(SharedControlClearError, match="'us' \\(1 organization"):
            do_clear_models("control", guard=guard, validate_only=validate_only)
    assert User.objects.count() == 1
    assert OrganizationMapping.objects.count() == 1


def test_the_clear_runs_when_only_the_target_region_holds_organizations():
    _orgs("de", "bosch")
    User.objects.create(username="alice")
    assert (
        do_clear_models(
            "control", guard=lambda: check_global_clear("de", {"us", "de"}), validate_only=True
        )
        == {}
    )
    assert User.objects.count() == 1
    deleted = do_clear_models("control", guard=lambda: check_global_clear("de", {"us", "de"}))
    assert deleted["auth_user"] == 1
    assert User.objects.count() == OrganizationMapping.objects.count() == 0


def test_an_unnamed_target_counts_every_region_with_organizations_and_unknown_names_fail():
    _orgs("us", "acme")
    with pytest.raises(SharedControlClearError):
        check_global_clear("", {"us"})
    with pytest.raises(UnknownRegionError):
        check_global_clear("mars", {"us", "de"})

"""MODEL_SILOS: which silo owns each relocatable model (Sentry's §5.2 silo column)."""

from __future__ import annotations

from shared.backup.catalog import MODEL_SILOS
from shared.backup.descriptors import Silo
from shared.backup.model_names import ModelName

SENTRY_CONTROL = {
    "sentry.user",
    "sentry.email",
    "sentry.useremail",
    "sentry.userpermission",
    "sentry.userrole",
    "sentry.userroleuser",
    "sentry.controloption",
    "sentry.userip",
    "sentry.useroption",
    "sentry.authenticator",
    "sentry.apiapplication",
    "sentry.apitoken",
    "sentry.apikey",
    "sentry.orgauthtoken",
    "sentry.integration",
    "sentry.organizationintegration",
    "sentry.authprovider",
    "sentry.authidentity",
    "sentry.apigrant",
    "sentry.apiauthorization",
    "sentry.sentryapp",
    "sentry.sentryappinstallation",
    "sentry.sentryappcomponent",
}
SENTRY_REGION = {
    "sentry.organization",
    "sentry.organizationmember",
    "sentry.organizationmemberteam",
    "sentry.team",
    "sentry.project",
    "sentry.projecttemplate",
    "sentry.projecttemplateoption",
    "sentry.projectteam",
    "sentry.projectkey",
    "sentry.projectoption",
    "sentry.option",
    "sentry.relay",
    "sentry.relayusage",
    "sentry.rule",
    # Events (issue #7): releases, their links, and the opt-in sentry.event extension.
    "sentry.release",
    "sentry.releaseproject",
    "sentry.releaseenvironment",
    "sentry.releaseprojectenvironment",
    "sentry.event",
    "sentry.environment",
    "sentry.environmentproject",
    "sentry.organizationoption",
}


def test_catalog_puts_user_owned_models_and_controloption_in_the_control_silo() -> None:
    control = {name for name, silo in MODEL_SILOS.items() if silo is Silo.CONTROL}

    assert control == SENTRY_CONTROL


def test_catalog_puts_organization_models_and_option_in_the_region_silo() -> None:
    region = {name for name, silo in MODEL_SILOS.items() if silo is Silo.REGION}

    assert region == SENTRY_REGION


def test_catalog_keys_are_validated_model_names() -> None:
    assert all(type(name) is ModelName for name in MODEL_SILOS)

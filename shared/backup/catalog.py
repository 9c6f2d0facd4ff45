"""Which silo owns each relocatable model: the one list both silos and the importer agree on.

A silo refuses to start if one of its relocatable models is missing here or listed under the
other silo (see ``shared.backup.orm.registry.build_registry``), so the list cannot drift.
"""

from __future__ import annotations

from shared.backup.descriptors import Silo
from shared.backup.model_names import ModelName

MODEL_SILOS: dict[ModelName, Silo] = {
    ModelName(name): silo
    for silo, names in (
        (
            Silo.CONTROL,
            (
                "sentry.user",
                "sentry.email",
                "sentry.useremail",
                "sentry.userpermission",
                "sentry.userrole",
                "sentry.userroleuser",
                "sentry.controloption",
            ),
        ),
        (
            Silo.REGION,
            (
                "sentry.organization",
                "sentry.organizationmember",
                "sentry.organizationmemberteam",
                "sentry.team",
                "sentry.project",
                "sentry.projectteam",
                "sentry.projectkey",
                "sentry.projectoption",
                "sentry.option",
            ),
        ),
    )
    for name in names
}

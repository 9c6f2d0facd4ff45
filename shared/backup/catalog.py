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
                "sentry.userip",
                "sentry.useroption",
                "sentry.userpermission",
                "sentry.userrole",
                "sentry.userroleuser",
                "sentry.authenticator",
                "sentry.controloption",
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
            ),
        ),
        (
            Silo.REGION,
            (
                "sentry.organization",
                "sentry.organizationmember",
                "sentry.organizationmemberteam",
                "sentry.organizationoption",
                "sentry.team",
                "sentry.projecttemplate",
                "sentry.projecttemplateoption",
                "sentry.project",
                "sentry.projectteam",
                "sentry.projectkey",
                "sentry.projectoption",
                "sentry.environment",
                "sentry.environmentproject",
                "sentry.rule",
                "sentry.option",
                "sentry.relay",
                "sentry.relayusage",
                "sentry.release",
                "sentry.releaseproject",
                "sentry.releaseenvironment",
                "sentry.releaseprojectenvironment",
                # An extension of Sentry's format, exported only with --include-events.
                "sentry.event",
            ),
        ),
        # Alert rules, their triggers and actions, incidents, snoozes (issue #13).
        (
            Silo.REGION,
            (
                "sentry.snubaquery",
                "sentry.snubaqueryeventtype",
                "sentry.querysubscription",
                "sentry.alertrule",
                "sentry.alertruleprojects",
                "sentry.alertruletrigger",
                "sentry.alertruletriggeraction",
                "sentry.alertruleactivity",
                "sentry.alertruleactivationcondition",
                "sentry.rulesnooze",
                "sentry.ruleactivity",
                "sentry.neglectedrule",
                "sentry.notificationaction",
                "sentry.notificationactionproject",
                "sentry.incident",
                "sentry.incidentactivity",
                "sentry.incidenttrigger",
                "sentry.timeseriessnapshot",
                "sentry.incidentsnapshot",
                "sentry.pendingincidentsnapshot",
            ),
        ),
        # The workflow engine: detectors, workflows, data sources and conditions (issue #13).
        (
            Silo.REGION,
            (
                "workflow_engine.dataconditiongroup",
                "workflow_engine.datasource",
                "workflow_engine.datacondition",
                "workflow_engine.workflow",
                "workflow_engine.detector",
                "workflow_engine.datasourcedetector",
                "workflow_engine.workflowdataconditiongroup",
                "workflow_engine.detectorworkflow",
                "workflow_engine.alertruleworkflow",
                "workflow_engine.alertruledetector",
                "workflow_engine.alertruletriggerdatacondition",
                "workflow_engine.workflowgroupstatus",
            ),
        ),
        # Dashboards, monitors, searches, repositories, project extras, service hooks (issue #13).
        (
            Silo.REGION,
            (
                "sentry.dashboardtombstone",
                "sentry.dashboard",
                "sentry.dashboardwidget",
                "sentry.dashboardpermissions",
                "sentry.dashboardfavoriteuser",
                "sentry.dashboardwidgetquery",
                "sentry.dashboardpermissionsteam",
                "sentry.dashboardwidgetqueryondemand",
                "sentry.monitor",
                "sentry.savedsearch",
                "sentry.recentsearch",
                "sentry.groupsearchview",
                "sentry.organizationaccessrequest",
                "sentry.datasecrecywaiver",
                "sentry.customdynamicsamplingrule",
                "sentry.customdynamicsamplingruleproject",
                "sentry.counter",
                "sentry.repository",
                "sentry.projectredirect",
                "sentry.projectownership",
                "sentry.projectintegration",
                "sentry.projectbookmark",
                "sentry.servicehook",
            ),
        ),
    )
    for name in names
}

# Models exports leave out unless asked (``export --include-events``); imports take them when
# the file has them. Events are not part of Sentry's relocation; this project adds them opt-in.
OPT_IN_MODELS: frozenset[ModelName] = frozenset({ModelName("sentry.event")})

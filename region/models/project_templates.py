"""Region-silo project templates: named sets of project options an organization applies to
new projects (``sentry.projecttemplate``, ``sentry.projecttemplateoption``).

Both take the base behaviour (no upsert, unlike project options): references remapped, pk
reassigned, a clash on a unique set refused by the database.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from typing_extensions import override

from region.models.core import Organization
from shared.backup.declarations import Relocation
from shared.backup.orm.fields import JsonValueField
from shared.backup.scopes import RelocationScope


class ProjectTemplate(models.Model):
    """A named template of project options (``sentry.projecttemplate``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.projecttemplate",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    date_updated = models.DateTimeField(default=timezone.now)
    date_added = models.DateTimeField(null=True, default=timezone.now)
    name = models.CharField(max_length=200)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)

    class Meta:
        db_table = "sentry_projecttemplate"
        constraints = (
            models.UniqueConstraint(
                fields=("name", "organization"), name="unique_projecttemplate_name_per_org"
            ),
        )

    @override
    def __str__(self) -> str:
        return f"{self.name}"


class ProjectTemplateOption(models.Model):
    """One project option of a template (``sentry.projecttemplateoption``)."""

    relocation: ClassVar[Relocation] = Relocation(
        name="sentry.projecttemplateoption",
        scopes=frozenset({RelocationScope.ORGANIZATION}),
    )

    project_template = models.ForeignKey(
        ProjectTemplate, on_delete=models.CASCADE, related_name="options"
    )
    key = models.CharField(max_length=64)
    value = JsonValueField(null=True)

    class Meta:
        db_table = "sentry_projecttemplateoption"
        unique_together = (("project_template", "key"),)

    @override
    def __str__(self) -> str:
        return f"{self.key} (template {self.project_template_id})"

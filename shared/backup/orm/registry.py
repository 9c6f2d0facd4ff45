"""Read relocation declarations and Django field metadata into ModelDescriptors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models

from shared.backup.catalog import MODEL_SILOS
from shared.backup.declarations import Collision, OnCollision, Relocation
from shared.backup.descriptors import (
    FieldKind,
    FieldSchema,
    ForeignKey,
    ModelDescriptor,
    Silo,
    UniqueSet,
)
from shared.backup.errors import ModelNotInSiloError, UnknownModelError
from shared.backup.model_names import ModelName
from shared.backup.orm.fields import CrossSiloRef
from shared.backup.scopes import RelocationScope


@dataclass(frozen=True, slots=True)
class RelocatableModel:
    """A Django model together with its declaration and derived descriptor."""

    model: type[models.Model]
    declaration: Relocation
    descriptor: ModelDescriptor

    def policy(self, unique: UniqueSet) -> OnCollision:
        """The collision policy of one unique set (ERROR when undeclared)."""
        for declared in self.declaration.collisions:
            if set(declared.fields) == set(unique.fields):
                return declared
        return OnCollision(fields=unique.fields, action=Collision.ERROR)


@dataclass(frozen=True, slots=True)
class SiloRegistry:
    """Every relocatable model one silo owns, plus its excluded bookkeeping models."""

    silo: Silo
    models: dict[ModelName, RelocatableModel]
    all_names: frozenset[ModelName]
    """Relocatable names of every silo known to this process (for MODEL_NOT_IN_SILO)."""

    def get(self, name: str) -> RelocatableModel:
        """The model named ``name``; typed errors for unknown or foreign models."""
        try:
            key = ModelName(name)
        except ValueError:
            raise UnknownModelError(name) from None
        found = self.models.get(key)
        if found is not None:
            return found
        if key in self.all_names:
            raise ModelNotInSiloError(key, self.silo)
        raise UnknownModelError(key)

    def descriptors(self) -> list[ModelDescriptor]:
        """Descriptors of this silo's relocatable models."""
        return [m.descriptor for m in self.models.values()]


def declaration_of(model: type[models.Model]) -> Relocation | None:
    """The model's ``relocation`` declaration, if it has one."""
    value = getattr(model, "relocation", None)
    return value if isinstance(value, Relocation) else None


def silo_models(app_label: str) -> list[type[models.Model]]:
    """Every model of the silo's app and of its sub-apps (``region`` and ``region.events``)."""
    return [
        model
        for config in apps.get_app_configs()
        if config.name == app_label or config.name.startswith(f"{app_label}.")
        for model in config.get_models()
    ]


def build_registry(app_label: str, silo: Silo) -> SiloRegistry:
    """Collect the relocatable models of one installed app, checked against the catalog.

    Raises TypeError when a model's catalog entry is missing or names another silo, so a silo
    never starts with a model the importer would route elsewhere.
    """
    found: dict[ModelName, RelocatableModel] = {}
    for model in silo_models(app_label):
        declaration = declaration_of(model)
        if declaration is None or RelocationScope.EXCLUDED in declaration.scopes:
            continue
        descriptor = describe(model, declaration, silo)
        if MODEL_SILOS.get(descriptor.name) is not silo:
            raise TypeError(f"{descriptor.name} must be listed under {silo} in MODEL_SILOS")
        found[descriptor.name] = RelocatableModel(model, declaration, descriptor)
    missing = sorted(n for n, s in MODEL_SILOS.items() if s is silo and n not in found)
    if missing:
        raise TypeError(f"MODEL_SILOS lists models the {silo} silo does not declare: {missing}")
    return SiloRegistry(silo=silo, models=found, all_names=frozenset(MODEL_SILOS))


def describe(model: type[models.Model], declaration: Relocation, silo: Silo) -> ModelDescriptor:
    """Derive one model's descriptor from its fields and declaration."""
    fields: list[str] = []
    fks: list[ForeignKey] = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        fields.append(field.name)
        if isinstance(field, models.ForeignKey):
            target = declaration_of(field.related_model)
            if target is None:
                raise TypeError(f"{model.__name__}.{field.name} points at an undeclared model")
            fks.append(ForeignKey(field.name, ModelName(target.name), nullable=field.null))
        elif isinstance(field, CrossSiloRef):
            fks.append(
                ForeignKey(
                    field.name,
                    ModelName(field.relocation_target),
                    nullable=field.null,
                    null_when_missing=field.null_when_missing,
                )
            )
    return ModelDescriptor(
        name=ModelName(declaration.name),
        silo=silo,
        scopes=declaration.scopes,
        foreign_keys=tuple(fks),
        unique_sets=tuple(unique_sets(model)),
        relocation_dependencies=tuple(ModelName(d) for d in declaration.dependencies),
        fields=tuple(fields),
        field_schemas=tuple(
            field_schema(f) for f in model._meta.concrete_fields if not f.primary_key
        ),
    )


_KINDS: tuple[tuple[type[models.Field[Any, Any]], FieldKind], ...] = (
    (models.GenericIPAddressField, FieldKind.IP_ADDRESS),
    (models.ForeignKey, FieldKind.REFERENCE),
    (CrossSiloRef, FieldKind.REFERENCE),
    (models.BooleanField, FieldKind.BOOLEAN),
    (models.DateTimeField, FieldKind.DATETIME),
    (models.JSONField, FieldKind.JSON),
    (models.FloatField, FieldKind.FLOAT),
    (models.IntegerField, FieldKind.INTEGER),
    (models.CharField, FieldKind.STRING),
    (models.TextField, FieldKind.STRING),
    (models.GenericIPAddressField, FieldKind.STRING),
)


def field_schema(f: models.Field[Any, Any]) -> FieldSchema:
    """The JSON shape, nullability and requiredness of one model field."""
    kind = next((k for cls, k in _KINDS if isinstance(f, cls)), FieldKind.JSON)
    blank_text = kind is FieldKind.STRING and f.blank
    return FieldSchema(
        name=f.name,
        kind=kind,
        nullable=f.null,
        required=not f.has_default() and not f.null and not blank_text,
        max_length=getattr(f, "max_length", None) if kind is FieldKind.STRING else None,
    )


def unique_sets(model: type[models.Model]) -> list[UniqueSet]:
    """Single unique fields, ``unique_together`` and UniqueConstraints, by field name."""
    sets: list[tuple[str, ...]] = []
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key:
            sets.append((field.name,))
    for together in model._meta.unique_together:
        sets.append(tuple(together))
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            sets.append(tuple(constraint.fields))
    seen: list[UniqueSet] = []
    for fields in sets:
        unique = UniqueSet(tuple(sorted(fields)))
        if unique not in seen:
            seen.append(unique)
    return seen

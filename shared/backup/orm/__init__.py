"""The only Django-aware part of the engine: model declarations read from the app registry,
field (de)serialization and the set-based batch writer."""

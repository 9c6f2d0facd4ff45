"""Settings for django-stubs only: both silos installed so mypy sees every model.

Never used to run code; each silo process has its own settings module.
"""

SECRET_KEY = "typecheck-only-not-a-secret"  # noqa: S105
INSTALLED_APPS = [
    "region.apps.RegionConfig",
    "region.events.apps.EventsConfig",
    "control.apps.ControlConfig",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# Settings the composition roots read; each silo's own settings module sets its real value.
RELOCATE_SILO = "region"
RELOCATE_REGION_NAME = "default"
RELOCATE_CONTROL_ADDR = ""
RELOCATE_REGIONS: dict[str, str] = {}

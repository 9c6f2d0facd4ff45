"""Region-silo models, one module per subject; importing the package registers them all.

New subjects go in their own module here, re-exported below, so that
``from region.models import X`` keeps working and Django sees every model of the app.
"""

from region.models.alerting import *  # noqa: F403
from region.models.core import *  # noqa: F403
from region.models.dashboards import *  # noqa: F403
from region.models.incidents import *  # noqa: F403
from region.models.project_extras import *  # noqa: F403
from region.models.project_templates import *  # noqa: F403
from region.models.workflows import *  # noqa: F403

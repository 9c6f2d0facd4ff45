"""Control-silo models, one module per subject; importing the package registers them all.

New subjects go in their own module here, re-exported below, so that
``from control.models import X`` keeps working and Django sees every model of the app.
"""

from control.models.apps import *  # noqa: F403
from control.models.auth_providers import *  # noqa: F403
from control.models.core import *  # noqa: F403
from control.models.lost_passwords import *  # noqa: F403
from control.models.oauth import *  # noqa: F403

"""Settings for `make bench`: the project's own settings plus the bench app and its floor view.

The floor view lives here, not in the project, so it runs in the same gunicorn process,
with the same middleware and database settings as the pages it is compared with.
Everything else (DEBUG off, PRODUCTION checks, Redis cache) comes from the environment
that bench/run.py sets, exactly as on a server.
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"

"""Settings for `make bench`: the project's own settings plus the bench app and its floor views.

The floor views live here, not in the project, so they run in the same gunicorn process,
with the same middleware and database settings as the pages they are compared with.
Everything else (DEBUG off, PRODUCTION checks, Redis cache and broker) comes from the
environment that bench/run.py sets, exactly as on a server.
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
# The sign runs enqueue a mail task per signature and no worker takes them: a queue of the
# bench's own, so bench/run.py counts and purges exactly those and nothing else in that Redis db.
CELERY_TASK_DEFAULT_QUEUE = "bench-outbox"

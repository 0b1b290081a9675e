"""gunicorn settings for every deployment (deploy/Procfile, deploy/systemd) and `make bench`.

    gunicorn -c config/gunicorn.conf.py --bind 127.0.0.1:8000 --workers 2 --threads 4

Options given on the command line win over these; what depends on the machine (address,
workers, threads, worker recycling) is left to the command line.
"""

import gc

wsgi_app = "config.wsgi:application"
worker_class = "gthread"
# Load Django once in the master, then fork: workers start identical and fast, and share
# the loaded code's memory pages.
preload_app = True


def pre_fork(server, worker):
    """Move everything the master loaded out of the garbage collector's sight, in every child.

    Django, the apps and the URL conf are ~150,000 objects that live as long as the process.
    Unfrozen, each full collection in a worker walks all of them (tens of milliseconds, seen
    as p99 spikes), and touching their reference counts copies the shared pages into each
    worker. Frozen (gc.freeze, as the gc docs advise before fork), collections only see what
    requests allocated. Objects the master creates later are frozen before the next fork.
    """
    gc.freeze()

"""gunicorn's settings file, read from the working directory by every `gunicorn` start (the
Procfile's, the Docker image's, docker-compose.yml's).

Metrics (casino/metrics.py) are counted per process into files of one folder, named by host
and process id, which a scrape of any worker adds up. The folder must be known before a worker
imports the app, and this host's files of an earlier run must go: they would be counted again.
"""

import os
import socket
from pathlib import Path

_folder = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path(__file__).parent / "var" / "prometheus")))
_host = socket.gethostname().replace("_", "-")  # as casino/metrics.py names its files


def on_starting(server):
    _folder.mkdir(parents=True, exist_ok=True)
    # Only this host's: a Celery worker in another container may share the folder (docker-compose.yml).
    for stale in _folder.glob(f"*_{_host}-*.db"):
        stale.unlink(missing_ok=True)


def child_exit(server, worker):
    # A dead worker's counters stay (they were counted); only its live gauges, if any, go.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(f"{_host}-{worker.pid}")

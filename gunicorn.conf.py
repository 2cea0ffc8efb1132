"""gunicorn's settings file, read from the working directory by every `gunicorn` start (the
Procfile's, the Docker image's, docker-compose.yml's, `make bench`'s; docs/deploy.md).

Threaded workers with HTTP keep-alive: aggregators keep their connections open and send the next
call on the same one. Sync workers close the connection after every answer, so each call paid a
TCP connect and accept (in `make bench`, 1.05 connections opened per request against 0.003 with
these settings, and about 0.4 ms less CPU per request in the client, 0.15 ms in the server over
many players: docs/benchmarks.md, "Speed per core").

Metrics (casino/metrics.py) are counted per process into files of one folder, named by host
and process id, which a scrape of any worker adds up. The folder must be known before a worker
imports the app, and this host's files of an earlier run must go: they would be counted again.
"""

import os
import socket
from pathlib import Path

worker_class = "gthread"
# cores + 1 processes, a few threads each: a thread waits on PostgreSQL most of a call's time.
workers = int(os.environ.get("WEB_WORKERS", str((os.cpu_count() or 1) + 1)))
threads = int(os.environ.get("WEB_THREADS", "4"))
# Longer than a load balancer's idle timeout in front of us (AWS ALB: 60 s), so that the balancer,
# not gunicorn, closes an idle connection: no request is sent on a connection closing under it.
keepalive = int(os.environ.get("WEB_KEEPALIVE_SECONDS", "75"))

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

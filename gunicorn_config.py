"""How the web server runs in production (Procfile, Dockerfile, docker-compose.yml and `make bench`
all start gunicorn with `-c gunicorn_config.py`; docs/deploy.md).

Threaded workers with HTTP keep-alive: aggregators keep their connections open and send the next
call on the same one. Sync workers close the connection after every answer, so each call paid a
TCP connect and accept (in `make bench`, 1.05 connections opened per request against 0.003 here,
and about 0.4 ms less CPU per request in the client and 0.15 ms in the server; docs/benchmarks.md).
Not named gunicorn.conf.py, which gunicorn would load by itself wherever it starts in this folder
(the reliability tests start their own).
"""

import os

worker_class = "gthread"
# cores + 1 processes, a few threads each: a thread waits on PostgreSQL most of a call's time.
workers = int(os.environ.get("WEB_WORKERS", str((os.cpu_count() or 1) + 1)))
threads = int(os.environ.get("WEB_THREADS", "4"))
# Longer than a load balancer's idle timeout in front of us (AWS ALB 60 s), so that the balancer,
# not gunicorn, closes an idle connection: no request lost on a connection closed under it.
keepalive = int(os.environ.get("WEB_KEEPALIVE_SECONDS", "75"))

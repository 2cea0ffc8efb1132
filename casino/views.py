"""Operability endpoints: liveness, readiness, metrics; and the two small pages every browser
asks for (`/`, `/favicon.ico`)."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from casino.signing import secret_matches

logger = logging.getLogger(__name__)

# Once this process saw every migration applied, it does not look again: migrations are not
# unapplied under a running server, and reading them costs a probe ~50 ms.
_migrated = False


def health(request):
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


def ready(request):
    """Readiness: the database answers and is migrated; Redis and the Celery broker answer
    where they are configured. 503 with the list of what failed.

    The probe is unauthenticated: callers learn which dependency failed and a one-word reason;
    the log gets the driver's message (host, port, role)."""
    failed = []
    for check in (_database, _redis, _broker):
        problem = check()
        if problem is not None:
            failed.append(problem)
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed}, status=503)
    return JsonResponse({"status": "ok"})


def _database() -> dict | None:
    global _migrated
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrated:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if pending:
                logger.error("readiness: %d migrations not applied, first %s", len(pending), pending[0][0])
                return {"check": "database", "problem": "not migrated"}
            _migrated = True
    except Exception:  # any failure means "not ready"
        logger.exception("readiness: database unreachable")
        return {"check": "database", "problem": "unreachable"}
    return None


def _redis() -> dict | None:
    if not settings.REDIS_URL:
        return None  # optional: the cache is a folder and callbacks work without it
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
        client.ping()
    except redis.RedisError:
        logger.exception("readiness: Redis unreachable")
        return {"check": "redis", "problem": "unreachable"}
    return None


def _broker() -> dict | None:
    from casino.celery import app

    url = app.conf.broker_url or ""
    if url.startswith("filesystem://"):
        folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
        if folder.is_dir():
            return None
        logger.error("readiness: the broker folder %s is missing", folder)
        return {"check": "broker", "problem": "unreachable"}
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0, timeout=1)
    except Exception:  # kombu raises the transport's own errors: any of them means unreachable
        logger.exception("readiness: Celery broker unreachable")
        return {"check": "broker", "problem": "unreachable"}
    return None


def metrics(request):
    """Prometheus exposition (casino/metrics.py), for the configured networks or the token."""
    if not _may_scrape(request):
        return JsonResponse({"status": "ERROR", "code": "FORBIDDEN", "message": "not an allowed scraper"}, status=403)
    from prometheus_client import CONTENT_TYPE_LATEST

    from casino.metrics import exposition

    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def _may_scrape(request) -> bool:
    header = request.headers.get("Authorization", "")
    if settings.METRICS_TOKEN and header.startswith("Bearer "):
        return secret_matches(header.removeprefix("Bearer "), settings.METRICS_TOKEN)
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    for network in settings.METRICS_ALLOWED_NETWORKS:
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            logger.error("METRICS_ALLOWED_NETWORKS: %r is not a network", network)
    return False


def home(request):
    """`/` (and the admin's "View site"): the back-office is the admin."""
    return HttpResponseRedirect(reverse("admin:index"))


def favicon(request):
    path = finders.find("casino/favicon.svg")
    if not isinstance(path, str):
        raise Http404("no favicon")
    return FileResponse(open(path, "rb"), content_type="image/svg+xml")  # noqa: SIM115 (FileResponse closes it)

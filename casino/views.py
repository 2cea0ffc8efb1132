"""Operability endpoints: liveness and readiness."""

import logging

from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def health(request):
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


def ready(request):
    """Readiness: the database answers (Redis is optional: callbacks work without it).

    The probe is unauthenticated: the caller learns only that the database is unreachable,
    the log gets the driver's message (host, port, role)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure means "not ready"
        logger.exception("readiness: database unreachable")
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})

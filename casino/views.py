"""Operability endpoints: liveness and readiness."""

from django.db import connection
from django.http import JsonResponse


def health(request):
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


def ready(request):
    """Readiness: the database answers (Redis is optional: callbacks work without it)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return JsonResponse({"status": "unavailable", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok"})

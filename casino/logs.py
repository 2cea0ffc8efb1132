"""Request ids and traces in every log line, carried from a request into the Celery tasks it
queues.

- `RequestContextMiddleware` gives each request an id: the caller's `X-Request-ID` when it is a
  sane token, else a new one; it is echoed in the answer's `X-Request-ID`. A W3C `traceparent`
  the caller sent gives the request its trace id (its 32 hex digits).
- `ContextFilter` writes `request_id` and `trace_id` onto every log record (blank outside a
  request or task), so both the JSON lines of production and the console lines of `make run`
  carry them.
- A task queued during a request carries both in its message headers (`before_task_publish`),
  and the worker restores them for the task's own log lines (`task_prerun`); its outcome is
  counted for /metrics (casino/metrics.py).

Never a secret in a log line: the money-call line (wallet/api/observe.py) names the call, not
its session token or signature, and this module logs no header but the two above.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
trace_id_var: ContextVar[str] = ContextVar("trace_id", default="")

# A request id we repeat in logs and answers: short, and nothing that could forge a log line.
_SANE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
# version "00"-trace id (32 hex, not all zero)-parent id (16 hex)-flags (2 hex): W3C Trace Context.
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-(?P<trace>[0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")

HEADER_REQUEST_ID = "casino_request_id"
HEADER_TRACE_ID = "casino_trace_id"


def trace_id_from(traceparent: str) -> str:
    """The trace id of a well-formed W3C traceparent, else ""."""
    match = _TRACEPARENT.match(traceparent.strip().lower())
    if not match or match["trace"] == "0" * 32:
        return ""
    return match["trace"]


def request_id_from(header: str) -> str:
    return header if _SANE_ID.match(header) else uuid.uuid4().hex


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get("X-Request-ID", ""))
        trace_id = trace_id_from(request.headers.get("traceparent", ""))
        request.request_id = request_id
        request_token, trace_token = request_id_var.set(request_id), trace_id_var.set(trace_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(request_token)
            trace_id_var.reset(trace_token)
        response["X-Request-ID"] = request_id
        return response


class ContextFilter(logging.Filter):
    """Adds request_id and trace_id to every record (used by both formatters in settings)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.trace_id = trace_id_var.get()
        return True


# --- Celery: the ids travel with the task; outcomes are counted --------------------------------


def connect_celery_signals() -> None:
    """Wire the signal handlers (casino/celery.py calls this once)."""
    from celery import signals

    signals.before_task_publish.connect(_add_context_headers, weak=False)
    signals.task_prerun.connect(_restore_context, weak=False)
    signals.task_postrun.connect(_clear_context, weak=False)
    signals.task_success.connect(_count_success, weak=False)
    signals.task_failure.connect(_count_failure, weak=False)
    signals.task_retry.connect(_count_retry, weak=False)


def _add_context_headers(headers=None, **_):
    if headers is None:
        return
    if request_id_var.get():
        headers[HEADER_REQUEST_ID] = request_id_var.get()
    if trace_id_var.get():
        headers[HEADER_TRACE_ID] = trace_id_var.get()


def _restore_context(task=None, **_):
    request = getattr(task, "request", None)
    # Celery puts a message's own headers on the task's request as attributes (some versions
    # under `request.headers` instead); eager runs have none.
    nested = getattr(request, "headers", None) or {}
    request_id_var.set(getattr(request, HEADER_REQUEST_ID, None) or nested.get(HEADER_REQUEST_ID) or "")
    trace_id_var.set(getattr(request, HEADER_TRACE_ID, None) or nested.get(HEADER_TRACE_ID) or "")


def _clear_context(**_):
    request_id_var.set("")
    trace_id_var.set("")


def _count(task_name: str, outcome: str) -> None:
    from casino.metrics import CELERY_TASKS

    CELERY_TASKS.labels(task=task_name or "unknown", outcome=outcome).inc()


def _count_success(sender=None, **_):
    _count(getattr(sender, "name", ""), "succeeded")


def _count_failure(sender=None, **_):
    _count(getattr(sender, "name", ""), "failed")


def _count_retry(sender=None, **_):
    _count(getattr(sender, "name", ""), "retried")

"""Reads that may be served by a read replica: admin lists, reports and exports; never the money
path.

A replica lags the primary by up to a few seconds, and a money call must read what the previous
holder of the wallet lock committed, so nothing is routed to the replica by default: code asks
for it around reads that tolerate that lag, with `reads_from_replica()`. Admin list pages
(GET of a model's changelist) get it from ReplicaListsMiddleware; reports and exports wrap
their reads in the same context manager.

The `replica` alias is DATABASE_REPLICA_URL (settings.DATABASE_REPLICA: one is set). Without
one, the context changes nothing: reads stay on the primary's connection, with no second
connection to the same server. Writes always go to the primary, even inside the context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

REPLICA = "replica"

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


@contextmanager
def reads_from_replica() -> Iterator[None]:
    """ORM reads inside go to the replica (queries that name a database with .using() keep it)."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads to the replica only inside reads_from_replica()."""

    def db_for_read(self, model, **hints) -> str | None:
        return REPLICA if _reading_from_replica.get() and settings.DATABASE_REPLICA else None

    def db_for_write(self, model, **hints) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # One database, two doors: an object read from the replica may be related to one from the
        # primary (the admin's list shows rows whose foreign keys it then follows).
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaListsMiddleware:
    """The admin's list pages (GET of a changelist) read from the replica: the busiest back-office
    reads, over the biggest tables, and a list a second old is still the list."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and request.path_info.startswith("/admin/") and _is_changelist(request.path_info):
            with reads_from_replica():
                return self.get_response(request)
        return self.get_response(request)


def _is_changelist(path: str) -> bool:
    try:
        name = resolve(path).url_name or ""
    except Resolver404:
        return False
    return name.endswith("_changelist")

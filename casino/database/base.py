"""PostgreSQL as Django's backend runs it, with one change: the connection health check.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first query of every request on a
persistent connection: a round trip of its own on every wallet callback, before the wallet lock
(18.5 % of the web workers' sampled time on pure bets, docs/benchmarks.md). Here a connection that
answered less than DB_HEALTH_CHECK_SECONDS ago (a new one, or a check) is trusted without asking
again; one idle for longer is checked as Django does. A connection psycopg saw break is never
trusted, and after an error other than a data or integrity error Django still checks it (is_usable)
before the next request.

What this gives up: a PostgreSQL that goes away within that second is found by the next
statement instead of the check. That statement fails as any statement does when the server
goes away mid-request (a wallet callback answers 503 RETRY, nothing is half written: the money
path is one transaction), the broken connection is closed at the end of the request, and the
next request opens a new one.
"""

import time

from django.conf import settings
from django.db.backends.postgresql import base as postgresql


class DatabaseWrapper(postgresql.DatabaseWrapper):
    # When this connection last answered: opened, or passed a check (time.monotonic()).
    answered_at = float("-inf")

    def connect(self):
        super().connect()
        self.answered_at = time.monotonic()

    def is_usable(self):
        usable = super().is_usable()
        if usable:
            self.answered_at = time.monotonic()
        return usable

    def close_if_health_check_failed(self):
        recently = time.monotonic() - self.answered_at < settings.DB_HEALTH_CHECK_SECONDS
        alive = self.connection is not None and not self.connection.closed and not self.connection.broken
        if recently and alive:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

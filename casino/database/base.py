"""PostgreSQL as Django's backend runs it, with two changes: the connection health check, and a
transaction's last statement sent with its COMMIT.

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

The last statement with the COMMIT (commit_with): a money call's one write is the last statement of
its transaction, and its answer is not needed before the commit. Sent on its own, then COMMIT, it
costs two round trips while the wallet row is locked; sent together (psycopg's pipeline mode: the
statement, COMMIT and a sync in one message), one. Every money call of one player waits for that
lock, so a hot player's calls gain the round trip each (docs/benchmarks.md, "The COMMIT with the
write"). Django still runs the transaction: atomic() commits or rolls back as always, and a
statement that fails raises from the commit, as a deferred constraint does.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.db.backends.postgresql import base as postgresql
from django.db.backends.utils import debug_transaction  # type: ignore[attr-defined]  # not in django-stubs
from django.db.transaction import TransactionManagementError


class DatabaseWrapper(postgresql.DatabaseWrapper):
    # When this connection last answered: opened, or passed a check (time.monotonic()).
    answered_at = float("-inf")
    # Sends the transaction's last statement at commit (commit_with), or None.
    _send_with_commit: Callable[[], None] | None = None

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

    def can_commit_with(self) -> bool:
        """Whether commit_with() may be used now: in the outermost atomic block, with no savepoint
        (not in a test case's transaction around the block) and nothing registered yet."""
        return self.in_atomic_block and not self.savepoint_ids and self._send_with_commit is None

    def commit_with(self, send: Callable[[], None]) -> None:
        """Have `send` (which executes the transaction's last statement on this connection,
        without reading its result) run when the transaction commits, in one round trip with the
        COMMIT. Its result is read after the commit; if the transaction rolls back instead, it
        never runs."""
        if not self.can_commit_with():
            raise TransactionManagementError("commit_with() needs an outermost atomic block, once, without savepoints")
        self._send_with_commit = send

    def _commit(self):
        send, self._send_with_commit = self._send_with_commit, None
        if send is None or self.connection is None:
            return super()._commit()  # type: ignore[misc]  # Django's own, not in django-stubs
        # Errors of the statement arrive with the COMMIT's: wrapped as Django wraps the commit's.
        with debug_transaction(self, "COMMIT"), self.wrap_database_errors, self.connection.pipeline():
            send()
            self.connection.commit()

    def _rollback(self):
        self._send_with_commit = None
        return super()._rollback()  # type: ignore[misc]

    def _close(self):
        self._send_with_commit = None
        return super()._close()  # type: ignore[misc]

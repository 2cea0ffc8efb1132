"""`make test`'s database and Redis: pick them, then run the given command with them.

    python scripts/test_services.py COMMAND [ARG...]

PostgreSQL, first that applies: TEST_DATABASE_URL when set; else the PostgreSQL answering on
127.0.0.1:5432 (user postgres, database casino); else an embedded PostgreSQL with its data in
var/postgres-test (scripts/local_db.py), stopped when the command ends.

Redis: TEST_REDIS_URL (default redis://127.0.0.1:6379/15) when it answers PING. Where none
answers, REDIS_URL is left empty: the tests run with a file cache of their own (var/cache-test)
and a Celery queue folder of their own (var/celery-broker-test, never `make run`'s), and the tests that need Redis
itself are skipped, or fail under CI=true (tests/conftest.py, `redis_url`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/casino"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


def main(command: list[str]) -> int:
    if not command:
        raise SystemExit(__doc__)
    embedded = None
    database_url = os.environ.get("TEST_DATABASE_URL") or (LOCAL_POSTGRES if answers("127.0.0.1", 5432) else "")
    if not database_url:
        from local_db import EmbeddedPostgres

        embedded = EmbeddedPostgres(ROOT / "var" / "postgres-test")
        database_url = embedded.url
    redis_url = os.environ.get("TEST_REDIS_URL") or DEFAULT_REDIS
    if not redis_answers(redis_url):
        print(f"Redis: none answers at {redis_url}: the local file cache is used.", flush=True)
        redis_url = ""
    print(f"Database: {'embedded PostgreSQL (var/postgres-test)' if embedded else database_url}", flush=True)
    try:
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
        if not redis_url:
            # Without Redis, `make run` keeps its queue and cache in var/: the tests must not
            # leave messages for its worker there (a task naming a test database's row) nor
            # read its cache, so they queue and cache in folders of their own.
            env.setdefault("LOCAL_BROKER_DIR", str(ROOT / "var" / "celery-broker-test"))
            env.setdefault("LOCAL_CACHE_DIR", str(ROOT / "var" / "cache-test"))
        return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode  # noqa: S603
    except KeyboardInterrupt:
        return 130
    finally:
        if embedded:
            embedded.stop()


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""PgBouncer in transaction pooling for `make bench`'s "bets spread pgbouncer" scenario.

Getting it: Debian/Ubuntu `apt-get install pgbouncer` (1.18 on Debian 12), macOS `brew install
pgbouncer`; the scenario is skipped when no `pgbouncer` is on the PATH. PgBouncer before 1.21
does not keep prepared statements across transactions, so the server runs with
DB_PREPARE_THRESHOLD=0 behind it (1.21+: `max_prepared_statements`, docs/scaling.md).

Session settings do not survive transaction pooling: the `options` startup parameter our
settings send (lock_timeout) is ignored by the pooler, and set instead on each server connection
it opens (`connect_query`), so every transaction still has the 2 s lock timeout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path


def available() -> bool:
    return shutil.which("pgbouncer") is not None


def start(*, folder: Path, port: int, database: str, pg_host: str, pg_port: int, pool_size: int) -> subprocess.Popen:
    """A pgbouncer on 127.0.0.1:`port` in front of `database`, with `pool_size` server connections."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "users.txt").write_text('"postgres" ""\n')
    connect = f"SET lock_timeout = {os.environ.get('DB_LOCK_TIMEOUT_MS', '2000')}"
    (folder / "pgbouncer.ini").write_text(
        f"""[databases]
{database} = host={pg_host} port={pg_port} dbname={database} user=postgres connect_query='{connect}'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
auth_type = trust
auth_file = {folder / "users.txt"}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 1000
ignore_startup_parameters = options,extra_float_digits
logfile = {folder / "pgbouncer.log"}
pidfile = {folder / "pgbouncer.pid"}
"""
    )
    command = ["pgbouncer", str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        shutil.chown(folder, user="postgres")
        for name in ("users.txt", "pgbouncer.ini"):
            shutil.chown(folder / name, user="postgres")
        command = ["runuser", "-u", "postgres", "--", *command]
    pooler = subprocess.Popen(command, start_new_session=True)  # noqa: S603 - our argv
    deadline = time.monotonic() + 10
    import socket

    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return pooler
        except OSError:
            time.sleep(0.2)
    stop(pooler)
    raise SystemExit(f"pgbouncer did not listen on {port} within 10 s: see {folder / 'pgbouncer.log'}")


def stop(pooler: subprocess.Popen) -> None:
    if pooler.poll() is None:
        os.killpg(pooler.pid, 15)
        try:
            pooler.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(pooler.pid, 9)
            pooler.wait()

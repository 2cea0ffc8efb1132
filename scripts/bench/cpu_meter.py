"""The CPU a `make bench` scenario cost, by part of the machine (scripts/bench/run.py)."""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from pathlib import Path


class CpuMeter:
    """CPU time used by the server (gunicorn's process group), the database (`postgres`
    processes: the backends of `database` and the shared background ones, the WAL writer, the
    checkpointer, and the bench's pgbouncer when it runs; not the backends of other databases,
    which other jobs on a shared machine use), the load generator (this process's finished
    children: locust) and the rest of the machine (/proc/stat's busy time less those three).
    A thread samples the processes twice a second and adds up each one's growth, so a database
    backend that ends (persistent connections are renewed every DB_CONN_MAX_AGE) loses at most
    half a second."""

    def __init__(self, server: subprocess.Popen, database: str):
        self.server_group = server.pid
        self.database = database
        self.postgres: dict[int, bool] = {}  # pid -> counted (a backend of ours, or a shared process)
        self.seen: dict[int, tuple[str, int]] = {}  # pid -> (part, ticks at the last sample)
        self.ticks = {"server": 0, "database": 0}
        self.lock = threading.Lock()
        threading.Thread(target=self._sample_forever, daemon=True).start()

    def _sample_forever(self) -> None:
        while True:
            self._sample()
            time.sleep(0.5)

    def _sample(self) -> None:
        with self.lock:
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    text = stat.read_text()
                except OSError:
                    continue  # the process ended meanwhile
                pid, comm = int(stat.parent.name), text[text.index("(") + 1 : text.rindex(")")]
                fields = text.rsplit(")", 1)[1].split()
                if int(fields[2]) == self.server_group:  # pgrp
                    part = "server"
                elif comm == "pgbouncer" or comm == "postgres" and self._ours(pid):
                    part = "database"
                else:
                    continue
                ticks = int(fields[11]) + int(fields[12])  # utime + stime
                _part, before = self.seen.get(pid, (part, 0))
                self.ticks[part] += ticks - before
                self.seen[pid] = (part, ticks)

    def _ours(self, pid: int) -> bool:
        if pid not in self.postgres:
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
            except OSError:
                title = []
            # A backend's title: "postgres: 15/main: <user> <database> <client> <state>"; a shared
            # process's: "postgres: 15/main: walwriter" (or the postmaster's own command line).
            is_backend = len(title) >= 5 and title[0] == "postgres:" and ("(" in title[4] or title[4] == "[local]")
            self.postgres[pid] = not is_backend or title[3] == self.database
        return self.postgres[pid]

    def read(self) -> dict:
        self._sample()
        tick = os.sysconf("SC_CLK_TCK")
        with open("/proc/stat") as handle:
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, handle.readline().split()[1:9])
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        parts = {
            "server": self.ticks["server"] / tick,
            "database": self.ticks["database"] / tick,
            "load generator": children.ru_utime + children.ru_stime,
        }
        parts["other"] = (user + nice + system + irq + softirq + steal) / tick - sum(parts.values())
        return parts

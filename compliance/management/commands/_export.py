"""What export_audit and export_statement share: where the output goes, progress on stderr."""

import getpass
import sys
import time

from django.core.management.base import CommandError

from compliance.audit.export import ExportInvalid, encode, export_record


def write_export(command, *, rows, columns, fmt, output, total, what, detail) -> int:
    """Stream `rows` to `output` (a path, or stdout when None), with a progress bar on stderr."""
    export_record(what=what, actor_id=None, actor=f"manage.py ({getpass.getuser()})", ip_address=None, detail=detail)
    started = time.monotonic()
    done = {"rows": 0}

    def progress(written: int) -> None:
        done["rows"] = written
        share = written / total if total else 1.0
        bar = "#" * int(share * 30)
        rate = written / max(time.monotonic() - started, 1e-9)
        sys.stderr.write(f"\r[{bar:<30}] {written}/{total} records ({rate:,.0f}/s)")
        sys.stderr.flush()

    try:
        chunks = encode(rows, columns=columns, fmt=fmt, progress=progress)
        if output is None:
            for chunk in chunks:
                command.stdout.write(chunk, ending="")
        else:
            with open(output, "w", encoding="utf-8", newline="") as file:
                for chunk in chunks:
                    file.write(chunk)
    except ExportInvalid as exc:
        raise CommandError(str(exc)) from exc
    sys.stderr.write(f"\n{done['rows']} records exported in {time.monotonic() - started:.1f} s\n")
    return done["rows"]

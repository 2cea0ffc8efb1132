"""What export_audit and export_statement share: where the output goes, progress on stderr."""

import getpass
import time

from django.core.management.base import CommandError

from compliance.audit.export import ExportInvalid, export_record


def write_export(command, *, select, output, what, detail) -> int:
    """Record the export, then stream it to `output` (a path, or stdout when None) with a
    progress bar on stderr. select(export record) -> (chunks(progress), total)."""
    record = export_record(
        what=what, actor_id=None, actor=f"manage.py ({getpass.getuser()})", ip_address=None, detail=detail
    )
    chunks_of, total = select(record)
    err = command.stderr
    err.style_func = None  # progress, not an error: no red
    started = time.monotonic()
    done = {"rows": 0}

    def progress(written: int) -> None:
        done["rows"] = written
        share = written / total if total else 1.0
        bar = "#" * int(share * 30)
        rate = written / max(time.monotonic() - started, 1e-9)
        err.write(f"\r[{bar:<30}] {written}/{total} records ({rate:,.0f}/s)", ending="")
        err.flush()

    try:
        chunks = chunks_of(progress)
        if output is None:
            for chunk in chunks:
                command.stdout.write(chunk, ending="")
        else:
            with open(output, "w", encoding="utf-8", newline="") as file:
                for chunk in chunks:
                    file.write(chunk)
    except ExportInvalid as exc:
        raise CommandError(str(exc)) from exc
    err.write(f"\n{done['rows']} records exported in {time.monotonic() - started:.1f} s")
    return done["rows"]

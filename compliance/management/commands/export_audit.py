"""Export the audit log: `export_audit --from ISO --to ISO --format csv|jsonl [--player ID]
[--kind KIND ...] [--output FILE]` (standard output when no file is named, progress on stderr)."""

from dataclasses import replace

from django.core.management.base import BaseCommand, CommandError

from compliance.audit.export import (
    FORMATS,
    AuditFilter,
    ExportInvalid,
    audit_chunks,
    audit_count,
    parse_time,
)
from compliance.management.commands._export import write_export


class Command(BaseCommand):
    help = "Export audit records of [--from, --to) as CSV or JSON Lines (docs/audit.md)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="ISO-8601 time or date (UTC if no zone).")
        parser.add_argument("--to", dest="end", required=True, help="ISO-8601 time or date, exclusive.")
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--player", default="", help="A player's external id.")
        parser.add_argument(
            "--kind", action="append", default=[], help="A kind or kind prefix (auth, money_request...); repeatable."
        )
        parser.add_argument("--output", help="A file to write (default: standard output).")

    def handle(self, *args, start, end, format, player, kind, output, **options):
        try:
            since, until = parse_time(start, name="--from"), parse_time(end, name="--to")
            selection = AuditFilter(start=since, end=until, player=player, kinds=tuple(kind))
        except ExportInvalid as exc:
            raise CommandError(str(exc)) from exc
        write_export(
            self,
            select=lambda record: _chunks_and_total(replace(selection, before_id=record.pk), format),
            output=output,
            what="audit",
            detail={**selection.as_dict(), "format": format, "via": "command"},
        )


def _chunks_and_total(selection: AuditFilter, fmt: str):
    return (lambda progress: audit_chunks(selection, fmt=fmt, progress=progress)), audit_count(selection)

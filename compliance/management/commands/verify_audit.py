"""Walk the audit chain; exit 1 naming the first broken record (also daily from beat)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from compliance.audit.chain import audit_verify


class Command(BaseCommand):
    help = "Check the audit log's hash chain (and the exported daily heads); report the first broken record."

    def add_arguments(self, parser):
        parser.add_argument("--heads", type=Path, help="Folder of exported heads (default: AUDIT_HEAD_EXPORT_DIR).")

    def handle(self, *args, heads=None, **options):
        result = audit_verify(heads_dir=heads)
        if not result.ok:
            raise CommandError(
                f"audit chain BROKEN at record {result.first_broken_id}: {result.problem} "
                f"({result.records_checked} records intact before it)"
            )
        head = f", head #{result.head_id} {result.head_hash}" if result.head_id else ""
        self.stdout.write(f"audit chain intact: {result.records_checked} records{head}")

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from wallet.partitions import PartitionError, parse_month, partition_detach


class Command(BaseCommand):
    help = (
        "Detach one month (YYYY-MM) of the call records, the ledger entries and the ledger"
        " transactions for archiving: they stay as plain tables (pg_dump them, then DROP). Refuses"
        " a month inside the resend horizon (PARTITION_RESEND_HORIZON_MONTHS)."
    )

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM")

    def handle(self, *args, month, **opts):
        try:
            names = partition_detach(parse_month(month), at=timezone.now())
        except PartitionError as exc:
            raise CommandError(str(exc)) from exc
        for name in names:
            self.stdout.write(f"detached {name}")

import argparse

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from wallet.partitions import partitions_create_ahead

# Ten years of months ahead is more than any plan needs; more would create thousands of tables.
MOST_AHEAD = 120


def months_ahead(text: str) -> int:
    try:
        months = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of months") from None
    if not 0 <= months <= MOST_AHEAD:
        raise argparse.ArgumentTypeError(f"{months} is not between 0 and {MOST_AHEAD} months")
    return months


class Command(BaseCommand):
    help = (
        "Create the monthly partitions of the ledger and the call records for this month and the"
        " next PARTITION_MONTHS_AHEAD (those missing), and report rows in the DEFAULT partitions."
        " Beat runs the same daily (wallet.create_partitions_ahead)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ahead", type=months_ahead, default=None, help=f"Months ahead, 0 to {MOST_AHEAD} (default: the setting)."
        )

    def handle(self, *args, ahead=None, **opts):
        done = partitions_create_ahead(at=timezone.now(), months=ahead)
        for name in done.created:
            self.stdout.write(f"created {name}")
        faults = {table: count for table, count in done.rows_in_default.items() if count}
        for table, count in faults.items():
            self.stderr.write(f"{count} row(s) in the DEFAULT partition of {table}: see docs/scaling.md")
        for name in done.skipped:
            self.stderr.write(f"not created: {name} (its rows are in the DEFAULT partition)")
        if faults or done.skipped:
            raise CommandError("partitions need attention")
        self.stdout.write("partitions OK")

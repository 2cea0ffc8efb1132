"""python manage.py report --from 2026-11-01 --to 2026-11-30 [--by day,provider] [--royalty]"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from games.reports.csv import report_csv, royalty_csv
from games.reports.figures import DIMENSIONS, ReportError, ReportQuery
from games.reports.rollup import rollup_ledger


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Print the finance report (real money, from the daily rollup) as CSV: amounts in major units of each "
        "row's currency. --royalty prints the royalty due per provider and month instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD (UTC)")
        parser.add_argument("--to", dest="end", required=True, help="last day, included")
        parser.add_argument(
            "--by", default="day", help=f"comma-separated, from {', '.join(DIMENSIONS)} (the currency always is)"
        )
        parser.add_argument("--aggregator", default="", help="an aggregator's code")
        parser.add_argument("--currency", default="", help="a currency code")
        parser.add_argument("--royalty", action="store_true", help="royalty due per provider and month")
        parser.add_argument(
            "--catch-up", action="store_true", help="first bring the rollup up to date (as its beat task does)"
        )

    def handle(self, *args, **opts):
        try:
            query = ReportQuery(
                start=_day(opts["start"]),
                end=_day(opts["end"]),
                by=tuple(d.strip() for d in opts["by"].split(",") if d.strip()),
                aggregator=opts["aggregator"],
                currency=opts["currency"].upper(),
            )
        except ReportError as exc:
            raise CommandError(str(exc)) from None
        if opts["catch_up"]:
            rollup_ledger()
        self.stdout.write(royalty_csv(query) if opts["royalty"] else report_csv(query), ending="")

"""python manage.py reconcile --aggregator CODE --from ISO --to ISO [--source report|webhook|statement]

Runs one reconciliation in this process with a progress bar, then prints a one-screen summary
per class (docs/reconciliation.md). Exit status 0 when the run succeeded (whatever it found),
1 when it failed."""

import sys
import time
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from casino.models import Aggregator
from reconciliation.models import Discrepancy, DiscrepancyClass, ReconciliationRun, Source, StatementImport
from reconciliation.services.runs import reconciliation_run, statement_window

BAR = 30


def parse_moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"{value!r} is not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Reconcile one aggregator over one window and print a summary per class."

    def add_arguments(self, parser):
        parser.add_argument("--aggregator", required=True, help="The aggregator's code.")
        parser.add_argument("--from", dest="start", help="Window start, ISO 8601 (UTC if no zone).")
        parser.add_argument("--to", dest="end", help="Window end (excluded).")
        parser.add_argument("--source", choices=[s.value for s in Source], default=Source.REPORT)
        parser.add_argument("--statement", type=int, help="With --source statement: the statement's id.")

    def handle(self, *args, **options):
        aggregator = Aggregator.objects.filter(code=options["aggregator"]).first()
        if aggregator is None:
            raise CommandError(f"no aggregator {options['aggregator']!r}")
        statement_id = options["statement"]
        if options["source"] == Source.STATEMENT:
            statement = StatementImport.objects.filter(pk=statement_id, aggregator=aggregator).first()
            if statement is None:
                raise CommandError("--source statement needs --statement ID of this aggregator's statement")
            start, end = statement_window(statement)
        else:
            if not (options["start"] and options["end"]):
                raise CommandError("--from and --to are required")
            start, end = parse_moment(options["start"]), parse_moment(options["end"])
            if end <= start:
                raise CommandError("--to must be after --from")
        self.started = time.monotonic()
        run = reconciliation_run(
            aggregator_id=aggregator.pk,
            start=start,
            end=end,
            source=options["source"],
            statement_id=statement_id,
            progress=self.progress,
        )
        self.stdout.write("")
        self.summary(run)
        if run.status != ReconciliationRun.Status.SUCCEEDED:
            sys.exit(1)

    def progress(self, stage: str, count: int) -> None:
        """One line redrawn in place: their rows staged so far, then the comparison."""
        seconds = time.monotonic() - self.started
        filled = BAR if stage == "compare" else min(BAR - 1, int(seconds) % BAR)
        bar = "#" * filled + "." * (BAR - filled)
        label = "comparing in SQL" if stage == "compare" else "staging their side"
        self.stdout.write(f"\r[{bar}] {label}: {count:,} rows, {seconds:.1f} s", ending="")
        self.stdout.flush()

    def summary(self, run: ReconciliationRun) -> None:
        write = self.stdout.write
        write(f"Run {run.pk}: {run.aggregator.code}, {run.get_source_display()}")
        write(f"Window  {run.window_start:%Y-%m-%d %H:%M:%S} → {run.window_end:%Y-%m-%d %H:%M:%S} UTC")
        if run.status != ReconciliationRun.Status.SUCCEEDED:
            write(self.style.ERROR(f"FAILED: {run.error}"))
            return
        seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0
        write(f"Rows    theirs {run.their_rows:,} (window and margin), ours {run.our_rows:,}; {seconds:.1f} s")
        write("")
        write(f"{'class':<20}{'found':>8}{'open now':>10}")
        open_now = Discrepancy.objects.filter(aggregator=run.aggregator, source=run.source).exclude(
            status=Discrepancy.Status.RESOLVED
        )
        for kind in DiscrepancyClass:
            found = run.counts.get(kind.value, 0)
            still = open_now.filter(kind=kind.value).count()
            line = f"{kind.label:<20}{found:>8}{still:>10}"
            write(self.style.WARNING(line) if found else line)
        write(f"{'total':<20}{run.found:>8}")
        write(f"New {run.new_discrepancies}, self-healed {run.healed}. Admin: Reconciliation → Discrepancies.")

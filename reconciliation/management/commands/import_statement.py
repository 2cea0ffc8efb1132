"""python manage.py import_statement FILE --aggregator CODE [--reconcile]

Imports an aggregator's statement CSV (docs/reconciliation.md) whole or not at all; bad lines are
listed by line number and nothing is imported. --reconcile then runs the statement's window."""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from casino.models import Aggregator
from reconciliation.services.statements import StatementError, statement_import


class Command(BaseCommand):
    help = "Import a statement CSV of an aggregator (all lines or none)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--aggregator", required=True)
        parser.add_argument("--reconcile", action="store_true", help="Reconcile the statement's window afterwards.")

    def handle(self, *args, **options):
        aggregator = Aggregator.objects.filter(code=options["aggregator"]).first()
        if aggregator is None:
            raise CommandError(f"no aggregator {options['aggregator']!r}")
        path = Path(options["file"])
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        try:
            statement = statement_import(aggregator=aggregator, file_name=path.name, raw=raw)
        except StatementError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(exc.problems)} problem(s); nothing was imported") from None
        self.stdout.write(
            f"Statement {statement.pk}: {statement.rows} transactions, {statement.first_at:%Y-%m-%d %H:%M:%S}"
            f" → {statement.last_at:%Y-%m-%d %H:%M:%S} UTC"
        )
        if options["reconcile"]:
            call_command(
                "reconcile",
                aggregator=aggregator.code,
                source="statement",
                statement=statement.pk,
                stdout=self.stdout,
                stderr=self.stderr,
            )

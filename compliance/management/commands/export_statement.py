"""Export a player's statement: `export_statement --player ID --from ISO --to ISO --format
csv|jsonl [--output FILE]`: every ledger movement with its round, game, aggregator and
transaction ids, and the running balance."""

from django.core.management.base import BaseCommand, CommandError

from casino.models import Player
from compliance.audit.export import FORMATS, STATEMENT_COLUMNS, ExportInvalid, encode, iso, parse_time, statement_rows
from compliance.management.commands._export import write_export
from wallet.models import LedgerEntry


class Command(BaseCommand):
    help = "Export a player's ledger statement for [--from, --to) as CSV or JSON Lines (docs/audit.md)."

    def add_arguments(self, parser):
        parser.add_argument("--player", required=True, help="The player's external id.")
        parser.add_argument("--from", dest="start", required=True, help="ISO-8601 time or date (UTC if no zone).")
        parser.add_argument("--to", dest="end", required=True, help="ISO-8601 time or date, exclusive.")
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--output", help="A file to write (default: standard output).")

    def handle(self, *args, player, start, end, format, output, **options):
        found = Player.objects.filter(external_id=player).first()
        if found is None:
            raise CommandError(f"no player {player!r}")
        try:
            since, until = parse_time(start, name="--from"), parse_time(end, name="--to")
            if until <= since:
                raise ExportInvalid("the end must be after the start")
            rows = statement_rows(player=found, start=since, end=until)
        except ExportInvalid as exc:
            raise CommandError(str(exc)) from exc
        total = LedgerEntry.objects.filter(
            wallet__player=found, transaction__created_at__gte=since, transaction__created_at__lt=until
        ).count()
        write_export(
            self,
            select=lambda _record: (
                lambda progress: encode(rows, columns=STATEMENT_COLUMNS, fmt=format, progress=progress),
                total,
            ),
            output=output,
            what="statement",
            detail={"player": player, "from": iso(since), "to": iso(until), "format": format, "via": "command"},
        )

from django.core.management.base import BaseCommand, CommandError

from wallet.selectors import ledger_violations


class Command(BaseCommand):
    help = (
        "Check every ledger invariant: balance = sum of entries, transactions balanced, "
        "no negative balance. Exits non-zero, listing each violation, if one fails."
    )

    def handle(self, *args, **opts):
        violations = ledger_violations()
        if violations:
            for violation in violations:
                self.stderr.write(str(violation))
            raise CommandError(f"{len(violations)} ledger violation(s)")
        self.stdout.write("ledger OK")

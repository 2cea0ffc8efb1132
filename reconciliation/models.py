"""Their side of the story (settlement webhooks, pulled reports, statement files), the runs that
compare it with our call records, and the discrepancies staff work through (docs/reconciliation.md).

Nothing here moves money: an adjustment or a refund goes through wallet/services.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from casino.models import Aggregator
from wallet.models import AggregatorTransaction, GameRound

SHADOW_DAYS = 7


class Source(models.TextChoices):
    """Where their side of a comparison came from."""

    REPORT = "report", "pulled report"
    STATEMENT = "statement", "statement file"
    WEBHOOK = "webhook", "settlement webhooks"


class TheirStatus(models.TextChoices):
    """A transaction's state as the aggregator counts it (each source's own words map here)."""

    SETTLED = "settled"  # counted: money moved
    ROLLED_BACK = "rolled_back", "rolled back"
    REFUSED = "refused"  # declined: never counted


class ReconciliationSettings(models.Model):
    """Reconciliation's own settings for one aggregator (casino's Aggregator stays protocol-only)."""

    class Shadow(models.TextChoices):
        AUTO = "auto", f"on for the aggregator's first {SHADOW_DAYS} days"
        ON = "on"
        OFF = "off"

    aggregator = models.OneToOneField(
        Aggregator, on_delete=models.CASCADE, primary_key=True, related_name="reconciliation_settings"
    )
    shadow_mode = models.CharField(
        max_length=8,
        choices=Shadow.choices,
        default=Shadow.AUTO,
        help_text="Shadow mode compares each settlement event with our ledger as it arrives.",
    )
    hourly_runs = models.BooleanField(default=True, help_text="Reconcile every hour from Celery beat.")
    overlap_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="How far back an hourly run reaches for late traffic. Empty: the site default."
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "aggregator reconciliation settings"
        verbose_name_plural = "aggregator reconciliation settings"

    def __str__(self) -> str:
        return f"{self.aggregator} reconciliation"

    def shadow_on(self, now=None) -> bool:
        if self.shadow_mode == self.Shadow.AUTO:
            return (now or timezone.now()) < self.aggregator.created_at + timedelta(days=SHADOW_DAYS)
        return self.shadow_mode == self.Shadow.ON


# --- Settlement webhooks ----------------------------------------------------------------------


class SettlementRequest(models.Model):
    """One signed settlement request exactly as received: the dispute evidence. The answer is
    kept so that a redelivered batch gets the first answer back."""

    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="settlement_requests")
    batch_id = models.CharField(max_length=128)
    body = models.BinaryField(help_text="The raw body, byte for byte, as signed.")
    headers = models.JSONField(help_text="The request's headers (signature included).")
    received_at = models.DateTimeField(default=timezone.now)
    answer = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["aggregator", "batch_id"], name="settlement_batch_once")]

    def __str__(self) -> str:
        return f"{self.aggregator} batch {self.batch_id}"


class SettlementEvent(models.Model):
    """One applied event of a settlement batch; applied once per (aggregator, event id)."""

    class Kind(models.TextChoices):
        ROUND_SETTLED = "round_settled"
        SESSION_CLOSED = "session_closed"

    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, db_index=False)  # leads the unique key
    event_id = models.CharField(max_length=128)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    request = models.ForeignKey(SettlementRequest, on_delete=models.PROTECT, related_name="events")
    round_id = models.CharField(max_length=128, blank=True)
    player_id = models.CharField(max_length=64, blank=True)
    session_token = models.CharField(max_length=64, blank=True)
    currency = models.CharField(max_length=10, blank=True)
    bet_total = models.BigIntegerField(null=True, blank=True)
    win_total = models.BigIntegerField(null=True, blank=True)
    occurred_at = models.DateTimeField(help_text="settled_at (or closed_at) as the aggregator sent it.")
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    # Shadow mode: when the event was compared with our ledger (None: waiting for late calls).
    matched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["aggregator", "event_id"], name="settlement_event_once")]
        indexes = [
            models.Index(fields=["aggregator", "round_id"], name="settlement_event_round"),
            models.Index(
                fields=["received_at"], condition=models.Q(matched_at__isnull=True), name="settlement_unmatched"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.aggregator} {self.kind} {self.event_id}"


class SettledTransaction(models.Model):
    """A transaction a round_settled event counts: their side, from webhooks."""

    event = models.ForeignKey(SettlementEvent, on_delete=models.CASCADE, related_name="transactions")
    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, db_index=False)
    external_id = models.CharField(max_length=128)
    kind = models.CharField(max_length=16)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=10)
    status = models.CharField(max_length=16, choices=TheirStatus.choices, default=TheirStatus.SETTLED)
    round_id = models.CharField(max_length=128)
    player_id = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["aggregator", "occurred_at"], name="settled_txn_time")]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.event})"


# --- Statement files --------------------------------------------------------------------------


class StatementImport(models.Model):
    """A daily statement file an aggregator sent, imported whole (or not at all)."""

    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="statements")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField(null=True, blank=True)
    last_at = models.DateTimeField(null=True, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imported_at"]
        constraints = [models.UniqueConstraint(fields=["aggregator", "sha256"], name="statement_once")]

    def __str__(self) -> str:
        return f"{self.aggregator} {self.file_name}"


class StatementLine(models.Model):
    statement = models.ForeignKey(StatementImport, on_delete=models.CASCADE, related_name="lines")
    line = models.PositiveIntegerField()
    external_id = models.CharField(max_length=128)
    kind = models.CharField(max_length=16)
    player_id = models.CharField(max_length=64)
    round_id = models.CharField(max_length=128)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=10)
    status = models.CharField(max_length=16, choices=TheirStatus.choices)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["statement", "line"]
        indexes = [models.Index(fields=["statement", "occurred_at"], name="statement_line_time")]

    def __str__(self) -> str:
        return f"line {self.line}: {self.external_id}"


# --- Runs and discrepancies -------------------------------------------------------------------


class ReconciliationRun(models.Model):
    """One comparison of one aggregator's side with ours over one window."""

    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="reconciliation_runs")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.REPORT)
    statement = models.ForeignKey(StatementImport, on_delete=models.PROTECT, null=True, blank=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    their_rows = models.PositiveIntegerField(default=0, help_text="Their transactions staged (window and margin).")
    our_rows = models.PositiveIntegerField(default=0, help_text="Our call records compared.")
    counts = models.JSONField(default=dict, blank=True, help_text="Discrepancies found, per class.")
    new_discrepancies = models.PositiveIntegerField(default=0)
    healed = models.PositiveIntegerField(default=0, help_text="Open discrepancies this run found healed.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["aggregator", "-started_at"], name="recon_run_recent")]

    def __str__(self) -> str:
        return f"{self.aggregator} {self.source} {self.window_start:%Y-%m-%d %H:%M}–{self.window_end:%H:%M}"

    @property
    def found(self) -> int:
        return sum(self.counts.values())


class StagedTransaction(models.Model):
    """Scratch space: their side of one run (or one shadow check), streamed in with COPY and
    compared in SQL. UNLOGGED (migration 0001): it is rebuilt by a rerun, never needed after a
    crash. `batch` is the run's id, or minus the settlement event's id for a shadow check."""

    batch = models.BigIntegerField()
    line = models.BigIntegerField()
    external_id = models.CharField(max_length=128)
    kind = models.CharField(max_length=16)
    player_id = models.CharField(max_length=64)
    round_id = models.CharField(max_length=128)
    amount = models.BigIntegerField(null=True)
    currency = models.CharField(max_length=10)
    status = models.CharField(max_length=16)
    occurred_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["batch", "external_id"], name="staged_batch_id")]

    def __str__(self) -> str:
        return f"batch {self.batch} line {self.line}: {self.external_id}"


class DiscrepancyClass(models.TextChoices):
    MISSING_HERE = "missing_here", "missing here"
    MISSING_THERE = "missing_there", "missing there"
    AMOUNT_MISMATCH = "amount_mismatch", "amount mismatch"
    STATUS_MISMATCH = "status_mismatch", "status mismatch"
    CURRENCY_MISMATCH = "currency_mismatch", "currency mismatch"
    DUPLICATE_THERE = "duplicate_there", "duplicate there"


class Discrepancy(models.Model):
    """One difference between their side and ours, and staff's work on it."""

    Class = DiscrepancyClass

    class Status(models.TextChoices):
        OPEN = "open"
        INVESTIGATING = "investigating"
        RESOLVED = "resolved"

    class Resolution(models.TextChoices):
        ADJUSTED = "adjusted", "adjusted (money moved by staff)"
        ACCEPTED = "accepted"
        FIXED_BY_AGGREGATOR = "fixed_by_aggregator", "fixed by the aggregator"
        FALSE_POSITIVE = "false_positive", "false positive"
        SELF_HEALED = "self_healed", "self-healed (a later run found it matching)"

    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="discrepancies")
    source = models.CharField(max_length=16, choices=Source.choices)
    kind = models.CharField("class", max_length=24, choices=DiscrepancyClass.choices)
    transaction_id = models.CharField(max_length=128, help_text="The aggregator's transaction id.")
    round_id = models.CharField(max_length=128, blank=True)
    player_id = models.CharField(max_length=64, blank=True)
    occurred_at = models.DateTimeField(help_text="When it happened (their time, else ours).")
    # Their side
    their_amount = models.BigIntegerField(null=True, blank=True)
    their_currency = models.CharField(max_length=10, blank=True)
    their_status = models.CharField(max_length=16, blank=True)
    their_kind = models.CharField(max_length=16, blank=True)
    their_copies = models.PositiveIntegerField(default=0, help_text="How many times they count it.")
    # Our side
    # db_constraint=False here and on `adjustment`: the call records and the ledger are
    # partitioned by month, and no foreign key can point at a partitioned table's `id` alone. The
    # database still refuses an id that is not a row there (a trigger, migration 0004).
    our_record = models.ForeignKey(
        AggregatorTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_constraint=False
    )
    our_amount = models.BigIntegerField(null=True, blank=True)
    our_currency = models.CharField(max_length=10, blank=True)
    our_status = models.CharField(max_length=16, blank=True)
    # Workflow
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(max_length=24, choices=Resolution.choices, blank=True)
    note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    adjustment = models.ForeignKey(
        "wallet.LedgerTransaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    # An adjustment goes through the wallet's four-eyes money requests: while one waits for a
    # second person, the discrepancy is under investigation and names it.
    money_request = models.ForeignKey(
        "wallet.MoneyRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_run = models.ForeignKey(ReconciliationRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    last_run = models.ForeignKey(ReconciliationRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    evidence = models.ForeignKey(
        SettlementEvent, on_delete=models.PROTECT, null=True, blank=True, help_text="The settlement event (webhooks)."
    )
    detected_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-detected_at", "-id"]
        verbose_name_plural = "discrepancies"
        constraints = [
            # Found again by a later run, an open discrepancy is the same one, not a second report.
            models.UniqueConstraint(
                fields=["aggregator", "source", "kind", "transaction_id"],
                condition=~models.Q(status="resolved"),
                name="discrepancy_open_once",
            ),
            models.CheckConstraint(
                condition=models.Q(status="resolved", resolution__gt="") | (~models.Q(status="resolved")),
                name="discrepancy_resolved_has_resolution",
            ),
        ]
        indexes = [
            models.Index(fields=["aggregator", "status", "occurred_at"], name="discrepancy_open_by_time"),
            models.Index(fields=["player_id"], name="discrepancy_player"),
            models.Index(fields=["aggregator", "transaction_id"], name="discrepancy_transaction"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.transaction_id}"


class ShadowSummary(models.Model):
    """One aggregator's shadow-mode day: discrepancies found per class, with their amounts."""

    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="shadow_summaries")
    day = models.DateField(help_text="UTC.")
    events = models.PositiveIntegerField(default=0, help_text="Settlement events received that day.")
    counts = models.JSONField(
        default=dict, help_text="{class: {currency: {count, their_amount, our_amount}}}; amounts in minor units."
    )
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "aggregator"]
        verbose_name_plural = "shadow summaries"
        constraints = [models.UniqueConstraint(fields=["aggregator", "day"], name="shadow_summary_day")]

    def __str__(self) -> str:
        return f"{self.aggregator} shadow {self.day}"


class StaleRound(GameRound):
    """Rounds the aggregator never closed, as staff resolve them here: looked up in the
    aggregator's report, then closed, or voided with their open bets refunded (wallet services)."""

    class Meta:
        proxy = True
        verbose_name = "stale round"

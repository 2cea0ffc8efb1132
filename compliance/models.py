from django.conf import settings
from django.db import models
from django.utils import timezone


class LoginAttempt(models.Model):
    """One try at the staff login, kept as its audit record and to count failures (the lock
    holds across processes and restarts because it is counted here, not in a cache)."""

    class Outcome(models.TextChoices):
        # Written before the password is checked, so concurrent guesses count each other.
        PENDING = "pending", "being checked"
        SUCCESS = "success", "logged in"
        BAD_CREDENTIALS = "bad-credentials", "wrong username or password"
        NOT_ALLOWED = "not-allowed", "right password, but not active staff"
        LOCKED = "locked", "refused unchecked: too many failures"

    username = models.CharField(max_length=150, help_text="As typed: it need not exist.")
    ip_address = models.GenericIPAddressField()
    attempted_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)

    class Meta:
        ordering = ["-attempted_at"]
        indexes = [
            models.Index(fields=["username", "attempted_at"], name="login_attempt_username"),
            models.Index(fields=["ip_address", "attempted_at"], name="login_attempt_address"),
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.ip_address}: {self.outcome}"


# Outcomes that count towards a lock: wrong passwords, and attempts still being checked.
COUNTED_FAILURES = (LoginAttempt.Outcome.PENDING, LoginAttempt.Outcome.BAD_CREDENTIALS)


class RgEvent(models.Model):
    """Every responsible-gaming event of a player, for staff and regulators: a limit set, pending
    or applied; a cool-off or self-exclusion started or ended; an external register checked; a
    bet, launch or deposit refused and why. Written by compliance/services.py only."""

    class Kind(models.TextChoices):
        LIMIT_SET = "limit_set", "limit set (applies at once)"
        LIMIT_PENDING = "limit_pending", "limit loosening pending"
        LIMIT_APPLIED = "limit_applied", "pending limit applied"
        COOL_OFF_STARTED = "cool_off_started", "cool-off started"
        COOL_OFF_EXTENDED = "cool_off_extended", "cool-off extended"
        COOL_OFF_SHORTENED = "cool_off_shortened", "cool-off end brought forward (after the cooling period)"
        COOL_OFF_ENDED = "cool_off_ended", "cool-off ended"
        SELF_EXCLUSION_STARTED = "self_exclusion_started", "self-exclusion started"
        SELF_EXCLUSION_EXTENDED = "self_exclusion_extended", "self-exclusion extended"
        SELF_EXCLUSION_ENDED = "self_exclusion_ended", "self-exclusion ended"
        REGISTER_CHECKED = "register_checked", "external register checked"
        BET_REFUSED = "bet_refused", "bet refused"
        LAUNCH_REFUSED = "launch_refused", "launch refused"
        DEPOSIT_REFUSED = "deposit_refused", "deposit refused"

    player = models.ForeignKey("casino.Player", on_delete=models.PROTECT, related_name="rg_events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # Stable token (casino.responsible_gaming.RgReason) where the event is a refusal.
    reason = models.CharField(max_length=32, blank=True)
    detail = models.JSONField(default=dict, blank=True, help_text="What the event was about, as data.")
    # The staff member who acted, if any (None: the player through the front end, or the system).
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["player", "-created_at"], name="rg_event_player_recent")]

    def __str__(self) -> str:
        return f"{self.player} {self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M:%S}"


class RgLimit(models.Model):
    """One responsible-gaming limit of a player: a money limit (deposit, loss, wager) per period
    in one currency, or a time setting of the player (session time, reality check; minutes, no
    currency). Written by compliance/rg/limits.py only, which keeps every change an RgEvent.

    A tighter value replaces `amount` at once; a looser one (or removing the limit: a pending
    None) waits in `pending_amount` until `pending_at` (RG_LOOSEN_DELAY_SECONDS later). From
    `pending_at` on the pending value is the one in force, whether or not a task has moved it
    into `amount` yet (limits.effective_amount), so no bet depends on a task having run.
    """

    class Kind(models.TextChoices):
        DEPOSIT = "deposit"
        LOSS = "loss", "loss (net of wins and refunds)"
        WAGER = "wager"
        SESSION_TIME = "session_time", "session time (minutes)"
        REALITY_CHECK = "reality_check", "reality-check interval (minutes)"

    MONEY_KINDS = (Kind.DEPOSIT, Kind.LOSS, Kind.WAGER)
    MINUTES_KINDS = (Kind.SESSION_TIME, Kind.REALITY_CHECK)

    player = models.ForeignKey("casino.Player", on_delete=models.PROTECT, related_name="rg_limits")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # day, week or month for money kinds (compliance.rg.periods.Period); blank for minutes kinds.
    period = models.CharField(max_length=8, blank=True)
    currency = models.ForeignKey("casino.Currency", on_delete=models.PROTECT, null=True, blank=True)
    amount = models.BigIntegerField(null=True, blank=True, help_text="In force: minor units, or minutes. Empty: none.")
    pending_amount = models.BigIntegerField(
        null=True, blank=True, help_text="Empty while pending: the limit is lifted."
    )
    pending_at = models.DateTimeField(null=True, blank=True, help_text="When the pending loosening applies.")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["player", "kind", "period", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["player", "kind", "period", "currency"], name="rg_limit_one_per_kind", nulls_distinct=False
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="rg_limit_amount_not_negative"),
            models.CheckConstraint(
                condition=models.Q(pending_amount__gte=0), name="rg_limit_pending_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.player} {self.kind} {self.period} {self.currency_id or ''}".strip()


class RgDayTotal(models.Model):
    """A player's running totals in one currency for one day of the operator's calendar
    (compliance/rg/periods.py), updated by each applied bet, win, rollback and deposit in that
    call's transaction, under its wallet's lock.

    One row per day, not one per period: weeks and months start at a day's start, so their totals
    are the sums of their days, added up by the read that needs them (compliance/rg/totals.py: at
    most 31 rows along the unique key's index, and only for periods the player has a limit of). A
    money call then writes one row, not three: the bench showed the three rows, their indexes and
    foreign-key checks to be most of what responsible gaming cost a bet (docs/benchmarks.md).
    """

    # Both indexed by rg_day_total_unique, which leads with them (no index of their own: each
    # would be one more index entry per first call of a player's day).
    player = models.ForeignKey("casino.Player", on_delete=models.PROTECT, related_name="+", db_index=False)
    currency = models.ForeignKey("casino.Currency", on_delete=models.PROTECT, db_index=False)
    day = models.DateTimeField(help_text="When the day starts (local midnight in the operator's time zone).")
    wagered = models.BigIntegerField(default=0, help_text="Bets less refunded (rolled back) bets.")
    net_loss = models.BigIntegerField(default=0, help_text="Bets less wins and refunds: negative when ahead.")
    deposited = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["player", "currency", "-day"]
        constraints = [models.UniqueConstraint(fields=["player", "currency", "day"], name="rg_day_total_unique")]

    def __str__(self) -> str:
        return f"{self.player} {self.currency_id} {self.day:%Y-%m-%d}"


class RgExclusion(models.Model):
    """A cool-off or self-exclusion: no play (launch or bet) from starts_at until ends_at.

    Rows are only ever added: an extension is a new row ending later, so the term each was
    chosen for stays as chosen (regulators' exports). The one change allowed is a cool-off's
    end brought forward, never before the cooling period is over (RG_LOOSEN_DELAY_SECONDS;
    compliance/rg/exclusion_services.py). A trigger (migration 0003) refuses every other UPDATE,
    any DELETE, and a self-exclusion's end moving at all: no admin path, bulk action or stray
    script can lift one early. Written by compliance/rg/exclusion_services.py only."""

    class Kind(models.TextChoices):
        COOL_OFF = "cool_off", "cool-off"
        SELF_EXCLUSION = "self_exclusion", "self-exclusion"

    class Source(models.TextChoices):
        PLAYER = "player", "the player (front end)"
        STAFF = "staff", "compliance staff"
        MIGRATION = "migration", "the former player status 'self-excluded'"

    player = models.ForeignKey("casino.Player", on_delete=models.PROTECT, related_name="rg_exclusions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # As chosen, ISO 8601: cool-off P1D..P42D; self-exclusion P6M, P1Y, P5Y, "permanent", or
    # "legacy" (a status set before exclusions were recorded, its term unknown: no end).
    term = models.CharField(max_length=16)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: no end (permanent).")
    source = models.CharField(max_length=16, choices=Source.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set once the "ended" event is recorded (compliance/tasks.py), so it is recorded once.
    end_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["player", "ends_at"], name="rg_exclusion_player_end")]
        constraints = [
            # A cool-off always ends; only a self-exclusion may be permanent.
            models.CheckConstraint(
                condition=models.Q(kind="self_exclusion") | models.Q(ends_at__isnull=False),
                name="rg_exclusion_cool_off_ends",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=models.F("starts_at")),
                name="rg_exclusion_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.player} {self.get_kind_display()} {self.term}"


class RegisterCheck(models.Model):
    """One answer of a national self-exclusion register about a player (compliance/rg/registers/).
    A confirmed answer is reused for RG_REGISTER_CACHE_SECONDS; an unconfirmed one never is."""

    class Result(models.TextChoices):
        EXCLUDED = "excluded"
        NOT_EXCLUDED = "not_excluded", "not excluded"
        UNCONFIRMED = "unconfirmed", "unconfirmed (the register did not answer usably)"

    player = models.ForeignKey("casino.Player", on_delete=models.PROTECT, related_name="register_checks")
    register = models.CharField(max_length=32, help_text="The register's name, e.g. spelpaus.")
    result = models.CharField(max_length=16, choices=Result.choices)
    detail = models.CharField(max_length=200, blank=True, help_text="Why unconfirmed, or the register's reference.")
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["player", "register", "-checked_at"], name="register_check_recent")]

    def __str__(self) -> str:
        return f"{self.player} {self.register}: {self.result}"


# --- The audit log (compliance/audit/) ----------------------------------------------------------


class AuditRecord(models.Model):
    """One entry of the append-only audit log: who, when, what object, which fields from -> to,
    and why. Each carries `hash`, a SHA-256 over its content and the previous record's hash, so
    a record changed, inserted or removed behind the application's back breaks the chain
    (`manage.py verify_audit`). The database refuses UPDATE and DELETE (migration 0005).
    Written by compliance/audit/chain.py only (audit_append), one at a time.

    The actor is kept as an id and a user name, not a foreign key: a record names who acted
    even after that user is renamed or removed, and its hash never depends on another table."""

    created_at = models.DateTimeField()
    kind = models.CharField(max_length=64, help_text="What happened, e.g. change.update, auth.login_failed.")
    actor_id = models.BigIntegerField(null=True, blank=True, help_text="The user's id; empty: the system.")
    actor = models.CharField(max_length=150, blank=True, help_text="The user name as it was (or as typed).")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    object_type = models.CharField(max_length=100, blank=True, help_text="app_label.model")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    player = models.CharField(max_length=128, blank=True, help_text="The player's external id, if about one.")
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [before, after]} or what was done.")
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["created_at"], name="audit_record_created"),
            models.Index(fields=["kind", "created_at"], name="audit_record_kind"),
            models.Index(fields=["player", "created_at"], name="audit_record_player"),
        ]
        permissions = [("export_auditrecord", "Can export the audit log and player statements")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.object_repr}".strip()


class AuditVerification(models.Model):
    """One walk of the audit chain (verify_audit, daily from beat): its result for the admin."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    records_checked = models.BigIntegerField(default=0)
    first_broken_id = models.BigIntegerField(null=True, blank=True)
    problem = models.TextField(blank=True)
    head_id = models.BigIntegerField(null=True, blank=True)
    head_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M:%S} {'intact' if self.ok else 'BROKEN'}"

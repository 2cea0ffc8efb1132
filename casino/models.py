"""What every app shares: currencies (with their exact minor-unit exponents), players, the
aggregators that call us (with their credentials) and the game sessions they play in."""

import secrets
from datetime import timedelta

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from simple_history.models import HistoricalRecords

from casino.crypto import EncryptedTextField
from casino.money import format_minor_units


class Currency(models.Model):
    """One row per currency; `exponent` is how many minor units make a major one (10^exponent)."""

    code = models.CharField(max_length=10, primary_key=True)
    name = models.CharField(max_length=64)
    exponent = models.PositiveSmallIntegerField(help_text="Decimal places of the minor unit: EUR 2, JPY 0, BTC 8.")
    is_crypto = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "currencies"
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=models.Q(exponent__lte=18), name="currency_exponent_max_18")]

    def __str__(self) -> str:
        return self.code

    def format(self, amount: int) -> str:
        return f"{format_minor_units(amount, exponent=self.exponent)} {self.code}"


class Player(models.Model):
    # Staff's own block, free to set and lift. Cool-off and self-exclusion are not a status:
    # they are compliance.RgExclusion rows, which no edit, revert or bulk action here can lift
    # (a data migration turned the former "self_excluded" status into such a row).
    class Status(models.TextChoices):
        ACTIVE = "active"
        BLOCKED = "blocked"

    class KycStatus(models.TextChoices):
        NONE = "none"
        PENDING = "pending"
        VERIFIED = "verified"
        REJECTED = "rejected"

    # The operator's own player id: what aggregators send as `player_id`.
    external_id = models.CharField("player id", max_length=64, unique=True)
    # Support finds a player by it (the player page's search); stored lower-case.
    email = models.EmailField(blank=True, default="", db_default="", db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    kyc_status = models.CharField("KYC status", max_length=16, choices=KycStatus.choices, default=KycStatus.NONE)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the compliance app once the player has any responsible-gaming state (a limit, an
    # exclusion): a money call reads that state only then. It comes with the session row every
    # call already reads, so a player without RG state costs the bet path nothing.
    has_rg_state = models.BooleanField("has RG state", default=False, db_default=False, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["external_id"]

    def __str__(self) -> str:
        return self.external_id

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


# --- Aggregators and game sessions ------------------------------------------------------------


def new_key_id() -> str:
    return "agg_" + secrets.token_hex(8)


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class Mode(models.TextChoices):
    REAL = "real"
    DEMO = "demo"


class Aggregator(models.Model):
    class Protocol(models.TextChoices):
        NATIVE = "native", "native v1 (HMAC-SHA256)"
        HUB88 = "hub88", "Hub88 (RSA-SHA256)"

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    protocol = models.CharField(max_length=16, choices=Protocol.choices, default=Protocol.NATIVE)
    is_active = models.BooleanField(default=True)

    # Native protocol credentials. The key id names the aggregator on every request; the
    # signing secret is separate from it and never shown back (the admin only sets it).
    # Secrets are encrypted at rest (casino/crypto.py): the column holds a token, the attribute the text.
    key_id = models.CharField(max_length=64, unique=True, default=new_key_id)
    signing_secret = EncryptedTextField(blank=True)
    # During a rotation both secrets verify; clear this one once the aggregator has switched.
    previous_signing_secret = EncryptedTextField(blank=True)
    allowed_skew_seconds = models.PositiveIntegerField(
        default=30, help_text="Signed requests whose timestamp is further than this from our clock are refused."
    )
    rate_limit_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Callbacks above this rate answer 429 RATE_LIMITED. Empty: no limit."
    )

    # Hub88-style credentials: their public key verifies their calls; our private key signs ours.
    public_key_pem = models.TextField("aggregator public key (PEM)", blank=True)
    private_key_pem = EncryptedTextField("our private key (PEM)", blank=True)
    operator_id = models.PositiveIntegerField(null=True, blank=True, help_text="Our operator id at the aggregator.")
    api_base_url = models.URLField("aggregator API base URL", blank=True)

    # Risk limit on cash wins (wallet/services/risk.py); the limits on wins without a bet are per
    # currency (wallet.RiskLimit). Kept here, on the row every callback already has in hand, so
    # checking a cash win costs no query.
    max_win_multiple = models.PositiveIntegerField(
        default=10_000,
        validators=[MinValueValidator(1)],
        help_text="A cash win may bring its round's wins to at most this many times the round's bets. "
        "Raise it for games whose maximum win is higher.",
    )

    # Clock skew observed on signed requests: our clock minus theirs, in seconds.
    last_skew_seconds = models.FloatField(null=True, blank=True, editable=False)
    skew_observed_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Catalog sync (games/catalog.py): empty means settings.CATALOG_SYNC_INTERVAL_SECONDS.
    catalog_sync_interval_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seconds between catalog syncs. Empty: the site default (1 hour)."
    )

    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["signing_secret", "previous_signing_secret", "private_key_pem"])

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def signing_secrets(self) -> list[str]:
        return [s for s in (self.signing_secret, self.previous_signing_secret) if s]


class GameSession(models.Model):
    """A player's session in one game: what the aggregator's `session_token` stands for."""

    token = models.CharField(max_length=64, unique=True, default=new_session_token)
    player = models.ForeignKey(Player, on_delete=models.PROTECT, related_name="game_sessions")
    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="game_sessions")
    game_code = models.CharField(max_length=128, help_text="The aggregator's game code at launch.")
    # The session plays from the player's wallet of this currency and mode (the real one, or the
    # demo one): wallet.Wallet is unique on (player, currency, mode), so these three name it
    # without a foreign key pointing up from the ground floor to the wallet app.
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.REAL)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # The start of the player's playing session (their sitting) this game session belongs to:
    # the session-time limit counts from here, so relaunching does not reset the clock
    # (casino/playing.py; set by games.services.session_open).
    # db_default: a row written by raw SQL (benchmarks, query-plan tests) starts its own sitting.
    play_started_at = models.DateTimeField(
        default=timezone.now,
        db_default=Now(),
        help_text="Start of the player's playing session (sitting) this session is part of.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["player", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.player} {self.game_code} ({self.mode})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @staticmethod
    def expiry_from_now(ttl_seconds: int):
        return timezone.now() + timedelta(seconds=ttl_seconds)

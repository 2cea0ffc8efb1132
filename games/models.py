"""Aggregators (who calls us, and how they sign) and the game sessions they play in."""

import secrets
import uuid
from datetime import timedelta

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from casino.crypto import EncryptedTextField
from casino.models import Currency, Player


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
    # The wallet the session plays from: the player's real wallet, or their demo wallet.
    wallet = models.ForeignKey("wallet.Wallet", on_delete=models.PROTECT, related_name="game_sessions")
    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="game_sessions")
    game_code = models.CharField(max_length=128, help_text="The aggregator's game code at launch.")
    # Set by the launch flow; empty for sessions opened by hand (open_session) with any code.
    game = models.ForeignKey("games.Game", on_delete=models.PROTECT, null=True, blank=True, related_name="sessions")
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.REAL)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

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


# --- Catalog ----------------------------------------------------------------------------------


class Provider(models.Model):
    """A game studio as one aggregator names it."""

    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="providers")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["aggregator", "code"]
        constraints = [models.UniqueConstraint(fields=["aggregator", "code"], name="provider_unique_code")]

    def __str__(self) -> str:
        return f"{self.name} ({self.aggregator})"


class GameQuerySet(models.QuerySet):
    def available(self):
        """Games a player may launch: listed and enabled by the aggregator, not blocked by staff."""
        return self.filter(enabled=True, blocked_by_staff=False, aggregator__is_active=True)


class Game(models.Model):
    """One game of one aggregator.

    `id` is ours and never changes; `external_id` is the aggregator's stable id (it survives
    renames); `code` is the aggregator's current game code, used in launches and wallet calls.
    Codes it used before are kept in GameCodeAlias. Games are never deleted: a game the
    aggregator stops listing is disabled (history and sessions keep pointing at it).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="games")
    external_id = models.CharField(max_length=128, help_text="The aggregator's stable id for the game.")
    code = models.CharField(max_length=128, help_text="The aggregator's current game code.")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="games")
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=64, blank=True)
    rtp = models.DecimalField("RTP (%)", max_digits=5, decimal_places=2, null=True, blank=True)
    demo_supported = models.BooleanField(default=False)
    # Managed by catalog sync: the aggregator lists the game as enabled.
    enabled = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # Managed by staff: off whatever the aggregator says (sync never touches it).
    blocked_by_staff = models.BooleanField(
        default=False, help_text="Keep the game unavailable even while the aggregator lists it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GameQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["aggregator", "name"]
        constraints = [
            models.UniqueConstraint(fields=["aggregator", "external_id"], name="game_unique_external_id"),
            models.UniqueConstraint(fields=["aggregator", "code"], name="game_unique_code"),
        ]
        indexes = [models.Index(fields=["aggregator", "enabled", "category"])]

    def __str__(self) -> str:
        return f"{self.name} [{self.code}]"

    @property
    def is_available(self) -> bool:
        return self.enabled and not self.blocked_by_staff and self.aggregator.is_active


class GameCodeAlias(models.Model):
    """A code a game was known by before a rename, so old sessions and calls still resolve."""

    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="+")
    game = models.ForeignKey(Game, on_delete=models.PROTECT, related_name="code_aliases")
    code = models.CharField(max_length=128)
    replaced_by = models.CharField(max_length=128, help_text="The code that replaced it.")
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-replaced_at"]
        verbose_name_plural = "game code aliases"
        constraints = [models.UniqueConstraint(fields=["aggregator", "code", "game"], name="game_alias_unique")]
        indexes = [models.Index(fields=["aggregator", "code"])]

    def __str__(self) -> str:
        return f"{self.code} -> {self.replaced_by}"


class Certification(models.Model):
    """The certification matrix: this game may be offered in this country, at this RTP profile and build."""

    class Source(models.TextChoices):
        AGGREGATOR = "aggregator"  # kept in step with the catalog by sync
        STAFF = "staff"  # entered by staff; sync leaves it alone

    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="certifications")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    rtp_profile = models.CharField("RTP profile", max_length=16)
    build_hash = models.CharField(max_length=128)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["game", "country"]
        constraints = [
            models.UniqueConstraint(
                fields=["game", "country", "rtp_profile", "build_hash"], name="certification_unique"
            )
        ]
        indexes = [models.Index(fields=["country", "game"])]

    def __str__(self) -> str:
        return f"{self.game.code} {self.country} RTP {self.rtp_profile} build {self.build_hash}"


class CatalogSyncRun(models.Model):
    """One catalog sync of one aggregator: what it found and what went wrong."""

    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="catalog_sync_runs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    listed = models.PositiveIntegerField(default=0, help_text="Games in the aggregator's list.")
    added = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0, help_text="Games whose data changed, renames included.")
    renamed = models.PositiveIntegerField(default=0)
    disabled = models.PositiveIntegerField(default=0)
    errors = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["aggregator", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.aggregator} sync {self.started_at:%Y-%m-%d %H:%M:%S} {self.status}"

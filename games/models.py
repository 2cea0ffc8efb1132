"""Aggregators (who calls us, and how they sign) and the game sessions they play in."""

import secrets
from datetime import timedelta

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

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
    key_id = models.CharField(max_length=64, unique=True, default=new_key_id)
    signing_secret = models.CharField(max_length=255, blank=True)
    # During a rotation both secrets verify; clear this one once the aggregator has switched.
    previous_signing_secret = models.CharField(max_length=255, blank=True)
    allowed_skew_seconds = models.PositiveIntegerField(
        default=30, help_text="Signed requests whose timestamp is further than this from our clock are refused."
    )
    rate_limit_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Callbacks above this rate answer 429 RATE_LIMITED. Empty: no limit."
    )

    # Hub88-style credentials: their public key verifies their calls; our private key signs ours.
    public_key_pem = models.TextField("aggregator public key (PEM)", blank=True)
    private_key_pem = models.TextField("our private key (PEM)", blank=True)
    operator_id = models.PositiveIntegerField(null=True, blank=True, help_text="Our operator id at the aggregator.")
    api_base_url = models.URLField("aggregator API base URL", blank=True)

    # Clock skew observed on signed requests: our clock minus theirs, in seconds.
    last_skew_seconds = models.FloatField(null=True, blank=True, editable=False)
    skew_observed_at = models.DateTimeField(null=True, blank=True, editable=False)

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

"""What every app shares: currencies (with their exact minor-unit exponents) and players."""

from django.db import models
from simple_history.models import HistoricalRecords

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
    class Status(models.TextChoices):
        ACTIVE = "active"
        BLOCKED = "blocked"
        SELF_EXCLUDED = "self_excluded", "self-excluded"

    class KycStatus(models.TextChoices):
        NONE = "none"
        PENDING = "pending"
        VERIFIED = "verified"
        REJECTED = "rejected"

    # The operator's own player id: what aggregators send as `player_id`.
    external_id = models.CharField("player id", max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    kyc_status = models.CharField("KYC status", max_length=16, choices=KycStatus.choices, default=KycStatus.NONE)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["external_id"]

    def __str__(self) -> str:
        return self.external_id

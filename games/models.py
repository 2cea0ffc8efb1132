"""Each aggregator's game catalog (providers, games, renamed codes, certifications), its sync
runs, and the launches that opened game sessions on catalog games."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from casino.models import Aggregator, GameSession


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


# An RTP profile that is a percentage ("96.50", "96.5", "97"). Anything else is a name ("A",
# "high", or empty), which cannot be compared with the game's RTP.
PERCENTAGE_PROFILE = r"^[0-9]+(\.[0-9]+)?$"


class _Numeric(models.Func):
    """text::numeric at the precision written: "96.505" stays 96.505 (a cast to the RTP's
    numeric(5, 2) would round it to 96.51 and certify a game at an RTP nobody certified)."""

    template = "(%(expressions)s)::numeric"
    output_field = models.DecimalField()


class GameQuerySet(models.QuerySet):
    def available(self):
        """Games a player may launch: listed and enabled by the aggregator, not blocked by staff."""
        return self.filter(enabled=True, blocked_by_staff=False, aggregator__is_active=True)

    def certified_for(self, country: str):
        """Games certified for `country` as they run now: a certification for the country whose
        RTP profile equals the game's current RTP (96.5 = 96.50). A named profile, and any
        certification of a game without an RTP, matches on country alone.

        The one home of "is this game certified here": the games list's country filter uses it,
        and launch asks it through games.selectors.game_certified, so the two never disagree.
        """
        covering = (
            Certification.objects.filter(game=OuterRef("pk"), country=country.upper())
            .annotate(
                # A CASE, because PostgreSQL then casts only the profiles that are numbers (casting
                # a name fails the whole query); a name's profile_rtp is NULL.
                profile_rtp=models.Case(
                    models.When(rtp_profile__regex=PERCENTAGE_PROFILE, then=_Numeric("rtp_profile")),
                    default=None,
                    output_field=models.DecimalField(),
                )
            )
            .filter(Q(game__rtp__isnull=True) | Q(profile_rtp__isnull=True) | Q(profile_rtp=OuterRef("rtp")))
        )
        return self.filter(Exists(covering))


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


class GameLaunch(models.Model):
    """The catalog game a launched session plays. Sessions opened by hand (open_session) have
    none; a launch keeps pointing at the game's own id whatever the aggregator renames it to."""

    session = models.OneToOneField(GameSession, on_delete=models.PROTECT, primary_key=True, related_name="launch")
    game = models.ForeignKey(Game, on_delete=models.PROTECT, related_name="launches")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.game.code} for {self.session}"


# --- Finance reports (docs/money.md) ------------------------------------------------------------
# Maintained from the ledger by games/reports/rollup.py (a beat task), never by scanning all
# history on a page load. Real money only: demo play never reaches these tables.


class DailyFigures(models.Model):
    """One UTC day of one game of one aggregator in one (wallet) currency, in its minor units.

    turnover = bets - rolled-back bets; GGR = turnover - cash wins; bonus cost = free, promo and
    tournament wins; NGR = GGR - bonus cost - jackpot contributions (jackpot wins are paid from
    the pools the contributions filled, so they do not count twice)."""

    day = models.DateField()
    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="+", db_index=False)
    game_code = models.CharField(max_length=128)
    # The catalog's game and provider, when the rounds' sessions were launched from the catalog
    # or the code is one of the aggregator's listed games; else empty ("unknown provider").
    game = models.ForeignKey(Game, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    currency = models.ForeignKey("casino.Currency", on_delete=models.PROTECT, related_name="+")
    rounds = models.BigIntegerField(default=0)
    bets = models.BigIntegerField(default=0, help_text="Bets that staked money (count).")
    turnover = models.BigIntegerField(default=0)
    wins = models.BigIntegerField(default=0, help_text="Cash wins.")
    bonus_cost = models.BigIntegerField(default=0)
    jackpot_contributions = models.BigIntegerField(default=0)
    jackpot_wins = models.BigIntegerField(default=0)
    unique_players = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-day", "aggregator", "game_code", "currency"]
        verbose_name_plural = "daily figures"
        constraints = [
            models.UniqueConstraint(fields=["day", "aggregator", "game_code", "currency"], name="daily_figures_key")
        ]
        indexes = [models.Index(fields=["day", "provider"], name="daily_figures_day_provider")]

    def __str__(self) -> str:
        return f"{self.day} {self.aggregator_id} {self.game_code} {self.currency_id}"

    @property
    def ggr(self) -> int:
        return self.turnover - self.wins

    @property
    def ngr(self) -> int:
        return self.ggr - self.bonus_cost - self.jackpot_contributions


class PlayerDay(models.Model):
    """A player played this game on this day: what counts unique players exactly, however
    many times the rollup reads their transactions and however the report groups them."""

    day = models.DateField()
    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="+", db_index=False)
    game_code = models.CharField(max_length=128)
    currency = models.ForeignKey("casino.Currency", on_delete=models.PROTECT, related_name="+", db_index=False)
    player_id = models.BigIntegerField()
    # The game's provider, as on its DailyFigures row: a report by provider counts its players
    # from these rows alone, without joining the figures.
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "aggregator", "game_code", "currency", "player_id"], name="player_day_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.game_code} player {self.player_id}"


class RollupWatermark(models.Model):
    """The last ledger transaction id the rollup has counted (one row, locked while it runs)."""

    name = models.CharField(max_length=32, primary_key=True)
    last_ledger_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} at ledger #{self.last_ledger_id}"


class ProviderContract(models.Model):
    """The revenue share a provider is paid on NGR: royalty = share x a month's NGR (if positive)."""

    provider = models.OneToOneField(Provider, on_delete=models.PROTECT, related_name="contract")
    revenue_share_percent = models.DecimalField(
        "revenue share (% of NGR)", max_digits=6, decimal_places=3, help_text="12.5 for 12.5 % of NGR."
    )
    notes = models.CharField(max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["provider"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revenue_share_percent__gte=0, revenue_share_percent__lte=100),
                name="provider_contract_share_0_100",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.revenue_share_percent} % of NGR"


class FreeSpinGrant(models.Model):
    """Free spins given to a player through the aggregator's API (docs/money.md), tracked from
    the grant to their consumption (the wallet calls naming the grant) or expiry."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending (not yet accepted by the aggregator)"
        ACTIVE = "active"
        CONSUMED = "consumed"
        EXPIRED = "expired"
        FAILED = "failed", "failed (the aggregator refused or did not answer)"

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="Ours, sent along.")
    aggregator = models.ForeignKey(Aggregator, on_delete=models.PROTECT, related_name="+")
    player = models.ForeignKey("casino.Player", on_delete=models.PROTECT, related_name="free_spin_grants")
    game_code = models.CharField(max_length=128)
    currency = models.ForeignKey("casino.Currency", on_delete=models.PROTECT, related_name="+")
    spins = models.PositiveIntegerField()
    bet_value = models.PositiveBigIntegerField(help_text="Stake of one spin, minor units (paid by the aggregator).")
    starts_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # The aggregator's id of the grant (Hub88's reward_uuid): what its wallet calls carry.
    external_id = models.CharField(max_length=128, blank=True, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(max_length=255, blank=True)
    spins_used = models.PositiveIntegerField(default=0)
    win_total = models.BigIntegerField(default=0, help_text="Minor units won with these spins (bonus cost).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="free_spins_open_by_expiry")]

    def __str__(self) -> str:
        return f"{self.spins} free spins of {self.game_code} for {self.player} ({self.status})"

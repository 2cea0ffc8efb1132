"""Each aggregator's game catalog (providers, games, renamed codes, certifications), its sync
runs, and the launches that opened game sessions on catalog games."""

import uuid

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

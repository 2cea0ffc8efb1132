from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.html import format_html, format_html_join
from kombu.exceptions import OperationalError as KombuOperationalError
from simple_history.admin import SimpleHistoryAdmin

from casino import backoffice
from casino.admin import ReadOnlyAdmin
from casino.models import Aggregator, Currency, GameSession
from casino.services import SKEW_ALERT_SECONDS
from games.models import CatalogSyncRun, Certification, Game, GameCodeAlias, GameLaunch, Provider
from wallet.models import RiskLimit
from wallet.selectors import risk_limit_in_force, wins_without_bet_today

SECRET_FIELDS = ["signing_secret", "previous_signing_secret", "private_key_pem"]


class AggregatorForm(forms.ModelForm):
    """Secrets are write-only: the form never renders their values; empty keeps the stored one."""

    signing_secret = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), help_text="Leave empty to keep the current one."
    )
    previous_signing_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Still accepted during a rotation. Leave empty to keep; tick 'clear' below to remove.",
    )
    clear_previous_signing_secret = forms.BooleanField(required=False, label="Clear the previous secret")
    private_key_pem = forms.CharField(
        required=False,
        label="Our private key (PEM)",
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "(stored; paste a new key to replace it)"}),
    )

    api_base_url = forms.URLField(required=False, assume_scheme="https", label="Aggregator API base URL")

    class Meta:
        model = Aggregator
        fields = [
            "code",
            "name",
            "protocol",
            "is_active",
            "key_id",
            "signing_secret",
            "previous_signing_secret",
            "allowed_skew_seconds",
            "rate_limit_per_minute",
            "public_key_pem",
            "private_key_pem",
            "operator_id",
            "api_base_url",
            "catalog_sync_interval_seconds",
            "max_win_multiple",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            self.initial[name] = ""

    def clean(self):
        data = super().clean()
        for name in SECRET_FIELDS:
            if not data.get(name) and self.instance.pk:
                data[name] = getattr(self.instance, name)
        if data.get("clear_previous_signing_secret"):
            data["previous_signing_secret"] = ""
        if (
            not self.instance.pk
            and data.get("protocol") == Aggregator.Protocol.NATIVE
            and not data.get("signing_secret")
        ):
            self.add_error("signing_secret", "A native aggregator needs a signing secret.")
        return data


class RiskLimitInline(admin.TabularInline):
    """Staff raise (or lower) an aggregator's limits on wins without a bet, per currency."""

    model = RiskLimit
    fields = ["currency", "max_win_without_bet", "daily_wins_without_bet"]
    extra = 0
    verbose_name = "limit on wins without a bet (replaces the currency's default)"
    verbose_name_plural = "limits on wins without a bet (currencies without a row keep their default)"


@admin.register(Aggregator)
class AggregatorAdmin(SimpleHistoryAdmin):
    form = AggregatorForm
    list_display = ["code", "name", "protocol", "is_active", "key_id", "skew_display", "skew_observed_at"]
    list_filter = ["protocol", "is_active"]
    search_fields = ["code", "name", "key_id"]
    readonly_fields = [
        "skew_display",
        "skew_observed_at",
        "created_at",
        "secrets_status",
        "last_catalog_sync",
        "risk_limits_in_force",
    ]
    actions = ["sync_catalog_now"]
    inlines = [RiskLimitInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "protocol", "is_active", "created_at"]}),
        (
            "Native protocol credentials",
            {
                "fields": [
                    "key_id",
                    "secrets_status",
                    "signing_secret",
                    "previous_signing_secret",
                    "clear_previous_signing_secret",
                    "allowed_skew_seconds",
                    "rate_limit_per_minute",
                ]
            },
        ),
        ("Hub88 credentials", {"fields": ["public_key_pem", "private_key_pem", "operator_id"]}),
        (
            "Outbound API and catalog",
            {"fields": ["api_base_url", "catalog_sync_interval_seconds", "last_catalog_sync"]},
        ),
        ("Clock skew", {"fields": ["skew_display", "skew_observed_at"]}),
        (
            "Risk limits",
            {
                "fields": ["max_win_multiple", "risk_limits_in_force"],
                "description": "Wins over these limits are refused (RISK_LIMIT_EXCEEDED), staff are alerted "
                "and the refusals are listed under Aggregator transactions, result code RISK_LIMIT_EXCEEDED.",
            },
        ),
    ]

    @admin.display(description="limits on wins without a bet in force")
    def risk_limits_in_force(self, aggregator):
        if not aggregator.pk:
            return "the currencies' defaults, once saved"
        today = wins_without_bet_today(aggregator_id=aggregator.pk)
        rows = []
        for currency in Currency.objects.all():
            limits = risk_limit_in_force(aggregator_id=aggregator.pk, currency=currency.code)
            rows.append(
                (
                    currency.code,
                    *(
                        f"{currency.format(amount)} ({amount})"
                        for amount in (
                            limits.max_win_without_bet,
                            limits.daily_wins_without_bet,
                            today.get(currency.code, 0),
                        )
                    ),
                    "set by staff" if limits.set_by_staff else "default",
                )
            )
        cells = "<td>{}</td>" * 5
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>{}</table>",
            "currency",
            "largest win without a bet (minor units)",
            "daily total",
            "today so far (UTC)",
            format_html_join("", f"<tr>{cells}</tr>", rows),
        )

    @admin.display(description="clock skew (s)")
    def skew_display(self, aggregator):
        if aggregator.last_skew_seconds is None:
            return "—"
        colour = "#ba2121" if abs(aggregator.last_skew_seconds) > SKEW_ALERT_SECONDS else "inherit"
        return format_html('<span style="color:{}">{}</span>', colour, f"{aggregator.last_skew_seconds:+.3f}")

    @admin.display(description="last catalog sync")
    def last_catalog_sync(self, aggregator):
        run = aggregator.catalog_sync_runs.first() if aggregator.pk else None
        if run is None:
            return "never"
        return (
            f"{run.started_at:%Y-%m-%d %H:%M:%S} {run.status}: +{run.added} added, {run.changed} changed, "
            f"{run.disabled} disabled{' — ' + run.errors[:200] if run.errors else ''}"
        )

    @admin.action(description="Sync catalog now", permissions=["change"])
    def sync_catalog_now(self, request, queryset):
        from games.tasks import sync_catalog  # the tasks module imports the catalog service

        ids = list(queryset.filter(is_active=True).values_list("pk", flat=True))
        try:
            # Queued at once, not on commit: the action writes nothing the task must see, and
            # only here can a broker that is down become a message instead of a 500.
            for aggregator_id in ids:
                sync_catalog.delay(aggregator_id)
        except KombuOperationalError as exc:
            self.message_user(
                request,
                f"Catalog sync not (fully) queued: the task queue is unreachable ({exc}). The scheduled sync "
                "runs once it is back; try again later.",
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            f"Catalog sync queued for {len(ids)} active aggregator(s); see Catalog sync runs for the result.",
            messages.SUCCESS,
        )

    @admin.display(description="stored secrets")
    def secrets_status(self, aggregator):
        parts = [
            f"signing secret: {'set' if aggregator.signing_secret else 'not set'}",
            f"previous secret: {'set (rotation in progress)' if aggregator.previous_signing_secret else 'not set'}",
            f"our private key: {'set' if aggregator.private_key_pem else 'not set'}",
        ]
        return "; ".join(parts)


@admin.register(GameSession)
class GameSessionAdmin(SimpleHistoryAdmin):
    list_display = ["token_masked", "player", "aggregator", "game_code", "currency", "mode", "created_at", "expires_at"]
    list_filter = ["mode", "aggregator", "currency"]
    # Support pastes a whole token to find its session; the page never shows it whole.
    search_fields = ["=token", "player__external_id", "game_code"]
    raw_id_fields = ["player"]
    exclude = ["token"]
    readonly_fields = ["token_masked", "created_at", "launched_game"]
    date_hierarchy = "created_at"

    @admin.display(description="token")
    def token_masked(self, session):
        # A token is a bearer credential for the wallet API: staff see enough to tell two apart.
        return backoffice.masked(session.token)

    @admin.display(description="catalog game")
    def launched_game(self, session):
        launch = GameLaunch.objects.filter(session=session).select_related("game").first()
        return launch.game if launch else "-  (opened by hand)"


# --- Catalog ----------------------------------------------------------------------------------


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "aggregator", "game_count", "updated_at"]
    list_filter = ["aggregator"]
    search_fields = ["code", "name"]
    readonly_fields = ["aggregator", "code", "created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(game_count=Count("games"))

    @admin.display(description="games", ordering="game_count")
    def game_count(self, provider):
        return provider.game_count

    def has_add_permission(self, request):
        return False  # providers come from catalog sync

    def has_delete_permission(self, request, obj=None):
        return False


class CertificationInline(admin.TabularInline):
    model = Certification
    fields = ["country", "rtp_profile", "build_hash", "source", "created_at"]
    readonly_fields = ["source", "created_at"]
    extra = 0


class GameCodeAliasInline(admin.TabularInline):
    model = GameCodeAlias
    fk_name = "game"
    fields = ["code", "replaced_by", "replaced_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "previous codes"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Game)
class GameAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "code",
        "aggregator",
        "provider",
        "category",
        "rtp",
        "demo_supported",
        "enabled",
        "blocked_by_staff",
        "updated_at",
    ]
    list_filter = ["aggregator", "provider", "enabled", "blocked_by_staff", "demo_supported", "category"]
    search_fields = ["code", "name", "external_id", "id", "code_aliases__code"]
    list_select_related = ["aggregator", "provider"]
    inlines = [CertificationInline, GameCodeAliasInline]
    # Everything but the staff block comes from the aggregator and is overwritten by sync.
    readonly_fields = [
        "id",
        "aggregator",
        "external_id",
        "code",
        "provider",
        "name",
        "category",
        "rtp",
        "demo_supported",
        "enabled",
        "disabled_at",
        "created_at",
        "updated_at",
    ]
    fields = [*readonly_fields[:10], "blocked_by_staff", *readonly_fields[10:]]

    def has_add_permission(self, request):
        return False  # games come from catalog sync

    def has_delete_permission(self, request, obj=None):
        return False  # never deleted: sessions and history point at them


@admin.register(Certification)
class CertificationAdmin(SimpleHistoryAdmin):
    list_display = ["game", "country", "rtp_profile", "build_hash", "source", "created_at"]
    list_filter = ["country", "source", "game__aggregator"]
    search_fields = ["game__code", "game__name", "build_hash"]
    raw_id_fields = ["game"]
    list_select_related = ["game"]


@admin.register(CatalogSyncRun)
class CatalogSyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "aggregator",
        "status",
        "listed",
        "added",
        "changed",
        "renamed",
        "disabled",
        "duration",
        "short_errors",
    ]
    list_filter = ["aggregator", "status"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "aggregator",
        "status",
        "started_at",
        "finished_at",
        "listed",
        "added",
        "changed",
        "renamed",
        "disabled",
        "errors",
    ]

    @admin.display(description="duration")
    def duration(self, run):
        if run.finished_at is None:
            return "running"
        return f"{(run.finished_at - run.started_at).total_seconds():.1f} s"

    @admin.display(description="errors")
    def short_errors(self, run):
        return run.errors[:120]


import games.reports.admin  # noqa: E402, F401 - the finance reports register their own admin pages

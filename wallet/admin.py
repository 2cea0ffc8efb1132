"""Staff views of the money: everything read-only except money operations, which go through
wallet services (so they are ledger transactions with the staff member and reason on them)."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery, Sum
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from casino import backoffice
from casino.admin import PlayerAdmin, ReadOnlyAdmin
from casino.models import Mode, Player
from casino.money import InexactAmount, to_minor_units
from wallet.admin_money import money_operation_view
from wallet.errors import WalletError
from wallet.models import (
    AggregatorTransaction,
    Bonus,
    FxPair,
    FxRate,
    GameRound,
    HouseAccount,
    Jackpot,
    LedgerArchive,
    LedgerEntry,
    LedgerTransaction,
    Wallet,
    WinsWithoutBetDay,
)
from wallet.selectors import house_account_balance, stale_rounds
from wallet.services import wallet_open
from wallet.services.bonus import bonus_forfeit, bonus_grant


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _currency_of(entry: LedgerEntry):
    account = entry.wallet or entry.house_account  # exactly one of them (a CHECK constraint)
    assert account is not None
    return account.currency


class EntryInline(ReadOnlyInline):
    model = LedgerEntry
    fields = readonly_fields = ("wallet", "house_account", "amount_display", "balance_after_display")

    @admin.display(description="amount")
    def amount_display(self, entry):
        return _currency_of(entry).format(entry.amount)

    @admin.display(description="balance after")
    def balance_after_display(self, entry):
        return _currency_of(entry).format(entry.balance_after) if entry.balance_after is not None else "—"


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["player", "currency", "mode", "balance_display", "created_at"]
    list_filter = ["currency", "mode"]
    search_fields = ["player__external_id"]
    list_select_related = ["player", "currency"]
    fields = readonly_fields = ("player", "currency", "mode", "balance_display", "created_at", "statement_link")

    @admin.display(description="balance")
    def balance_display(self, wallet):
        return wallet.currency.format(wallet.balance)

    @admin.display(description="ledger")
    def statement_link(self, wallet):
        url = reverse("admin:wallet_ledgertransaction_changelist") + f"?wallet__id__exact={wallet.pk}"
        money = reverse("admin:wallet_wallet_money", args=[wallet.pk])
        return format_html('<a href="{}">statement</a> · <a href="{}">deposit / withdraw / adjust</a>', url, money)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("wallet.view_wallet")

    def get_urls(self):
        urls = [path("<int:wallet_id>/money/", self.admin_site.admin_view(self.money_view), name="wallet_wallet_money")]
        return urls + super().get_urls()

    def money_view(self, request, wallet_id: int):
        # Deposit / withdraw / adjust: a form, a confirmation, a four-eyes request (admin_money.py).
        return money_operation_view(self, request, wallet_id)


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "kind",
        "mode",
        "player",
        "amount_display",
        "balance_display",
        "memo",
        "staff",
        "aggregator",
        "reference",
        "round",
    ]
    list_filter = ["kind", "mode", "aggregator", "currency", "created_at"]
    search_fields = ["wallet__player__external_id", "reference", "round__external_id"]
    search_help_text = "Ledger transaction number (265 or #265), player id, aggregator transaction id or round id."
    readonly_fields = ["created_at"]
    list_select_related = ["wallet__player", "wallet__currency", "aggregator", "round"]
    date_hierarchy = "created_at"
    inlines = [EntryInline]
    show_full_result_count = False

    @admin.display(description="player", ordering="wallet__player__external_id")
    def player(self, ledger):
        return ledger.wallet.player

    @admin.display(description="staff (approved by)", ordering="created_by__username")
    def staff(self, ledger):
        # One column for both staff members of a four-eyes operation keeps the list within 1440 px.
        if ledger.created_by is None:
            return "—"
        if ledger.approved_by is None:
            return ledger.created_by
        return f"{ledger.created_by} ({ledger.approved_by})"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by", "approved_by")

    def get_search_results(self, request, queryset, search_term):
        # "#265" in a success message is a ledger transaction's number: find it by that too.
        number = search_term.strip().removeprefix("#")
        if number.isdigit() and len(number) < 19:
            return queryset.filter(pk=int(number)), False
        return super().get_search_results(request, queryset, search_term)

    def _wallet_entry(self, ledger):
        return ledger.entries.filter(wallet=ledger.wallet_id).first()

    @admin.display(description="amount")
    def amount_display(self, ledger):
        entry = self._wallet_entry(ledger)
        return ledger.wallet.currency.format(entry.amount) if entry else "—"

    @admin.display(description="balance after")
    def balance_display(self, ledger):
        entry = self._wallet_entry(ledger)
        return ledger.wallet.currency.format(entry.balance_after) if entry and entry.balance_after is not None else "—"


@admin.register(AggregatorTransaction)
class AggregatorTransactionAdmin(ReadOnlyAdmin):
    """Every money call an aggregator made and what we answered: the first stop for support."""

    list_display = [
        "external_id",
        "created_at",
        "aggregator",
        "kind",
        "mode",
        "player",
        "amount_display",
        "balance_display",
        "outcome",
        "result_code",
        "elapsed_ms",
    ]
    list_filter = ["kind", "outcome", "result_code", "mode", "aggregator"]
    search_fields = ["external_id", "reference_id", "wallet__player__external_id", "round__external_id"]
    search_help_text = "Aggregator transaction id, rolled-back id, player id or round id."
    list_select_related = ["wallet__player", "wallet__currency", "aggregator"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    exclude = ["request", "amount", "balance", "elapsed_us"]
    readonly_fields = ["created_at", "request_masked", "amount_display", "balance_display", "elapsed_ms"]

    @admin.display(description="player")
    def player(self, record):
        return record.wallet.player

    @admin.display(description="amount")
    def amount_display(self, record):
        return record.wallet.currency.format(record.amount) if record.amount is not None else "—"

    @admin.display(description="balance answered")
    def balance_display(self, record):
        return record.wallet.currency.format(record.balance) if record.balance is not None else "—"

    @admin.display(description="ms")
    def elapsed_ms(self, record):
        return f"{record.elapsed_us / 1000:.1f}" if record.elapsed_us is not None else "—"

    @admin.display(description="request (amount in minor units)")
    def request_masked(self, record):
        request = dict(record.request)
        if "session_token" in request:
            request["session_token"] = backoffice.masked(request["session_token"])
        return request


class StaleRoundFilter(admin.SimpleListFilter):
    title = "staleness"
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return [("yes", f"stale (open, idle > {settings.STALE_ROUND_AFTER_SECONDS // 3600} h)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            stale = stale_rounds(older_than=timedelta(seconds=settings.STALE_ROUND_AFTER_SECONDS))
            return queryset.filter(pk__in=stale.values("pk"))
        return queryset


class RoundCallInline(ReadOnlyInline):
    """A round's bets, wins and rollbacks, as the aggregator sent them."""

    model = AggregatorTransaction
    fk_name = "round"
    fields = readonly_fields = ("created_at", "kind", "external_id", "amount_display", "result_code", "ledger_link")
    ordering = ["id"]
    verbose_name_plural = "calls in this round"

    @admin.display(description="amount")
    def amount_display(self, record):
        return record.wallet.currency.format(record.amount) if record.amount is not None else "—"

    @admin.display(description="ledger")
    def ledger_link(self, record):
        if not record.ledger_transaction_id:
            return "—"
        url = reverse("admin:wallet_ledgertransaction_change", args=[record.ledger_transaction_id])
        return format_html('<a href="{}">#{}</a>', url, record.ledger_transaction_id)


@admin.register(GameRound)
class GameRoundAdmin(ReadOnlyAdmin):
    list_display = [
        "external_id",
        "aggregator",
        "player",
        "game_code",
        "status",
        "live_bets",
        "rolled_back_bets",
        "bet_total_display",
        "win_total_display",
        "opened_at",
        "closed_at",
    ]
    list_filter = ["status", StaleRoundFilter, "aggregator"]
    search_fields = ["external_id", "wallet__player__external_id", "game_code"]
    list_select_related = ["wallet__player", "wallet__currency", "aggregator"]
    date_hierarchy = "opened_at"
    exclude = ["bet_total", "win_total"]
    readonly_fields = ["bet_total_display", "win_total_display", "opened_at", "last_activity_at"]
    inlines = [RoundCallInline]

    @admin.display(description="bets")
    def bet_total_display(self, round_):
        return round_.wallet.currency.format(round_.bet_total)

    @admin.display(description="wins")
    def win_total_display(self, round_):
        return round_.wallet.currency.format(round_.win_total)

    @admin.display(description="player")
    def player(self, round_):
        return round_.wallet.player


@admin.register(HouseAccount)
class HouseAccountAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "aggregator", "currency", "mode", "balance"]
    list_filter = ["kind", "mode", "currency"]

    @admin.display(description="balance (sum of entries)")
    def balance(self, account):
        return account.currency.format(house_account_balance(account))


@admin.register(LedgerArchive)
class LedgerArchiveAdmin(ReadOnlyAdmin):
    """Months detached for archiving (manage.py detach_partition): what each account's entries of
    the month summed to, which its balance still counts, and the table that holds them."""

    list_display = ["month", "wallet", "house_account", "amount", "entries", "archived_in"]
    list_filter = ["month"]


@admin.register(WinsWithoutBetDay)
class WinsWithoutBetDayAdmin(ReadOnlyAdmin):
    """What each aggregator credited in wins without a bet per UTC day: the counter the daily risk
    limit is checked against (limits: the aggregator's page)."""

    list_display = ["day", "aggregator", "currency", "total_display"]
    list_filter = ["aggregator", "currency"]
    list_select_related = ["aggregator", "currency"]
    date_hierarchy = "day"

    @admin.display(description="total", ordering="total")
    def total_display(self, day):
        return day.currency.format(day.total)


class WalletInline(admin.TabularInline):
    """The player's wallets; staff may open one (empty: money comes in through the ledger)."""

    model = Wallet
    fields = ("currency", "mode", "balance_display")
    readonly_fields = ("balance_display",)
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("casino.change_player")

    def has_change_permission(self, request, obj=None):
        return False  # an existing wallet's currency and mode are what its ledger rows are in

    @admin.display(description="balance")
    def balance_display(self, wallet):
        return wallet.currency.format(wallet.balance) if wallet.pk else "—"


# A player's page lists their wallets. casino/admin.py registered Player without them (the
# ground floor does not import wallet); importing it above guarantees that registration came
# first, whatever the app order.
admin.site.unregister(Player)


@admin.register(Player)
class PlayerWithWalletsAdmin(PlayerAdmin):
    inlines = [*PlayerAdmin.inlines, WalletInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and not Wallet.objects.filter(player=form.instance).exists():
            # A player created here can play at once: a real wallet in the default currency.
            wallet_open(player=form.instance, currency=settings.DEFAULT_WALLET_CURRENCY)


# --- Currency conversion (docs/money.md) ----------------------------------------------------


@admin.register(FxPair)
class FxPairAdmin(admin.ModelAdmin):
    """Which currencies an aggregator may play in on wallets of another currency."""

    list_display = ["aggregator", "played", "wallet_currency", "enabled"]
    list_filter = ["aggregator", "enabled"]
    list_editable = ["enabled"]


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):
    """Rates are added (by staff here, or by the feed import), never changed: a round that
    locked a rate keeps it in its own row, and this list is the history of what was in force."""

    list_display = ["base", "quote", "rate", "as_of", "valid_until", "in_force", "source", "created_by"]
    list_filter = ["base", "quote", "source"]
    date_hierarchy = "as_of"
    fields = ["base", "quote", "rate", "as_of", "valid_until"]

    @admin.display(boolean=True, description="valid now")
    def in_force(self, rate):
        return rate.as_of <= timezone.now() < rate.valid_until

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.source, obj.created_by = FxRate.Source.STAFF, request.user
        super().save_model(request, obj, form, change)


# --- Jackpots (docs/money.md) ----------------------------------------------------------------


@admin.register(Jackpot)
class JackpotAdmin(SimpleHistoryAdmin):
    """Jackpots and their pools: what contributions put in and jackpot wins took out (real money;
    the pool is the balance of the jackpot's house account)."""

    list_display = ["name", "aggregator", "game_code", "currency", "contribution_percent", "is_active", "pool"]
    list_filter = ["aggregator", "currency", "is_active"]
    readonly_fields = ["pool"]

    def get_queryset(self, request):
        pools = (
            LedgerEntry.objects.filter(house_account__jackpot=OuterRef("pk"), house_account__mode=Mode.REAL)
            .values("house_account__jackpot")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return super().get_queryset(request).select_related("currency").annotate(pool_total=Subquery(pools))

    @admin.display(description="pool")
    def pool(self, jackpot):
        total = getattr(jackpot, "pool_total", None)
        return jackpot.currency.format(total or 0) if jackpot.pk else "-"

    def has_delete_permission(self, request, obj=None):
        return False  # its pool's ledger keeps pointing at it: deactivate instead


# --- Bonus money (docs/money.md) -------------------------------------------------------------


class BonusGrantForm(forms.ModelForm):
    """A grant as staff enter it: the amount in major units of the wallet's currency."""

    amount_major = forms.DecimalField(label="amount", min_value=Decimal("0"), help_text="Major units: 20.00")
    wagering_multiple = forms.IntegerField(min_value=0, initial=30, help_text="Bets to place: amount x this.")

    class Meta:
        model = Bonus
        fields = ["cash_wallet"]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        wallet, value = data.get("cash_wallet"), data.get("amount_major")
        if wallet is not None and value is not None:
            try:
                data["amount"] = to_minor_units(value, exponent=wallet.currency.exponent)
            except InexactAmount as exc:
                self.add_error("amount_major", str(exc))
        return data


@admin.register(Bonus)
class BonusAdmin(admin.ModelAdmin):
    """Bonuses: granted here (through wallet/services/bonus.py), converted by wagering, or forfeited."""

    list_display = ["created_at", "cash_wallet", "amount_display", "wagered_display", "status", "closed_at"]
    list_filter = ["status"]
    search_fields = ["cash_wallet__player__external_id"]
    list_select_related = ["cash_wallet__player", "cash_wallet__currency"]
    raw_id_fields = ["cash_wallet"]
    actions = ["forfeit"]
    form = BonusGrantForm

    @admin.display(description="amount")
    def amount_display(self, bonus):
        return bonus.cash_wallet.currency.format(bonus.amount)

    @admin.display(description="wagered / required")
    def wagered_display(self, bonus):
        currency = bonus.cash_wallet.currency
        return f"{currency.format(bonus.wagered)} / {currency.format(bonus.wagering_required)}"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Bonus._meta.fields] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None:
            # Adding one calls a service that opens its own transaction(s) (durable; for free spins
            # a network call in between): never inside the admin's own atomic block.
            return self._changeform_view(request, object_id, form_url, extra_context)  # type: ignore[attr-defined]
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            grant = bonus_grant(
                wallet_id=data["cash_wallet"].pk,
                amount=data["amount"],
                wagering_multiple=data["wagering_multiple"],
                by=request.user,
            )
        except WalletError as exc:
            raise ValidationError(exc.message) from exc
        obj.pk = grant.pk

    @admin.action(
        description="Forfeit the selected bonuses (what is left goes back to the house)", permissions=["change"]
    )
    def forfeit(self, request, queryset):
        for bonus in queryset.filter(status=Bonus.Status.ACTIVE):
            bonus_forfeit(bonus_id=bonus.pk, by=request.user)
        messages.success(request, "Forfeited.")

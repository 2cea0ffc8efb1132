from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from casino.models import Currency, Player
from wallet.models import Wallet


@admin.register(Currency)
class CurrencyAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "exponent", "is_crypto"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        # Changing an exponent would silently rescale every stored amount: fixed once created.
        return ["code", "exponent"] if obj else []


class WalletInline(admin.TabularInline):
    model = Wallet
    fields = ["currency", "mode", "balance_display"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="balance")
    def balance_display(self, wallet):
        return wallet.currency.format(wallet.balance)


@admin.register(Player)
class PlayerAdmin(SimpleHistoryAdmin):
    list_display = ["external_id", "status", "country", "kyc_status", "created_at"]
    list_filter = ["status", "kyc_status", "country"]
    search_fields = ["external_id"]
    readonly_fields = ["created_at"]
    inlines = [WalletInline]
    history_list_display = ["status", "kyc_status"]

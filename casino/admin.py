from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from casino.models import Currency, Player


@admin.register(Currency)
class CurrencyAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "exponent", "is_crypto"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        # Changing an exponent would silently rescale every stored amount: fixed once created.
        return ["code", "exponent"] if obj else []


# wallet/admin.py registers Player again with the player's wallets inline: the ground floor
# does not import the wallet app.
@admin.register(Player)
class PlayerAdmin(SimpleHistoryAdmin):
    list_display = ["external_id", "status", "country", "kyc_status", "created_at"]
    list_filter = ["status", "kyc_status", "country"]
    search_fields = ["external_id"]
    readonly_fields = ["created_at"]
    history_list_display = ["status", "kyc_status"]

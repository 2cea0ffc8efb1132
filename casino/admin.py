from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from casino.models import Currency, Player


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records nobody adds, changes or deletes by hand (ledger, call records, audit trails, runs):
    staff may look. The database refuses the same where it matters (append-only triggers)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
    list_display = ["external_id", "email", "status", "country", "kyc_status", "created_at", "player_page"]
    list_filter = ["status", "kyc_status", "country"]
    search_fields = ["external_id", "email"]
    readonly_fields = ["created_at"]
    history_list_display = ["status", "kyc_status"]

    def get_readonly_fields(self, request, obj=None):
        # Aggregators know the player by this id: changing it would orphan every session and
        # call they hold. Set once, at creation.
        return ["external_id", *self.readonly_fields] if obj else self.readonly_fields

    @admin.display(description="")
    def player_page(self, player):
        return format_html('<a href="{}">player page</a>', reverse("admin:player_page", args=[player.pk]))

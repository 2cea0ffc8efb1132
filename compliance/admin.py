from django.contrib import admin

from compliance.forms import ThrottledAdminAuthenticationForm
from compliance.models import LoginAttempt

# Every staff login goes through the throttled form: it refuses while an account or address is
# locked and records each attempt (compliance/selectors.py says when a lock holds).
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    """The record of staff logins: read-only, nobody edits an audit trail."""

    list_display = ["attempted_at", "username", "ip_address", "outcome"]
    list_filter = ["outcome"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempted_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

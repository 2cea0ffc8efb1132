from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join

from compliance.forms import ThrottledAdminAuthenticationForm
from compliance.models import LoginAttempt, RgEvent, RgLimit
from compliance.rg.limits import LimitInvalid, check_limit_shape, rg_limit_set

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


# --- Responsible-gaming limits ----------------------------------------------------------------


class RgLimitSetForm(forms.ModelForm):
    """Staff set or lift a limit through the same service as the front end (rg_limit_set):
    tighter at once, looser only after the delay. The form never writes the row itself."""

    new_amount = forms.IntegerField(
        required=False,
        min_value=0,
        help_text="Minor units (money limits) or minutes (time limits). Empty: lift the limit (after the delay).",
    )

    class Meta:
        model = RgLimit
        fields = ["player", "kind", "period", "currency"]

    def clean(self):
        data = super().clean()
        if "new_amount" in self.fields:  # the add form (the change view is read-only)
            currency = data.get("currency")
            try:
                check_limit_shape(
                    kind=data.get("kind", ""),
                    period=data.get("period") or "",
                    currency=currency.pk if currency else None,
                    amount=data.get("new_amount"),
                )
            except LimitInvalid as exc:
                raise ValidationError(str(exc)) from exc
        return data

    def _post_clean(self):
        # The instance is never saved (save_model calls the service), so it is not validated as
        # a new row: an existing limit is changed by the service, not refused as a duplicate.
        pass


@admin.register(RgLimit)
class RgLimitAdmin(admin.ModelAdmin):
    """Limits per player: listed, and set (add) through the service; never edited in place or
    deleted, so no admin path loosens a limit without the delay. History: the player's RgEvents."""

    list_display = ["player", "kind", "period", "currency", "amount", "pending_amount", "pending_at", "updated_at"]
    list_filter = ["kind", "period"]
    search_fields = ["player__external_id"]
    autocomplete_fields = ["player"]
    form = RgLimitSetForm
    readonly_fields = ["history"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["player", "kind", "period", "currency", "new_amount"]
        return ["player", "kind", "period", "currency", "amount", "pending_amount", "pending_at", "history"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return  # read-only once set: a change is a new "set" through the service
        data = form.cleaned_data
        row = rg_limit_set(
            player=data["player"],
            kind=data["kind"],
            period=data["period"] or "",
            currency=data["currency"].pk if data["currency"] else None,
            amount=data["new_amount"],
            staff=request.user,
        )
        for field in RgLimit._meta.concrete_fields:  # the admin's log and redirect name the row set
            setattr(obj, field.attname, getattr(row, field.attname))

    @admin.display(description="history (RG events of this limit)")
    def history(self, obj: RgLimit) -> str:
        events = RgEvent.objects.filter(
            player=obj.player_id, detail__kind=obj.kind, detail__period=obj.period, detail__currency=obj.currency_id
        )[:50]
        lines = [
            f"{e.created_at:%Y-%m-%d %H:%M:%S} {e.get_kind_display()}: {e.detail.get('previous')} -> "
            f"{e.detail.get('amount')}{' by ' + str(e.staff) if e.staff else ''}"
            for e in events
        ]
        return format_html_join("", "{}<br>", ((line,) for line in lines)) or "-"

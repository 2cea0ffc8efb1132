from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from casino.admin import ReadOnlyAdmin
from compliance import admin_audit  # noqa: F401 - registers the audit log's admin (its own module)
from compliance.backoffice import limit_amount_display
from compliance.forms import ThrottledAdminAuthenticationForm
from compliance.models import LoginAttempt, RegisterCheck, RgEvent, RgExclusion, RgLimit
from compliance.rg.exclusion_services import exclusion_start, exclusion_start_problem
from compliance.rg.exclusions import SELF_EXCLUSION_TERMS, term_end
from compliance.rg.limits import LimitInvalid, check_limit_shape, rg_limit_set

# Every staff login goes through the throttled form: it refuses while an account or address is
# locked and records each attempt (compliance/selectors.py says when a lock holds).
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(LoginAttempt)
class LoginAttemptAdmin(ReadOnlyAdmin):
    """The record of staff logins: read-only, nobody edits an audit trail."""

    list_display = ["attempted_at", "username", "ip_address", "outcome"]
    list_filter = ["outcome"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempted_at"


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

    list_display = ["player", "kind", "period", "amount_display", "pending_display", "pending_at", "updated_at"]
    list_filter = ["kind", "period"]
    search_fields = ["player__external_id"]
    autocomplete_fields = ["player"]
    form = RgLimitSetForm
    readonly_fields = ["history"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["player", "kind", "period", "currency", "new_amount"]
        return ["player", "kind", "period", "currency", "amount_display", "pending_display", "pending_at", "history"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    # Money in major units with its currency, time limits in minutes (compliance/backoffice.py).
    @admin.display(description="in force")
    def amount_display(self, limit):
        return limit_amount_display(limit, limit.amount)

    @admin.display(description="pending")
    def pending_display(self, limit):
        return limit_amount_display(limit, limit.pending_amount) if limit.pending_at else "—"

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


# --- Responsible gaming: exclusions, register checks, events ------------------------------------

# Terms staff pick from: the cool-offs most asked for, and every self-exclusion term.
ADMIN_TERMS = [
    ("cool_off:P1D", "cool-off, 24 hours"),
    ("cool_off:P7D", "cool-off, 1 week"),
    ("cool_off:P14D", "cool-off, 2 weeks"),
    ("cool_off:P30D", "cool-off, 30 days"),
    ("cool_off:P42D", "cool-off, 6 weeks"),
    *[(f"self_exclusion:{term}", f"self-exclusion, {term}") for term in SELF_EXCLUSION_TERMS],
]


class ExclusionStartForm(forms.ModelForm):
    """Start (or extend: end later than the one in force) a cool-off or self-exclusion. The row
    is written by the service (exclusion_start), which records the event and the staff member."""

    choice = forms.ChoiceField(label="Kind and term", choices=ADMIN_TERMS)

    class Meta:
        model = RgExclusion
        fields = ["player"]

    def clean(self):
        cleaned = super().clean()
        player, choice = cleaned.get("player"), cleaned.get("choice")
        if player and choice:
            kind, term = choice.split(":")
            at = timezone.now()
            problem = exclusion_start_problem(
                player_id=player.pk, kind=kind, ends_at=term_end(kind=kind, term=term, starts_at=at), at=at
            )
            if problem:
                raise ValidationError(problem)
            cleaned["kind"], cleaned["term"] = kind, term
        return cleaned


@admin.register(RgExclusion)
class RgExclusionAdmin(admin.ModelAdmin):
    """Staff see every exclusion and start or extend one; nobody edits, reverts or deletes one
    (an exclusion is lifted by its term only; the database refuses it too). So: no change
    permission (the page is read-only), no delete (and so no bulk delete), no history to revert."""

    form = ExclusionStartForm
    list_display = ["player", "kind", "term", "starts_at", "ends_at", "source", "staff"]
    list_filter = ["kind", "source"]
    search_fields = ["player__external_id"]
    raw_id_fields = ["player"]
    readonly_fields = ["player", "kind", "term", "starts_at", "ends_at", "source", "staff", "player_events"]

    def get_fields(self, request, obj=None):
        return ["player", "choice"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        created = exclusion_start(
            player=form.cleaned_data["player"],
            kind=form.cleaned_data["kind"],
            term=form.cleaned_data["term"],
            staff=request.user,
        )
        # The admin goes on with `obj` (its log entry, the redirect): make it the row written.
        obj.__dict__.update(created.__dict__)

    @admin.display(description="the player's RG events (latest 50)")
    def player_events(self, obj):
        events = RgEvent.objects.filter(player_id=obj.player_id)[:50]
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 - a constant
            "{} &middot; {} {} {}",
            ((f"{e.created_at:%Y-%m-%d %H:%M:%S}", e.get_kind_display(), e.reason, e.staff or "") for e in events),
        )


@admin.register(RgEvent)
class RgEventAdmin(ReadOnlyAdmin):
    """Every RG event, per player (search by player id, or filter by kind)."""

    list_display = ["created_at", "player", "kind", "reason", "staff"]
    list_filter = ["kind", "reason"]
    search_fields = ["player__external_id"]
    date_hierarchy = "created_at"


@admin.register(RegisterCheck)
class RegisterCheckAdmin(ReadOnlyAdmin):
    list_display = ["checked_at", "player", "register", "result", "detail"]
    list_filter = ["register", "result"]
    search_fields = ["player__external_id"]

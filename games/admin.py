from django import forms
from django.contrib import admin
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from games.models import Aggregator, GameSession
from wallet.api.auth import SKEW_ALERT_SECONDS

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


@admin.register(Aggregator)
class AggregatorAdmin(SimpleHistoryAdmin):
    form = AggregatorForm
    list_display = ["code", "name", "protocol", "is_active", "key_id", "skew_display", "skew_observed_at"]
    list_filter = ["protocol", "is_active"]
    search_fields = ["code", "name", "key_id"]
    readonly_fields = ["skew_display", "skew_observed_at", "created_at", "secrets_status"]
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
        ("Hub88 credentials", {"fields": ["public_key_pem", "private_key_pem", "operator_id", "api_base_url"]}),
        ("Clock skew", {"fields": ["skew_display", "skew_observed_at"]}),
    ]

    @admin.display(description="clock skew (s)")
    def skew_display(self, aggregator):
        if aggregator.last_skew_seconds is None:
            return "—"
        colour = "#ba2121" if abs(aggregator.last_skew_seconds) > SKEW_ALERT_SECONDS else "inherit"
        return format_html('<span style="color:{}">{}</span>', colour, f"{aggregator.last_skew_seconds:+.3f}")

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
    list_display = ["token", "player", "aggregator", "game_code", "currency", "mode", "created_at", "expires_at"]
    list_filter = ["mode", "aggregator", "currency"]
    search_fields = ["token", "player__external_id", "game_code"]
    raw_id_fields = ["player", "wallet"]
    readonly_fields = ["token", "created_at"]
    date_hierarchy = "created_at"

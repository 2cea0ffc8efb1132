"""The staff login form, throttled: the admin site's login_form (set in compliance/admin.py)."""

import ipaddress
import math

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from compliance.models import LoginAttempt
from compliance.selectors import login_locked_until
from compliance.services import login_attempt_begin, login_attempt_finish

# Where an address that cannot be read is counted: all such attempts share one count.
UNREADABLE_ADDRESS = "0.0.0.0"  # noqa: S104 - not a bind address


def client_address(request) -> str:
    """The address the request came from: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in
    front, the entry the outermost of them appended to X-Forwarded-For. Entries further left
    are whatever the client sent, so a client cannot pick the address it is counted under."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(forwarded) >= proxies:
            remote = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return UNREADABLE_ADDRESS


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "locked": (
            "Too many failed logins for this account or from this address. "
            "Logins are refused for now: try again in %(minutes)d minutes."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()  # the field errors already say what is missing
        attempt = login_attempt_begin(username=username, ip_address=client_address(self.request))
        locked_until = login_locked_until(attempt=attempt)
        if locked_until is not None:
            login_attempt_finish(attempt=attempt, outcome=LoginAttempt.Outcome.LOCKED)
            minutes = max(1, math.ceil((locked_until - timezone.now()).total_seconds() / 60))
            raise ValidationError(self.error_messages["locked"], code="locked", params={"minutes": minutes})
        try:
            cleaned = super().clean()
        except ValidationError:
            # user_cache is set when the password was right but the user may not log in here.
            failed = LoginAttempt.Outcome.NOT_ALLOWED if self.user_cache else LoginAttempt.Outcome.BAD_CREDENTIALS
            login_attempt_finish(attempt=attempt, outcome=failed)
            raise
        login_attempt_finish(attempt=attempt, outcome=LoginAttempt.Outcome.SUCCESS)
        return cleaned

from django.db import models
from django.utils import timezone


class LoginAttempt(models.Model):
    """One try at the staff login, kept as its audit record and to count failures (the lock
    holds across processes and restarts because it is counted here, not in a cache)."""

    class Outcome(models.TextChoices):
        # Written before the password is checked, so concurrent guesses count each other.
        PENDING = "pending", "being checked"
        SUCCESS = "success", "logged in"
        BAD_CREDENTIALS = "bad-credentials", "wrong username or password"
        NOT_ALLOWED = "not-allowed", "right password, but not active staff"
        LOCKED = "locked", "refused unchecked: too many failures"

    username = models.CharField(max_length=150, help_text="As typed: it need not exist.")
    ip_address = models.GenericIPAddressField()
    attempted_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)

    class Meta:
        ordering = ["-attempted_at"]
        indexes = [
            models.Index(fields=["username", "attempted_at"], name="login_attempt_username"),
            models.Index(fields=["ip_address", "attempted_at"], name="login_attempt_address"),
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.ip_address}: {self.outcome}"


# Outcomes that count towards a lock: wrong passwords, and attempts still being checked.
COUNTED_FAILURES = (LoginAttempt.Outcome.PENDING, LoginAttempt.Outcome.BAD_CREDENTIALS)

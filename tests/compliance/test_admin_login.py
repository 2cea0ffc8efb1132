"""Staff logins are throttled per account and per client address, and every attempt is kept."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from compliance.forms import UNREADABLE_ADDRESS, client_address
from compliance.models import LoginAttempt

LOCKED = "Too many failed logins for this account or from this address"
WRONG = "Please enter the correct username and password"
HOME = "10.0.0.1"
ELSEWHERE = "10.0.0.2"


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # The lock is what is under test, not the hash: a slow hash only slows the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def log_in(client: Client, password: str, *, username: str = "admin", address: str = HOME):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(response) -> bool:
    return response.status_code == 302 and response.headers["Location"] == "/admin/"


def move_time_forward(seconds: int) -> None:
    """The same as waiting: every recorded attempt becomes that much older."""
    LoginAttempt.objects.update(attempted_at=F("attempted_at") - timedelta(seconds=seconds))


def test_twenty_wrong_passwords_lock_the_account_so_the_right_one_is_refused_too(client, admin_user):
    answers = [log_in(client, f"guess-{i}").content.decode() for i in range(20)]

    right = log_in(client, "password")

    assert all(WRONG in answer for answer in answers[:5])
    assert all(LOCKED in answer and "try again in 15 minutes" in answer for answer in answers[5:])
    assert not logged_in(right) and LOCKED in right.content.decode()
    assert client.get("/admin/").status_code == 302  # still not in


def test_the_right_password_logs_in_once_the_lock_has_expired(client, admin_user):
    for i in range(5):
        log_in(client, f"guess-{i}")
    move_time_forward(settings.LOGIN_LOCKOUT_SECONDS - 60)
    still_locked = log_in(client, "password")

    move_time_forward(61)
    after = log_in(client, "password")

    assert LOCKED in still_locked.content.decode() and "try again in 1 minutes" in still_locked.content.decode()
    assert logged_in(after)


def test_a_locked_account_stays_locked_from_another_address(client, admin_user):
    for i in range(5):
        log_in(client, f"guess-{i}", address=HOME)

    elsewhere = log_in(client, "password", address=ELSEWHERE)

    assert not logged_in(elsewhere) and LOCKED in elsewhere.content.decode()


def test_an_address_guessing_across_many_accounts_is_locked_out_of_every_account(client, admin_user):
    for i in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        log_in(client, "guess", username=f"user-{i}", address=HOME)

    from_there = log_in(client, "password", address=HOME)
    from_elsewhere = log_in(Client(), "password", address=ELSEWHERE)

    assert not logged_in(from_there) and LOCKED in from_there.content.decode()
    assert logged_in(from_elsewhere)


def test_a_successful_login_resets_the_accounts_count(client, admin_user):
    for i in range(4):
        log_in(client, f"guess-{i}")
    assert logged_in(log_in(client, "password"))
    client.post(reverse("admin:logout"))

    for i in range(4):
        log_in(client, f"again-{i}")
    after = log_in(client, "password")

    assert logged_in(after)


def test_every_attempt_is_recorded_with_username_address_time_and_reason(client, admin_user, django_user_model):
    django_user_model.objects.create_user("player-support", password="right-but-not-staff")
    log_in(client, "password", address=HOME)
    log_in(Client(), "wrong", address=ELSEWHERE)
    log_in(Client(), "anything", username="nobody", address=ELSEWHERE)
    log_in(Client(), "right-but-not-staff", username="player-support", address=ELSEWHERE)
    for i in range(5):
        log_in(Client(), f"guess-{i}", address=ELSEWHERE)

    recorded = list(LoginAttempt.objects.order_by("pk").values_list("username", "ip_address", "outcome"))

    assert recorded[:4] == [
        ("admin", HOME, "success"),
        ("admin", ELSEWHERE, "bad-credentials"),
        ("nobody", ELSEWHERE, "bad-credentials"),
        ("player-support", ELSEWHERE, "not-allowed"),
    ]
    assert recorded[-1] == ("admin", ELSEWHERE, "locked")
    assert LoginAttempt.objects.filter(attempted_at__isnull=True).count() == 0


def test_login_attempts_are_visible_and_read_only_in_the_admin(client, admin_user):
    log_in(Client(), "wrong", username="intruder", address=ELSEWHERE)
    client.force_login(admin_user)
    attempt = LoginAttempt.objects.get(username="intruder")

    listing = client.get(reverse("admin:compliance_loginattempt_changelist")).content.decode()
    add = client.get(reverse("admin:compliance_loginattempt_add"))
    delete = client.post(reverse("admin:compliance_loginattempt_delete", args=[attempt.pk]), {"post": "yes"})
    change = client.get(reverse("admin:compliance_loginattempt_change", args=[attempt.pk]))

    assert "intruder" in listing and ELSEWHERE in listing
    assert add.status_code == 403 and delete.status_code == 403
    assert change.status_code == 200 and b'value="Save"' not in change.content
    assert LoginAttempt.objects.filter(pk=attempt.pk).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_burst_of_parallel_guesses_gets_no_more_passwords_checked_than_the_limit(admin_user):
    guesses = 12
    start = threading.Barrier(guesses)

    def guess(i: int) -> None:
        try:
            start.wait()
            log_in(Client(), f"parallel-{i}")
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Each attempt is recorded before its check and counts the others in flight, so a burst
    # is refused early rather than late: never more passwords checked than the limit.
    checked = LoginAttempt.objects.filter(outcome=LoginAttempt.Outcome.BAD_CREDENTIALS).count()
    assert LoginAttempt.objects.count() == guesses
    assert checked <= settings.LOGIN_FAILURES_PER_ACCOUNT


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "203.0.113.9", "192.0.2.1"),  # no proxy: a header anyone can send is ignored
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # our proxy appended the real client
        (2, "198.51.100.7, 203.0.113.9, 10.1.1.1", "203.0.113.9"),
        (1, "", "192.0.2.1"),  # the proxy sent nothing: the peer's address
        (1, "not-an-address", UNREADABLE_ADDRESS),
    ],
)
def test_the_client_address_trusts_only_what_our_own_proxies_wrote(proxies, forwarded_for, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_address(request) == expected

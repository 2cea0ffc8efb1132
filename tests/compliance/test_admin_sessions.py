"""Admin sessions end after ADMIN_IDLE_TIMEOUT_SECONDS without a request; each request renews."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.staff import PASSWORD, staff_in


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_an_idle_session_ends_and_an_active_one_is_renewed(client, settings, db):
    staff_in("Support", "sam")
    client.post("/admin/login/", {"username": "sam", "password": PASSWORD})
    session = Session.objects.get()

    # when: the session is used, it lasts the idle timeout from now again
    assert client.get("/admin/").status_code == 200
    left = Session.objects.get().expire_date - timezone.now()
    assert timedelta(seconds=settings.SESSION_COOKIE_AGE - 60) < left <= timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert settings.SESSION_COOKIE_AGE == 30 * 60  # the documented default

    # when: nothing happens for longer than the timeout
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/admin/")

    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")

"""The admin as staff meet it, in headless Chromium."""

import pytest
from django.contrib.auth import get_user_model
from selenium.webdriver.common.by import By

# serialized_rollback, like every transactional test here: a plain flush re-creates content types
# under new ids, which the serialized tests after it then collide with when they restore theirs.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_superuser_logs_in_and_sees_the_players_list(browser, live_server, admin_login):
    get_user_model().objects.create_superuser("lead", "lead@example.com", "a-long-test-password")

    admin_login("lead", "a-long-test-password")
    browser.get(f"{live_server.url}/admin/casino/player/")

    assert "Select player to change" in browser.find_element(By.TAG_NAME, "h1").text or browser.find_element(
        By.ID, "changelist"
    )

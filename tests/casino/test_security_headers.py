"""The Content-Security-Policy runs only our own files, and the admin and the API docs still
load everything they need under it."""

import re

from django.conf import settings

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>")
LOADED = re.compile(r'<(?:script|link)[^>]*\b(?:src|href)="([^"]+)"')


def test_the_admin_login_page_carries_the_policy_and_runs_no_inline_script(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_the_api_docs_load_every_file_from_our_own_origin_and_nothing_inline(client):
    page = client.get("/api/docs/")
    html = page.content.decode()
    loaded = LOADED.findall(html)

    assert page.status_code == 200
    assert "Content-Security-Policy" in page.headers
    assert not INLINE_SCRIPT.search(html)
    assert "<style" not in html and " style=" not in html
    assert any("script" in url and url.startswith("/api/docs/") for url in loaded)
    for url in loaded:
        assert url.startswith("/"), url  # same origin
        assert client.get(url.replace("&amp;", "&")).status_code == 200, url


def test_the_api_docs_start_up_script_is_served_as_javascript(client):
    script = client.get("/api/docs/", {"script": ""})

    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    assert '"validatorUrl": null' in script.content.decode()

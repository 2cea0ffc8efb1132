"""Content-Security-Policy on every response (Django 5.2 has none built in).

Should a script ever be injected into an admin page (a player name rendered unescaped, say),
the browser refuses to run it: only script files served from our own origin run.
"""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A view that needs another policy sets its own; none does today.
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response

"""The WSGI application gunicorn serves: Django, with the aggregators' server-to-server calls
sent through a shorter middleware chain.

Wallet callbacks (native and Hub88) and settlement webhooks are signed JSON from another
server: no browser, no cookie, no session, no staff user, no HTML page. The admin's middleware
(sessions, authentication, CSRF, messages, frame options, the CSP, static files, the history's and
the replica's request hooks) cost each of them about 0.3 ms of CPU and did nothing for them
(docs/benchmarks.md, "Lever 3: Python per call"). Requests under
settings.CALLBACK_PATH_PREFIXES pass through settings.CALLBACK_MIDDLEWARE instead: the request id
for the logs, and Django's security middleware (HTTPS redirect, HSTS, nosniff). Same URLs, same
views, same signals (the database connection is looked after as for any request).
"""

import os

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casino.settings")
django_application = get_wsgi_application()

from django.conf import settings  # noqa: E402 - after get_wsgi_application() has set Django up


class CallbackHandler(WSGIHandler):
    """Django's WSGI handler with settings.CALLBACK_MIDDLEWARE as its middleware chain."""

    def load_middleware(self, is_async=False):
        # Django builds the chain from settings.MIDDLEWARE and has no other way to name it: swap
        # the list in for the moment of building (once, at start-up, before any request).
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.CALLBACK_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


callback_application = CallbackHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO", "").startswith(settings.CALLBACK_PATH_PREFIXES):
        return callback_application(environ, start_response)
    return django_application(environ, start_response)

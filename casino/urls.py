from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from casino import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/wallet/", include("wallet.urls")),
    path("api/v1/settlement/", include("reconciliation.urls")),
    path("api/v1/", include("games.urls")),
    path("api/v1/players/<str:player_id>/rg/", include("compliance.api.limits_urls")),
    path("api/v1/players/<str:player_id>/rg/", include("compliance.api.exclusion_urls")),
    path("api/hub88/<slug:code>/", include("wallet.hub88_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (/api/docs/?script=), not inline:
    # the Content-Security-Policy runs no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("health", views.health, name="health"),
    path("ready", views.ready, name="ready"),
    path("metrics", views.metrics, name="metrics"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("", views.home, name="home"),
]

if settings.BENCH_ENDPOINTS:
    # The project's urls reach up into the apps they route to (pyproject.toml's import contracts allow this edge).
    from wallet import bench

    urlpatterns.append(path("bench/ceiling", bench.ceiling, name="bench-ceiling"))

"""The front end's responsible-gaming limits API, mounted at /api/v1/players/<player_id>/rg/."""

from django.urls import path

from compliance.api import limits

urlpatterns = [
    path("limits", limits.LimitsView.as_view(), name="frontend-rg-limits"),
]

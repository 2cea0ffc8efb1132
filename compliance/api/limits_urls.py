"""The front end's responsible-gaming limits and playing-session API, mounted at
/api/v1/players/<player_id>/rg/."""

from django.urls import path

from compliance.api import limits, playing

urlpatterns = [
    path("limits", limits.LimitsView.as_view(), name="frontend-rg-limits"),
    path("session", playing.PlayingSessionView.as_view(), name="frontend-rg-session"),
]

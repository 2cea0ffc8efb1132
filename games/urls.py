"""The operator front end's API, mounted at /api/v1/ (games/api.py)."""

from django.urls import path

from games import api

urlpatterns = [
    path("games", api.GamesView.as_view(), name="frontend-games"),
    path("launch", api.LaunchView.as_view(), name="frontend-launch"),
]

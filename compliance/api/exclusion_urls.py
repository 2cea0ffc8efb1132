"""The front end's cool-off and self-exclusion API, mounted at /api/v1/players/<player_id>/rg/."""

from django.urls import path

from compliance.api import exclusions

urlpatterns = [
    path("cool-off", exclusions.CoolOffView.as_view(), name="frontend-rg-cool-off"),
    path("self-exclusion", exclusions.SelfExclusionView.as_view(), name="frontend-rg-self-exclusion"),
]

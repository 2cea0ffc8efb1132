from django.urls import path

from reconciliation import api

urlpatterns = [path("events", api.SettlementEventsView.as_view(), name="settlement-events")]

from django.urls import path

from wallet.api import native

urlpatterns = [
    path("balance", native.BalanceView.as_view(), name="native-balance"),
    path("bet", native.BetView.as_view(), name="native-bet"),
    path("win", native.WinView.as_view(), name="native-win"),
    path("rollback", native.RollbackView.as_view(), name="native-rollback"),
]

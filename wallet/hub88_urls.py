"""Hub88 Wallet API, mounted at /api/hub88/<aggregator code>/ (the wallet base URL we register
with Hub88). No trailing slashes: Hub88 appends these paths to the base URL exactly as written."""

from django.urls import path

from wallet.api.hub88 import views as hub88

urlpatterns = [
    path("user/info", hub88.UserInfoView.as_view(), name="hub88-user-info"),
    path("user/balance", hub88.BalanceView.as_view(), name="hub88-user-balance"),
    path("transaction/bet", hub88.BetView.as_view(), name="hub88-bet"),
    path("transaction/win", hub88.WinView.as_view(), name="hub88-win"),
    path("transaction/rollback", hub88.RollbackView.as_view(), name="hub88-rollback"),
]

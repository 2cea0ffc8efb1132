"""The staff money forms of the admin: a deposit, withdrawal or adjustment is asked for on a
wallet (form, then a confirmation step showing what will post), becomes a money request
(wallet/services/money_requests.py) and, under four eyes, waits on the Money requests page for
a second Finance user. Kept apart from wallet/admin.py: its own views and its own admin."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from casino.admin import ReadOnlyAdmin
from casino.models import Mode
from wallet.errors import WalletError
from wallet.forms import MoneyOperationForm
from wallet.models import MoneyRequest, Wallet
from wallet.services.money_requests import (
    APPROVE_PERMISSION,
    REQUEST_PERMISSION,
    balance_delta,
    money_request_approve,
    money_request_create,
    money_request_new_key,
    money_request_reject,
    needs_second_approval,
)

RESULT_MESSAGES = {
    MoneyRequest.Status.PENDING: "waits for a second Finance user's approval",
    MoneyRequest.Status.POSTED: "posted to the ledger",
    MoneyRequest.Status.REJECTED: "was rejected",
    MoneyRequest.Status.EXPIRED: "expired unapproved",
    MoneyRequest.Status.REFUSED: "was refused when posting",
}


def describe(request_: MoneyRequest) -> str:
    wallet = request_.wallet
    outcome = RESULT_MESSAGES[MoneyRequest.Status(request_.status)]
    # The numbers are links: staff go on to the request and its ledger transaction from here.
    ledger = (
        format_html(
            ' as ledger transaction <a href="{}">#{}</a>',
            reverse("admin:wallet_ledgertransaction_change", args=[request_.ledger_transaction_id]),
            request_.ledger_transaction_id,
        )
        if request_.ledger_transaction_id
        else ""
    )
    note = f": {request_.decision_note}" if request_.decision_note else ""
    amount = wallet.currency.format(request_.amount)
    return format_html(
        'Request <a href="{}">#{}</a>, {} of {}, {}{}{}.',
        reverse("admin:wallet_moneyrequest_change", args=[request_.pk]),
        request_.pk,
        request_.operation,
        amount,
        outcome,
        ledger,
        note,
    )


def money_operation_view(model_admin, request, wallet_id: int):
    """Form -> confirmation -> request. A form sent again answers the request it made first."""
    if not request.user.has_perm(REQUEST_PERMISSION):
        raise PermissionDenied
    wallet = get_object_or_404(Wallet.objects.select_related("currency", "player"), pk=wallet_id)
    form = MoneyOperationForm(
        request.POST or None, exponent=wallet.currency.exponent, initial={"request_key": money_request_new_key()}
    )
    confirmation = None
    if wallet.mode != Mode.REAL:
        messages.error(request, "Demo wallets hold play money; staff operations apply to real wallets only.")
        return redirect("admin:wallet_wallet_change", wallet.pk)
    # "edit": back from the confirmation to the form, filled in as it was.
    if request.method == "POST" and "edit" not in request.POST and form.is_valid():
        data = form.cleaned_data
        first = MoneyRequest.objects.filter(request_key=data["request_key"]).select_related("wallet__currency").first()
        if first is not None:
            # Back, then submit again: the first result, never a second operation.
            messages.warning(request, format_html("This form was already sent. {}", describe(first)))
            return redirect("admin:wallet_moneyrequest_change", first.pk)
        try:
            delta = balance_delta(operation=data["operation"], amount=data["amount"])
            if data["confirmed"]:
                created = money_request_create(
                    request_key=data["request_key"],
                    wallet_id=wallet.pk,
                    operation=data["operation"],
                    amount=data["amount"],
                    memo=data["memo"],
                    staff_user=request.user,
                )
                level = messages.SUCCESS if created.status != MoneyRequest.Status.REFUSED else messages.ERROR
                messages.add_message(request, level, describe(created))
                return redirect("admin:wallet_moneyrequest_change", created.pk)
        except WalletError as error:
            form.add_error(None, error.message)
        else:
            confirmation = {
                "operation": dict(MoneyOperationForm.OPERATIONS)[data["operation"]],
                "amount": wallet.currency.format(delta),
                "currency": wallet.currency_id,
                "balance_after": wallet.currency.format(wallet.balance + delta),
                "four_eyes": needs_second_approval(currency=wallet.currency_id, amount=delta),
                "fields": {**{name: request.POST.get(name, "") for name in ("operation", "amount", "memo")}},
                "request_key": data["request_key"],
            }
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Money operation on {wallet}",
        "wallet": wallet,
        "balance": wallet.currency.format(wallet.balance),
        "form": form,
        "confirmation": confirmation,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/wallet/money_operation.html", context)


@admin.register(MoneyRequest)
class MoneyRequestAdmin(ReadOnlyAdmin):
    """Staff money requests: listed, and decided (approve / reject) by a second Finance user on
    the request's page. Nobody adds (the wallet's money form does), edits or deletes one."""

    list_display = [
        "id",
        "requested_at",
        "operation",
        "player",
        "amount_display",
        "status",
        "requested_by",
        "decided_by",
    ]
    list_filter = ["status", "operation", "source"]
    search_fields = ["wallet__player__external_id", "memo", "=id"]
    list_select_related = ["wallet__player", "wallet__currency", "requested_by", "decided_by"]
    date_hierarchy = "requested_at"
    change_form_template = "admin/wallet/moneyrequest/change_form.html"
    fields = readonly_fields = (
        "wallet",
        "operation",
        "amount_display",
        "balance_now",
        "memo",
        "source",
        "status",
        "requested_by",
        "requested_at",
        "expires_at",
        "decided_by",
        "decided_at",
        "decision_note",
        "ledger_link",
    )

    @admin.display(description="player", ordering="wallet__player__external_id")
    def player(self, obj):
        return obj.wallet.player

    @admin.display(description="amount")
    def amount_display(self, obj):
        return obj.wallet.currency.format(obj.amount)

    @admin.display(description="wallet balance now")
    def balance_now(self, obj):
        return obj.wallet.currency.format(obj.wallet.balance)

    @admin.display(description="ledger transaction")
    def ledger_link(self, obj):
        if not obj.ledger_transaction_id:
            return "-"
        url = reverse("admin:wallet_ledgertransaction_change", args=[obj.ledger_transaction_id])
        return format_html('<a href="{}">#{}</a>', url, obj.ledger_transaction_id)

    def get_urls(self):
        decide = self.admin_site.admin_view(require_POST(self.decide_view))
        return [path("<int:request_id>/decide/", decide, name="wallet_moneyrequest_decide"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        can_decide = (
            obj is not None
            and obj.status == MoneyRequest.Status.PENDING
            and request.user.has_perm(APPROVE_PERMISSION)
            and obj.requested_by_id != request.user.pk
        )
        extra = {**(extra_context or {}), "can_decide": can_decide}
        return super().change_view(request, object_id, form_url, extra)

    def decide_view(self, request, request_id: int):
        if not request.user.has_perm(APPROVE_PERMISSION):
            raise PermissionDenied
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                decided = money_request_approve(request_id=request_id, staff_user=request.user)
            elif decision == "reject":
                decided = money_request_reject(
                    request_id=request_id, staff_user=request.user, note=request.POST.get("note", "")[:255]
                )
            else:
                messages.error(request, "Approve or reject?")
                return redirect("admin:wallet_moneyrequest_change", request_id)
        except MoneyRequest.DoesNotExist:
            messages.error(request, f"There is no money request #{request_id}.")
            return redirect("admin:wallet_moneyrequest_changelist")
        except WalletError as error:
            messages.error(request, error.message)
        else:
            ok = decided.status in (MoneyRequest.Status.POSTED, MoneyRequest.Status.REJECTED)
            messages.add_message(request, messages.SUCCESS if ok else messages.WARNING, describe(decided))
        return redirect("admin:wallet_moneyrequest_change", request_id)

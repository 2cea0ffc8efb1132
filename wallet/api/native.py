"""Native wallet protocol v1 (docs/native-protocol.md): a thin translation onto wallet services.

Each view: authenticate (key id, timestamp window, HMAC over "{timestamp}.{raw body}"),
validate, build a MoneyCall, call one service, render its answer. Rendering is a pure
function of the stored answer, so a resend gets the first answer back byte for byte.
"""

import functools
import json
import time

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from casino.jsonbody import JsonBodyError, load_json_object, read_body
from casino.models import Aggregator
from casino.responsible_gaming import RgReason
from wallet.api.auth import authenticate_native, check_rate_limit
from wallet.api.observe import wallet_call_observe
from wallet.errors import WALLET_CODES, ErrorCode, RateLimited, RetryLater, WalletError
from wallet.services import CallAnswer, MoneyCall, SpinType, wallet_balance, wallet_process_call

HTTP_STATUS = {
    ErrorCode.VALIDATION_ERROR: 400,
    ErrorCode.INVALID_SIGNATURE: 401,
    ErrorCode.INSUFFICIENT_FUNDS: 402,
    ErrorCode.PLAYER_BLOCKED: 403,
    ErrorCode.RG_BLOCKED: 403,
    ErrorCode.SESSION_EXPIRED: 403,
    # Refused by the operator's policy, like RG_BLOCKED: final, a resend gets the same answer.
    ErrorCode.RISK_LIMIT_EXCEEDED: 403,
    ErrorCode.PLAYER_NOT_FOUND: 404,
    ErrorCode.SESSION_NOT_FOUND: 404,
    ErrorCode.DUPLICATE_TRANSACTION: 409,
    ErrorCode.TRANSACTION_NOT_FOUND: 422,
    ErrorCode.TRANSACTION_ROLLED_BACK: 422,
    ErrorCode.TRANSACTION_ALREADY_SETTLED: 422,
    ErrorCode.ROUND_CLOSED: 422,
    ErrorCode.CURRENCY_MISMATCH: 422,
    ErrorCode.FX_RATE_STALE: 422,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.RETRY: 503,
}

MAX_AMOUNT = 10**15  # minor units; far above any real stake, far below 64-bit overflow


# --- Request and response shapes ------------------------------------------------------------


class StrictAmountField(serializers.IntegerField):
    """A JSON integer and nothing else: no "10", no 10.0, no true. Money is never coerced."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def exact_text(value: str) -> bool:
    """An id as it must be sent: printable characters (no control, format or lone surrogate
    characters, no whitespace but the plain space), not beginning or ending with a space."""
    return value.isprintable() and value[:1] != " " and value[-1:] != " "


class ExactTextField(serializers.CharField):
    """A JSON string, used exactly as sent: no 123 for "123", and no trimming (" ws-X " would
    otherwise be answered as a resend of ws-X), so anything that would need it is refused."""

    default_error_messages = {
        "not_a_string": "must be a string",
        "not_exact": "must not begin or end with whitespace nor contain control characters",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        if not exact_text(data):
            self.fail("not_exact")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false, nothing else: no "yes", no 1."""

    default_error_messages = {"not_a_boolean": "must be a JSON boolean (true or false)"}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("not_a_boolean")
        return data


class NativeBalanceRequest(serializers.Serializer):
    player_id = ExactTextField(max_length=64)
    session_token = ExactTextField(max_length=64)
    currency = ExactTextField(max_length=10)


class NativeMoneyRequest(NativeBalanceRequest):
    transaction_id = ExactTextField(max_length=128, help_text="The aggregator's id, unique per aggregator.")
    round_id = ExactTextField(max_length=128)
    game_id = ExactTextField(max_length=128, help_text="The aggregator's game code.")
    amount = StrictAmountField(min_value=0, max_value=MAX_AMOUNT, help_text="Minor units of the currency.")
    round_closed = StrictBooleanField(default=False)
    spin_type = serializers.ChoiceField(choices=SpinType.ALL, default=SpinType.CASH)
    free_spins_id = ExactTextField(
        max_length=128,
        required=False,
        help_text="A free-spin grant's id (the grant_id you answered to POST /free-spins): a bet naming it debits "
        "nothing and its win is a free-spin win (docs/money.md).",
    )


class NativeBetRequest(NativeMoneyRequest):
    amount = StrictAmountField(min_value=1, max_value=MAX_AMOUNT, help_text="Minor units; a bet is positive.")
    jackpot_contribution = StrictAmountField(
        min_value=0,
        max_value=MAX_AMOUNT,
        required=False,
        help_text="Optional: the part of the bet (minor units of the wallet's currency) that goes to the game's "
        "jackpot, as you compute it; without it, the jackpot's own percentage applies (docs/money.md).",
    )


class NativeWinRequest(NativeMoneyRequest):
    pass


class NativeRollbackRequest(NativeMoneyRequest):
    rollback_transaction_id = ExactTextField(max_length=128, help_text="The bet this rollback cancels.")
    # A rollback names its bet, which carries its grant. (None removes an inherited DRF field.)
    free_spins_id = None  # type: ignore[assignment]
    round_id = ExactTextField(max_length=128, required=False, default="")
    game_id = ExactTextField(max_length=128, required=False, default="")
    amount = StrictAmountField(
        min_value=1, max_value=MAX_AMOUNT, required=False, help_text="Optional; if given, must equal the bet's."
    )


class NativeBalanceResponse(serializers.Serializer):
    status = serializers.ChoiceField(choices=["OK"])
    balance = serializers.IntegerField()
    currency = serializers.CharField()


class NativeMoneyResponse(NativeBalanceResponse):
    transaction_id = serializers.CharField(help_text="The aggregator's transaction id, echoed.")
    wallet_transaction_id = serializers.CharField(help_text="Our id for this transaction.")


class NativeErrorResponse(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ERROR"])
    code = serializers.ChoiceField(choices=[c.value for c in ErrorCode if c in WALLET_CODES])
    message = serializers.CharField()
    balance = serializers.IntegerField(required=False, help_text="Present whenever the wallet is known.")
    rg_reason = serializers.ChoiceField(
        choices=list(RgReason.ALL),
        required=False,
        help_text="With RG_BLOCKED for a responsible-gaming refusal: which rule refused (a resend gets it too).",
    )


# --- The fast path for well-formed requests -------------------------------------------------
# A DRF serializer costs a callback about as much CPU as the wallet's own work. Nearly every
# request an aggregator sends is well formed, so such a request is read here, from rules taken
# from the serializer's own fields: only values the serializer would accept unchanged (exact
# JSON types, exact text, within length and range) pass, giving the very dict
# it would give. Anything else goes through the serializer, so every refusal and its message
# stay the serializer's.


@functools.cache
def _plain_rules(serializer_class: type[serializers.Serializer]) -> tuple | None:
    rules = []
    for name, field in serializer_class().fields.items():
        if isinstance(field, StrictAmountField):
            rule: tuple = ("amount", field.min_value, field.max_value)
        elif isinstance(field, serializers.ChoiceField):
            rule = ("choice", frozenset(field.choices))
        elif isinstance(field, ExactTextField) and not field.allow_blank:
            rule = ("text", field.max_length)
        elif isinstance(field, StrictBooleanField):
            rule = ("bool",)
        else:
            return None  # a field these rules do not know: always use the serializer
        rules.append((name, rule, field.required, field.default))
    return tuple(rules)


def _plain_value(rule: tuple, value) -> bool:
    kind = rule[0]
    if kind == "text":
        # exact_text also refuses NUL and lone surrogates (not printable), as the serializer does.
        return type(value) is str and 0 < len(value) <= rule[1] and exact_text(value)
    if kind == "amount":
        return type(value) is int and rule[1] <= value <= rule[2]
    if kind == "choice":
        return type(value) is str and value in rule[1]
    return type(value) is bool


def plainly_valid(serializer_class: type[serializers.Serializer], payload: dict) -> dict | None:
    """The serializer's validated data for a plainly well-formed payload, else None."""
    rules = _plain_rules(serializer_class)
    if rules is None:
        return None
    data = {}
    for name, rule, required, default in rules:
        if name not in payload:
            if required:
                return None
            if default is not serializers.empty:
                data[name] = default
            continue
        value = payload[name]
        if not _plain_value(rule, value):
            return None
        data[name] = value
    return data


# --- Rendering ------------------------------------------------------------------------------


def json_response(body: dict, *, status: int) -> HttpResponse:
    """`body` as DRF's JSONRenderer writes it (compact UTF-8), without DRF's rendering steps."""
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # As DRF does: U+2028/U+2029 are valid JSON but end a line in JavaScript.
    content = content.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return HttpResponse(content.encode(), status=status, content_type="application/json")


def error_response(error: WalletError) -> HttpResponse:
    body: dict[str, object] = {"status": "ERROR", "code": str(error.code), "message": error.message}
    if error.balance is not None:
        body["balance"] = error.balance
    if error.rg_reason:
        body["rg_reason"] = error.rg_reason
    response = json_response(body, status=HTTP_STATUS[error.code])
    response.result_code = str(error.code)  # type: ignore[attr-defined]  # for wallet_call_observe
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    elif error.code == ErrorCode.RETRY:
        response["Retry-After"] = "1"
    return response


def answer_response(answer: CallAnswer, *, transaction_id: str | None) -> HttpResponse:
    if not answer.ok:
        return error_response(
            WalletError(ErrorCode(answer.code), answer.message, balance=answer.balance, rg_reason=answer.rg_reason)
        )
    body = {"status": "OK", "balance": answer.balance, "currency": answer.currency}
    if transaction_id is not None:
        body["transaction_id"] = transaction_id
        body["wallet_transaction_id"] = answer.wallet_transaction_id
    response = json_response(body, status=200)
    response.result_code = "OK"  # type: ignore[attr-defined]
    return response


def _validation_message(errors: dict) -> str:
    parts = []
    for name, problems in errors.items():
        text = "; ".join(str(p) for p in problems) if isinstance(problems, list) else str(problems)
        parts.append(f"{name}: {text}")
    return ", ".join(parts)


# --- Views ----------------------------------------------------------------------------------

AUTH_HEADERS = [
    OpenApiParameter("X-Aggregator-Key", str, OpenApiParameter.HEADER, required=True, description="Your key id."),
    OpenApiParameter("X-Timestamp", str, OpenApiParameter.HEADER, required=True, description="Unix seconds."),
    OpenApiParameter(
        "X-Signature",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description="Hex HMAC-SHA256(signing secret, '{X-Timestamp}.{raw body}').",
    ),
]
ERROR_RESPONSES = {
    status: OpenApiResponse(
        NativeErrorResponse, description=", ".join(c for c, s in HTTP_STATUS.items() if s == status)
    )
    for status in sorted(set(HTTP_STATUS.values()))
}


class NativeWalletView(APIView):
    """Shared plumbing: authenticate the raw body, then parse and hand over to `handle`.

    The endpoints are DRF views so that the OpenAPI schema describes them from these classes,
    but a POST is served by plain Django: DRF's request wrapper, content negotiation and
    renderer cost a callback more CPU than the wallet's own reads, and bring nothing here (one
    format, our own authentication). Other methods keep DRF's answers (405, OPTIONS).
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    request_serializer: type[serializers.Serializer]
    endpoint: str
    received_at: float = 0.0

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if request.method != "POST":
            return super().dispatch(request, *args, **kwargs)
        return self.post(request)

    def post(self, request):
        self.received_at = time.perf_counter()
        aggregator = None
        data: dict = {}
        try:
            aggregator = authenticate_native(request)
            check_rate_limit(aggregator)
            data = self.parse(request)
            response = self.handle(aggregator, data)
        except JsonBodyError as exc:
            response = error_response(WalletError(ErrorCode.VALIDATION_ERROR, str(exc)))
        except WalletError as error:
            response = error_response(error)
        except DatabaseError:
            response = error_response(RetryLater())
        wallet_call_observe(
            protocol="native",
            endpoint=self.endpoint,
            aggregator=aggregator,
            result=getattr(response, "result_code", str(response.status_code)),
            started=self.received_at,
            transaction_id=data.get("transaction_id", ""),
        )
        return response

    def parse(self, request) -> dict:
        # One body, one meaning: JSON in UTF-8 only, read strictly (casino/jsonbody.py).
        if request.content_type.lower() != "application/json" or request.content_params.get(
            "charset", "utf-8"
        ).lower() not in ("utf-8", "utf8"):
            raise WalletError(ErrorCode.VALIDATION_ERROR, "the Content-Type must be application/json (UTF-8)")
        try:
            payload = load_json_object(read_body(request))
        except JsonBodyError as exc:
            raise WalletError(ErrorCode.VALIDATION_ERROR, str(exc)) from None
        data = plainly_valid(self.request_serializer, payload)
        if data is not None:
            return data
        serializer = self.request_serializer(data=payload)
        if not serializer.is_valid():
            raise WalletError(ErrorCode.VALIDATION_ERROR, _validation_message(serializer.errors))
        return serializer.validated_data

    def handle(self, aggregator: Aggregator, data: dict) -> HttpResponse:
        raise NotImplementedError


class MoneyView(NativeWalletView):
    kind: str

    def handle(self, aggregator, data):
        call = MoneyCall(
            aggregator=aggregator,
            kind=self.kind,
            transaction_id=data["transaction_id"],
            player_id=data["player_id"],
            session_token=data["session_token"],
            currency=data["currency"],
            amount=data.get("amount"),
            round_id=data["round_id"],
            game_code=data["game_id"],
            spin_type=SpinType.FREE if data.get("free_spins_id") else data["spin_type"],
            round_closed=data["round_closed"],
            reference_id=data.get("rollback_transaction_id", ""),
            jackpot_contribution=data.get("jackpot_contribution"),
            free_spins_id=data.get("free_spins_id", ""),
            is_free=bool(data.get("free_spins_id")) and self.kind == "bet",
            received_at=self.received_at,
        )
        return answer_response(wallet_process_call(call=call), transaction_id=call.transaction_id)


def _money_schema(summary: str, description: str, request: type[serializers.Serializer]):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        parameters=AUTH_HEADERS,
        responses={200: NativeMoneyResponse, **ERROR_RESPONSES},
        tags=["native wallet v1"],
        auth=[],
    )


@extend_schema_view(
    post=extend_schema(
        summary="Balance of the session's wallet",
        description="A read: also answered for expired sessions.",
        request=NativeBalanceRequest,
        parameters=AUTH_HEADERS,
        responses={200: NativeBalanceResponse, **ERROR_RESPONSES},
        tags=["native wallet v1"],
        auth=[],
        examples=[
            OpenApiExample(
                "request", value={"player_id": "p-1", "session_token": "tok", "currency": "EUR"}, request_only=True
            )
        ],
    )
)
class BalanceView(NativeWalletView):
    request_serializer = NativeBalanceRequest
    endpoint = "balance"

    def handle(self, aggregator, data):
        answer = wallet_balance(
            aggregator=aggregator,
            player_id=data["player_id"],
            session_token=data["session_token"],
            currency=data["currency"],
        )
        return answer_response(answer, transaction_id=None)


@extend_schema_view(
    post=_money_schema(
        "Debit a bet",
        "Refused on an expired session, a blocked or self-excluded player, a closed round, a bet whose "
        "rollback already arrived, or insufficient funds (402, with the balance). A bet over the player's "
        "responsible-gaming limits (loss, wager, session time) answers 403 RG_BLOCKED with `rg_reason`. "
        "A resend with the same "
        "transaction_id and content returns the first answer; other content answers 409.",
        NativeBetRequest,
    )
)
class BetView(MoneyView):
    kind = endpoint = "bet"
    request_serializer = NativeBetRequest


@extend_schema_view(
    post=_money_schema(
        "Credit a win",
        "Accepted after the session expired. A cash win needs a live bet in its round "
        "(TRANSACTION_NOT_FOUND, or TRANSACTION_ROLLED_BACK when it was rolled back); free, promo and "
        "tournament wins need none. round_closed=true closes the round. A win over the operator's risk "
        "limits for this aggregator (a round's wins above a multiple of its bets; a win without a bet, or "
        "the day's total of them, above a per-currency amount) answers 403 RISK_LIMIT_EXCEEDED.",
        NativeWinRequest,
    )
)
class WinView(MoneyView):
    kind = endpoint = "win"
    request_serializer = NativeWinRequest


@extend_schema_view(
    post=_money_schema(
        "Roll back a bet",
        "Refunds an unsettled bet once. Rolling back an unknown bet answers OK and is remembered: that "
        "bet is refused if it arrives later. A bet in a closed round, or a win, answers "
        "TRANSACTION_ALREADY_SETTLED.",
        NativeRollbackRequest,
    )
)
class RollbackView(MoneyView):
    kind = endpoint = "rollback"
    request_serializer = NativeRollbackRequest

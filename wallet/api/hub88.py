"""Hub88 Wallet API (docs/hub88.md): a thin translation onto the
same wallet services the native protocol uses.

Each view: find the aggregator by the code in the URL, verify X-Hub88-Signature (RSA-SHA256
with Hub88's public key) over the raw body before anything is parsed, validate the JSON,
convert Hub88's integer amounts (units x 100000) exactly to the currency's minor units, build
a MoneyCall, call one service, and render its answer as Hub88 expects: HTTP 200 always, the
business result in `status` (RS_*), `request_uuid` echoed, `user`/`currency`/`balance`
whenever they are known. No money rule lives here; the service decides, we translate.
"""

from __future__ import annotations

import json
import logging

from cryptography.exceptions import UnsupportedAlgorithm
from django.db import DatabaseError
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from casino.jsonbody import JsonBodyError, load_json_object, read_body
from casino.models import Aggregator, Currency, GameSession, Player
from casino.money import MINOR_UNITS_MAX, InexactAmount, rescale
from casino.signing import rsa_sign, rsa_signature_matches
from wallet.api.auth import check_rate_limit, find_aggregator, invalid_signature
from wallet.errors import ErrorCode, WalletError
from wallet.services import CallAnswer, MoneyCall, SpinType, wallet_balance, wallet_process_call

logger = logging.getLogger(__name__)


class RS:
    """Hub88's wallet statuses (the `status` field; HTTP is always 200)."""

    OK = "RS_OK"
    UNKNOWN = "RS_ERROR_UNKNOWN"
    INVALID_PARTNER = "RS_ERROR_INVALID_PARTNER"
    INVALID_TOKEN = "RS_ERROR_INVALID_TOKEN"  # noqa: S105 (a status name, not a secret)
    INVALID_GAME = "RS_ERROR_INVALID_GAME"
    WRONG_CURRENCY = "RS_ERROR_WRONG_CURRENCY"
    NOT_ENOUGH_MONEY = "RS_ERROR_NOT_ENOUGH_MONEY"
    USER_DISABLED = "RS_ERROR_USER_DISABLED"
    INVALID_SIGNATURE = "RS_ERROR_INVALID_SIGNATURE"
    TOKEN_EXPIRED = "RS_ERROR_TOKEN_EXPIRED"  # noqa: S105 (a status name, not a secret)
    WRONG_SYNTAX = "RS_ERROR_WRONG_SYNTAX"
    WRONG_TYPES = "RS_ERROR_WRONG_TYPES"
    DUPLICATE_TRANSACTION = "RS_ERROR_DUPLICATE_TRANSACTION"
    TRANSACTION_DOES_NOT_EXIST = "RS_ERROR_TRANSACTION_DOES_NOT_EXIST"
    LIMIT_REACHED = "RS_ERROR_LIMIT_REACHED"
    TRANSACTION_ROLLED_BACK = "RS_ERROR_TRANSACTION_ROLLED_BACK"
    ALL = (
        OK,
        UNKNOWN,
        INVALID_PARTNER,
        INVALID_TOKEN,
        INVALID_GAME,
        WRONG_CURRENCY,
        NOT_ENOUGH_MONEY,
        USER_DISABLED,
        INVALID_SIGNATURE,
        TOKEN_EXPIRED,
        WRONG_SYNTAX,
        WRONG_TYPES,
        DUPLICATE_TRANSACTION,
        TRANSACTION_DOES_NOT_EXIST,
        LIMIT_REACHED,
        TRANSACTION_ROLLED_BACK,
    )


# --- Readings of points hub88.md marks unconfirmed (each kept here, once; see docs/hub88.md) ---

# A win whose bet was rolled back, and a bet whose rollback came first. The current Hub88 docs
# say a win whose referenced bet "wasn't processed or was rolled back" answers
# TRANSACTION_DOES_NOT_EXIST; the legacy wrapper had RS_ERROR_TRANSACTION_ROLLED_BACK. Which one
# Hub88's staging tests expect is to be asked; change this one line if they want the other.
ROLLED_BACK_STATUS = RS.TRANSACTION_DOES_NOT_EXIST

# Temporary failures (lock not had in time, database unreachable, our own rate limit). Hub88
# has no "retry" status; RS_ERROR_UNKNOWN is the generic one: a bet so answered is rolled back
# by Hub88 (its retry policy), a win or rollback is retried until it succeeds.
RETRYABLE_STATUS = RS.UNKNOWN

# An amount with more decimals than the currency has (e.g. 356001 = 3.56001 EUR): refused,
# never rounded. The value does not fit the type "whole minor units of this currency".
INEXACT_AMOUNT_STATUS = RS.WRONG_TYPES

# An amount larger than any wallet of its currency holds (bigint minor units: 10 ETH is more
# than 2^63-1 wei): refused for the same reason, with a final status (not RS_ERROR_UNKNOWN, on
# which Hub88 would resend a win for ever). A win that would take a balance past that largest
# balance is the wallet's VALIDATION_ERROR, i.e. RS_ERROR_WRONG_SYNTAX, final as well.
OVERSIZED_AMOUNT_STATUS = RS.WRONG_TYPES

# Hub88 does not document signed responses. Signing them is harmless if ignored and right if
# Hub88 checks them, so we sign whenever our private key is configured.
SIGN_RESPONSES = True

# Hub88's amounts are integers in 1/100000 of the currency's unit.
HUB88_EXPONENT = 5
INT64_MAX = 2**63 - 1

# One table: the wallet's error codes as Hub88 statuses.
WALLET_STATUS: dict[str, str] = {
    ErrorCode.VALIDATION_ERROR: RS.WRONG_SYNTAX,
    ErrorCode.INVALID_SIGNATURE: RS.INVALID_SIGNATURE,
    ErrorCode.INSUFFICIENT_FUNDS: RS.NOT_ENOUGH_MONEY,
    ErrorCode.PLAYER_BLOCKED: RS.USER_DISABLED,
    # Self-exclusion and responsible-gaming limits: a clean reject Hub88 does not roll back.
    ErrorCode.RG_BLOCKED: RS.LIMIT_REACHED,
    ErrorCode.SESSION_EXPIRED: RS.TOKEN_EXPIRED,
    # Hub88 has no "unknown user": a user we do not know cannot hold a token of ours.
    ErrorCode.PLAYER_NOT_FOUND: RS.INVALID_TOKEN,
    ErrorCode.SESSION_NOT_FOUND: RS.INVALID_TOKEN,
    ErrorCode.DUPLICATE_TRANSACTION: RS.DUPLICATE_TRANSACTION,
    ErrorCode.TRANSACTION_NOT_FOUND: RS.TRANSACTION_DOES_NOT_EXIST,
    ErrorCode.TRANSACTION_ROLLED_BACK: ROLLED_BACK_STATUS,
    # Final refusals Hub88 has no status of its own for. Not RS_ERROR_UNKNOWN: Hub88 reads that
    # as our failure and resends a win or rollback until it succeeds, which these never will.
    # A win in a closed round: the bet it pays is settled, so no bet it could pay exists (the
    # status Hub88 documents for a win whose bet cannot be found); a bet so refused is rolled
    # back by Hub88 as after any refusal, and that rollback answers RS_OK.
    ErrorCode.ROUND_CLOSED: RS.TRANSACTION_DOES_NOT_EXIST,
    # A rollback of a win, or of a bet whose round is closed: no bet that can still be rolled
    # back exists under that id. The refusal is remembered: every resend gets it again.
    ErrorCode.TRANSACTION_ALREADY_SETTLED: RS.TRANSACTION_DOES_NOT_EXIST,
    ErrorCode.CURRENCY_MISMATCH: RS.WRONG_CURRENCY,
    # A win over our risk limits for the aggregator: a final, clean reject (not RS_ERROR_UNKNOWN,
    # which Hub88 retries). Staff are alerted and pay a genuine win by hand.
    ErrorCode.RISK_LIMIT_EXCEEDED: RS.LIMIT_REACHED,
    # Only temporary failures answer the generic status: a resend may succeed.
    ErrorCode.RATE_LIMITED: RETRYABLE_STATUS,
    ErrorCode.RETRY: RETRYABLE_STATUS,
}


# --- Amounts -------------------------------------------------------------------------------

_exponents: dict[str, int] = {}


def currency_exponent(code: str) -> int | None:
    """Decimal places of the currency's minor unit; None for a currency we do not have."""
    if code not in _exponents:
        # A currency's exponent never changes (every stored amount depends on it): cache it.
        exponent = Currency.objects.filter(pk=code).values_list("exponent", flat=True).first()
        if exponent is None:
            return None
        _exponents[code] = exponent
    return _exponents[code]


def to_minor_units(amount: int, *, exponent: int) -> int:
    """Hub88 units (x 100000) to minor units, exactly; raises InexactAmount rather than round."""
    return rescale(amount, from_exponent=HUB88_EXPONENT, to_exponent=exponent)


def to_hub88_units(amount: int, *, exponent: int) -> int:
    """Minor units to Hub88 units. Exact for every amount Hub88 itself moved; a balance holding
    dust finer than 1/100000 (BTC, ETH, USDT deposits) is shown rounded down, never up, so Hub88
    never sees more money than the player has. Only balances pass here, never amounts to move."""
    try:
        return rescale(amount, from_exponent=exponent, to_exponent=HUB88_EXPONENT)
    except InexactAmount:
        return amount // 10 ** (exponent - HUB88_EXPONENT)


# --- Request and response shapes ------------------------------------------------------------
# Strict types: a JSON value of the wrong type is RS_ERROR_WRONG_TYPES, never coerced ("10" is
# not 10, 1 is not true). Unknown fields are ignored (Hub88 adds optional fields at will).

WRONG_TYPE = "wrong_type"


class StrictString(serializers.CharField):
    default_error_messages = {WRONG_TYPE: "must be a string"}

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)  # ids are compared as sent
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail(WRONG_TYPE)
        return super().to_internal_value(data)


class StrictInteger(serializers.IntegerField):
    default_error_messages = {WRONG_TYPE: "must be an integer"}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail(WRONG_TYPE)
        return super().to_internal_value(data)


class StrictBoolean(serializers.BooleanField):
    default_error_messages = {WRONG_TYPE: "must be a boolean"}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail(WRONG_TYPE)
        return data


class IdString(StrictString):
    """An id (user, token, transaction, round): compared as sent, but never blank or only
    whitespace, which no one could tell apart in a log or a reconciliation."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value and not value.strip():
            self.fail("blank")
        return value


class StrictObject(serializers.DictField):
    default_error_messages = {WRONG_TYPE: "must be an object"}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail(WRONG_TYPE)
        return data


def _optional(field_class, **kwargs):
    return field_class(required=False, allow_null=True, **kwargs)


class Hub88UserInfoRequest(serializers.Serializer):
    user = IdString(help_text="Our player id.")
    request_uuid = StrictString(max_length=128, help_text="Echoed back.")


class Hub88BalanceRequest(Hub88UserInfoRequest):
    token = IdString(max_length=255, help_text="The session token we passed to /game/url.")
    game_code = _optional(StrictString, max_length=128)
    game_id = _optional(StrictInteger, help_text="Legacy numeric game id.")
    supplier_user = _optional(StrictString)


class Hub88TransactionRequest(Hub88BalanceRequest):
    # 120, not 128: a bet without a round opens one named "tx:<transaction_uuid>" (128 max).
    transaction_uuid = IdString(max_length=120, help_text="Unique per transaction: the idempotency key.")
    supplier_transaction_id = _optional(StrictString)
    round = _optional(IdString, max_length=128, allow_blank=True, help_text="Game round id (empty: none).")
    round_closed = _optional(StrictBoolean, help_text="True on the round's last call.")
    meta = _optional(StrictObject)


class Hub88BetRequest(Hub88TransactionRequest):
    currency = StrictString(max_length=10)
    amount = StrictInteger(min_value=0, max_value=INT64_MAX, help_text="Units x 100000 (EUR 3.56 = 356000).")
    is_free = _optional(StrictBoolean, help_text="A free bet: debits nothing.")
    is_aggregated = _optional(StrictBoolean)
    is_supplier_promo = _optional(StrictBoolean)
    reward_uuid = _optional(StrictString)
    bet = _optional(StrictString, allow_blank=True, help_text="Free-form bet description (informational).")


class Hub88WinRequest(Hub88BetRequest):
    reference_transaction_uuid = _optional(
        IdString, max_length=128, help_text="The bet this win pays (its transaction_uuid)."
    )


class Hub88RollbackRequest(Hub88TransactionRequest):
    reference_transaction_uuid = IdString(max_length=128, help_text="The transaction to roll back.")


class Hub88WalletResponse(serializers.Serializer):
    user = serializers.CharField(required=False, help_text="Echoed (when at most 128 characters).")
    status = serializers.ChoiceField(choices=RS.ALL)
    request_uuid = serializers.CharField(allow_null=True, help_text="Echoed; null if unreadable or too long.")
    currency = serializers.CharField(required=False, help_text="Present whenever the wallet is known.")
    balance = serializers.IntegerField(
        required=False, help_text="Units x 100000; present whenever the wallet is known (always with NOT_ENOUGH_MONEY)."
    )


class Hub88UserInfoResponse(serializers.Serializer):
    user = serializers.CharField(required=False, help_text="Echoed (when at most 128 characters).")
    # The statuses /user/info can answer (and a choice set of its own in the schema).
    status = serializers.ChoiceField(
        choices=[RS.OK, RS.INVALID_TOKEN, RS.INVALID_SIGNATURE, RS.WRONG_SYNTAX, RS.WRONG_TYPES, RS.UNKNOWN]
    )
    request_uuid = serializers.CharField(allow_null=True)
    country = serializers.CharField(required=False, help_text="ISO 3166-1 alpha-2, when we hold it.")


class Refusal(Exception):
    """A status decided in this module (bad input, unknown currency) before any service runs."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _validated(serializer_class: type[serializers.Serializer], payload: dict) -> dict:
    serializer = serializer_class(data=payload)
    if serializer.is_valid():
        return serializer.validated_data
    codes = {detail.code for problems in serializer.errors.values() for detail in problems}
    # A missing field is a malformed request even if another field also has the wrong type.
    status = RS.WRONG_TYPES if codes == {WRONG_TYPE} else RS.WRONG_SYNTAX
    raise Refusal(status, "; ".join(f"{name}: {' '.join(map(str, errs))}" for name, errs in serializer.errors.items()))


# --- Views ----------------------------------------------------------------------------------

SIGNATURE_HEADER = OpenApiParameter(
    "X-Hub88-Signature",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="Base64 RSA-SHA256 (PKCS#1 v1.5) of the raw body, made with Hub88's private key.",
)

# The URL only matches slugs (<slug:code>); saying so keeps clients (and schemathesis) from
# sending codes that can only get Django's HTML 404.
CODE_PARAMETER = OpenApiParameter(
    "code",
    str,
    OpenApiParameter.PATH,
    pattern=r"^[-a-zA-Z0-9_]+$",
    description="The aggregator's code in our back-office (a slug).",
)


def _hub88_schema(summary: str, description: str, request, response=Hub88WalletResponse, example: dict | None = None):
    return extend_schema(
        summary=summary,
        description=description + " Always HTTP 200; the result is in `status`.",
        request=request,
        parameters=[CODE_PARAMETER, SIGNATURE_HEADER],
        responses={200: response},
        tags=["hub88 wallet"],
        auth=[],
        examples=[OpenApiExample("request", value=example, request_only=True)] if example else None,
    )


class Hub88View(APIView):
    """Shared plumbing: verify the raw body, parse, hand over to `handle`, render."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    request_serializer: type[serializers.Serializer]

    def post(self, request, code: str):
        raw = b""
        aggregator = None
        payload: dict = {}
        try:
            raw = _read_body(request)  # the exact bytes Hub88 signed; read before anything parses them
            aggregator = find_aggregator(code=code, protocol=Aggregator.Protocol.HUB88)
            if not rsa_signature_matches(aggregator.public_key_pem, raw, request.headers.get("X-Hub88-Signature")):
                raise invalid_signature("X-Hub88-Signature does not verify with the aggregator's public key")
            check_rate_limit(aggregator)
            payload = _load_object(raw)
            body = self.handle(aggregator, _validated(self.request_serializer, payload))
        except Refusal as refusal:
            logger.info("hub88 %s %s: %s", code, request.path, refusal.message)
            body = {"status": refusal.status}
        except WalletError as error:
            logger.info("hub88 %s %s: %s %s", code, request.path, error.code, error.message)
            body = {"status": _status(error.code)}
            body.update(_money_fields(error.balance, error.currency))
        except DatabaseError as exc:
            logger.warning("hub88 %s %s: retryable database error: %s", code, request.path, exc)
            body = {"status": RETRYABLE_STATUS}
        if not payload:  # the signature failed or the body is not JSON: echo what we can read
            payload = _peek(raw)
        return _render(aggregator, _ordered(payload, body))

    def handle(self, aggregator: Aggregator, data: dict) -> dict:
        raise NotImplementedError


def _read_body(request) -> bytes:
    try:
        return read_body(request)
    except JsonBodyError as exc:  # too large to read, let alone verify
        raise Refusal(RS.WRONG_SYNTAX, str(exc)) from None


def _load_object(raw: bytes) -> dict:
    # Strict (casino/jsonbody.py): a key twice, a BOM or another encoding is a syntax error.
    try:
        return load_json_object(raw)
    except JsonBodyError as exc:
        raise Refusal(RS.WRONG_SYNTAX, str(exc)) from None


def _peek(raw: bytes) -> dict:
    """request_uuid and user of a body we refused to process, only to echo them. Read as
    strictly as a processed body (the same loader): an unsigned body is anyone's, and its
    depth or size must not cost us more than reading a valid one."""
    try:
        return load_json_object(raw)
    except JsonBodyError:
        return {}


# The longest `user` or `request_uuid` we echo. Ours are far shorter (a player id is at most 64
# characters, a UUID 36); anyone can post a body, signed or not, and must not get a megabyte of
# their own text back from us.
MAX_ECHO_LENGTH = 128


def _echoable(value) -> str | None:
    return value if isinstance(value, str) and len(value) <= MAX_ECHO_LENGTH else None


def _ordered(payload: dict, body: dict) -> dict:
    """Hub88's response shape: user, status, request_uuid, then what the answer adds."""
    user = _echoable(payload.get("user"))
    head: dict[str, str | None] = {"user": user} if user is not None else {}
    head["status"] = body.pop("status")
    head["request_uuid"] = _echoable(payload.get("request_uuid"))
    return head | body


def _status(code: str) -> str:
    # A code this table does not know yet (a new wallet rule) is still an answer, never a 500.
    return WALLET_STATUS.get(code, RS.UNKNOWN)


def _render(aggregator: Aggregator | None, body: dict) -> HttpResponse:
    content = json.dumps(body, separators=(",", ":")).encode()
    response = HttpResponse(content, status=200, content_type="application/json")
    if SIGN_RESPONSES and aggregator is not None and aggregator.private_key_pem:
        try:
            response["X-Hub88-Signature"] = rsa_sign(aggregator.private_key_pem, content)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            # The call is already applied: answer it unsigned rather than lose its answer.
            logger.error("hub88 %s: our private key cannot sign (%s); answer sent unsigned", aggregator.code, exc)
    return response


def _money_fields(balance: int | None, currency: str | None) -> dict:
    if balance is None or not currency:
        return {}
    exponent = currency_exponent(currency)
    if exponent is None:
        return {}
    return {"currency": currency, "balance": to_hub88_units(balance, exponent=exponent)}


def _answer_body(answer: CallAnswer) -> dict:
    status = RS.OK if answer.ok else _status(answer.code)
    return {"status": status, **_money_fields(answer.balance, answer.currency)}


def _session_currency(aggregator: Aggregator, token: str) -> str:
    """The currency of the session behind `token` ("" if none: the service then says why)."""
    return (
        GameSession.objects.filter(token=token, aggregator=aggregator).values_list("currency_id", flat=True).first()
        or ""
    )


class UserInfoView(Hub88View):
    request_serializer = Hub88UserInfoRequest

    @_hub88_schema(
        "Player details",
        "The country of a player launched at this aggregator (Hub88 sends no token: nothing more is "
        "answered, and any other user id is RS_ERROR_INVALID_TOKEN).",
        Hub88UserInfoRequest,
        Hub88UserInfoResponse,
        {"user": "player-1", "request_uuid": "583c985f-fee6-4c0e-bbf5-308aad6265af"},
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def handle(self, aggregator, data):
        # Hub88 sends no token here, only a user id. So we answer only for players we launched
        # at this aggregator ourselves, and only their country, which Hub88 already had from
        # /game/url: no one learns through this endpoint whether an id is a player of ours, or
        # anything Hub88 was not given already.
        country = (
            Player.objects.filter(external_id=data["user"], game_sessions__aggregator=aggregator)
            .values_list("country", flat=True)
            .first()
        )
        if country is None:
            raise WalletError(ErrorCode.PLAYER_NOT_FOUND, f"no player {data['user']!r} launched here")
        return {"status": RS.OK, "country": country} if country else {"status": RS.OK}


class BalanceView(Hub88View):
    request_serializer = Hub88BalanceRequest

    @_hub88_schema(
        "Balance of the session's wallet",
        "A read, answered for expired sessions too. The currency is the session's.",
        Hub88BalanceRequest,
        example={
            "user": "player-1",
            "token": "our-session-token",
            "game_code": "clt_dragonrising",
            "request_uuid": "583c985f-fee6-4c0e-bbf5-308aad6265af",
        },
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def handle(self, aggregator, data):
        answer = wallet_balance(
            aggregator=aggregator,
            player_id=data["user"],
            session_token=data["token"],
            currency=_session_currency(aggregator, data["token"]),
        )
        return _answer_body(answer)


class MoneyView(Hub88View):
    kind: str

    def handle(self, aggregator, data):
        call = self.money_call(aggregator, data)
        return _answer_body(wallet_process_call(call=call))

    def money_call(self, aggregator: Aggregator, data: dict) -> MoneyCall:
        raise NotImplementedError


def _game_code(data: dict) -> str:
    if data.get("game_code"):
        return data["game_code"]
    return str(data["game_id"]) if data.get("game_id") is not None else ""


def _spin_type(data: dict) -> str:
    # Free and supplier-promo wins need no bet in their round; the is_free flag itself is what
    # keeps a free bet from debiting the balance (MoneyCall.is_free).
    if data.get("is_free"):
        return SpinType.FREE
    if data.get("is_supplier_promo"):
        return SpinType.PROMO
    return SpinType.CASH


def _bet_or_win_call(aggregator: Aggregator, data: dict, *, kind: str) -> MoneyCall:
    exponent = currency_exponent(data["currency"])
    if exponent is None:
        raise Refusal(RS.WRONG_CURRENCY, f"we do not hold {data['currency']!r}")
    try:
        amount = to_minor_units(data["amount"], exponent=exponent)
    except InexactAmount as exc:
        raise Refusal(INEXACT_AMOUNT_STATUS, str(exc)) from None
    if amount > MINOR_UNITS_MAX:
        raise Refusal(OVERSIZED_AMOUNT_STATUS, f"{data['amount']} is more than a {data['currency']} wallet holds")
    return MoneyCall(
        aggregator=aggregator,
        kind=kind,
        transaction_id=data["transaction_uuid"],
        player_id=data["user"],
        session_token=data["token"],
        currency=data["currency"],
        amount=amount,
        round_id=data.get("round") or "",
        game_code=_game_code(data),
        spin_type=_spin_type(data),
        round_closed=bool(data.get("round_closed")),
        reference_id=data.get("reference_transaction_uuid") or "",
        is_free=bool(data.get("is_free")),
    )


class BetView(MoneyView):
    kind = "bet"
    request_serializer = Hub88BetRequest

    @_hub88_schema(
        "Debit a bet",
        "Refused on an expired token, a disabled user, a closed round, a bet whose rollback already "
        "arrived, or insufficient funds (RS_ERROR_NOT_ENOUGH_MONEY with the actual balance). A free bet "
        "(is_free) and a bet of amount 0 debit nothing, and make no cash win payable. The same "
        "transaction_uuid is applied once and gets its first answer; "
        "with other content it answers RS_ERROR_DUPLICATE_TRANSACTION.",
        Hub88BetRequest,
        example={
            "user": "player-1",
            "transaction_uuid": "16d2dcfe-b89e-11e7-854a-58404eea6d16",
            "token": "our-session-token",
            "round": "rNEMwgzJAOZ6eR3V",
            "round_closed": False,
            "request_uuid": "583c985f-fee6-4c0e-bbf5-308aad6265af",
            "game_code": "clt_dragonrising",
            "currency": "EUR",
            "amount": 356000,
            "is_free": False,
        },
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def money_call(self, aggregator, data):
        return _bet_or_win_call(aggregator, data, kind=self.kind)


class WinView(MoneyView):
    kind = "win"
    request_serializer = Hub88WinRequest

    @_hub88_schema(
        "Credit a win",
        "Accepted after the token expired. The bet named by reference_transaction_uuid must be a live bet "
        "of this player's session wallet that staked money (a zero or free bet pays only is_free or "
        "is_supplier_promo wins); the win belongs to that bet's round, whatever its own `round`, and a "
        "closed round takes no more money. Otherwise RS_ERROR_TRANSACTION_DOES_NOT_EXIST. A win over our "
        "risk limits for the aggregator answers RS_ERROR_LIMIT_REACHED.",
        Hub88WinRequest,
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def money_call(self, aggregator, data):
        return _bet_or_win_call(aggregator, data, kind=self.kind)


class RollbackView(MoneyView):
    kind = "rollback"
    request_serializer = Hub88RollbackRequest

    @_hub88_schema(
        "Roll back a bet",
        "Refunds the referenced bet once, whatever the token's age. A rollback of a transaction we never "
        "saw answers RS_OK and is remembered: that bet is not applied if it arrives later. A win, or a bet "
        "whose round is closed, cannot be rolled back: RS_ERROR_TRANSACTION_DOES_NOT_EXIST.",
        Hub88RollbackRequest,
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def money_call(self, aggregator, data):
        return MoneyCall(
            aggregator=aggregator,
            kind=self.kind,
            transaction_id=data["transaction_uuid"],
            player_id=data["user"],
            session_token=data["token"],
            # Hub88 sends no currency or amount: the session's currency, the bet's amount.
            currency=_session_currency(aggregator, data["token"]),
            amount=None,
            round_id=data.get("round") or "",
            game_code=_game_code(data),
            round_closed=bool(data.get("round_closed")),
            reference_id=data["reference_transaction_uuid"],
        )

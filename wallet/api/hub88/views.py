"""Hub88 Wallet API views (docs/hub88.md): a thin translation onto the same wallet services the
native protocol uses.

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
import time

from cryptography.exceptions import UnsupportedAlgorithm
from django.db import DatabaseError
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from casino.jsonbody import JsonBodyError, load_json_object, read_body
from casino.models import Aggregator
from casino.selectors import launched_player_country, session_currency
from casino.signing import rsa_sign
from wallet.api.auth import authenticate_hub88, check_rate_limit
from wallet.api.hub88.amounts import amount_to_move, money_fields
from wallet.api.hub88.shapes import (
    Hub88BalanceRequest,
    Hub88BetRequest,
    Hub88RollbackRequest,
    Hub88UserInfoRequest,
    Hub88UserInfoResponse,
    Hub88WalletResponse,
    Hub88WinRequest,
    validated,
)
from wallet.api.hub88.statuses import RETRYABLE_STATUS, RS, SIGN_RESPONSES, Refusal, status_of
from wallet.api.observe import wallet_call_observe
from wallet.errors import ErrorCode, WalletError
from wallet.services import CallAnswer, MoneyCall, SpinType, wallet_balance, wallet_process_call

logger = logging.getLogger(__name__)


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
    endpoint: str
    received_at: float = 0.0

    def post(self, request, code: str):
        self.received_at = time.perf_counter()
        raw = b""
        aggregator = None
        payload: dict = {}
        try:
            raw = _read_body(request)  # the exact bytes Hub88 signed; read before anything parses them
            aggregator = authenticate_hub88(code, raw, request.headers)
            check_rate_limit(aggregator)
            payload = _load_object(raw)
            body = self.handle(aggregator, validated(self.request_serializer, payload))
        except Refusal as refusal:
            logger.info("hub88 %s %s: %s", code, request.path, refusal.message)
            body = {"status": refusal.status}
        except WalletError as error:
            logger.info("hub88 %s %s: %s %s", code, request.path, error.code, error.message)
            body = {"status": status_of(error.code)}
            body.update(money_fields(error.balance, error.currency))
        except DatabaseError as exc:
            logger.warning("hub88 %s %s: retryable database error: %s", code, request.path, exc)
            body = {"status": RETRYABLE_STATUS}
        result = body["status"]
        if not payload:  # the signature failed or the body is not JSON: echo what we can read
            payload = _peek(raw)
        response = _render(aggregator, _ordered(payload, body))
        wallet_call_observe(
            protocol="hub88",
            endpoint=self.endpoint,
            aggregator=aggregator,
            result=result,
            started=self.received_at,
            transaction_id=(_echoable(payload.get("transaction_uuid")) or "") if aggregator is not None else "",
        )
        return response

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


def _answer_body(answer: CallAnswer) -> dict:
    status = RS.OK if answer.ok else status_of(answer.code)
    return {"status": status, **money_fields(answer.balance, answer.currency)}


@extend_schema_view(
    post=_hub88_schema(
        "Player details",
        "The country of a player launched at this aggregator (Hub88 sends no token: nothing more is "
        "answered, and any other user id is RS_ERROR_INVALID_TOKEN).",
        Hub88UserInfoRequest,
        Hub88UserInfoResponse,
        {"user": "player-1", "request_uuid": "583c985f-fee6-4c0e-bbf5-308aad6265af"},
    )
)
class UserInfoView(Hub88View):
    request_serializer = Hub88UserInfoRequest
    endpoint = "user_info"

    def handle(self, aggregator, data):
        # Hub88 sends no token here, only a user id. So we answer only for players we launched
        # at this aggregator ourselves, and only their country, which Hub88 already had from
        # /game/url: no one learns through this endpoint whether an id is a player of ours, or
        # anything Hub88 was not given already.
        country = launched_player_country(aggregator=aggregator, external_id=data["user"])
        if country is None:
            raise WalletError(ErrorCode.PLAYER_NOT_FOUND, f"no player {data['user']!r} launched here")
        return {"status": RS.OK, "country": country} if country else {"status": RS.OK}


@extend_schema_view(
    post=_hub88_schema(
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
)
class BalanceView(Hub88View):
    request_serializer = Hub88BalanceRequest
    endpoint = "balance"

    def handle(self, aggregator, data):
        answer = wallet_balance(
            aggregator=aggregator,
            player_id=data["user"],
            session_token=data["token"],
            currency=session_currency(aggregator=aggregator, token=data["token"]),
        )
        return _answer_body(answer)


class MoneyView(Hub88View):
    kind: str

    def handle(self, aggregator, data):
        call = self.money_call(aggregator, data)
        return _answer_body(wallet_process_call(call=call))

    def money_call(self, aggregator: Aggregator, data: dict) -> MoneyCall:
        # Bets and wins carry the same fields; a rollback names its bet instead (RollbackView).
        return _bet_or_win_call(aggregator, data, kind=self.kind, received_at=self.received_at)


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


def _bet_or_win_call(aggregator: Aggregator, data: dict, *, kind: str, received_at: float | None = None) -> MoneyCall:
    amount = amount_to_move(data["amount"], currency=data["currency"])
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
        free_spins_id=data.get("reward_uuid") or "",
        received_at=received_at,
    )


@extend_schema_view(
    post=_hub88_schema(
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
)
class BetView(MoneyView):
    kind = endpoint = "bet"
    request_serializer = Hub88BetRequest


@extend_schema_view(
    post=_hub88_schema(
        "Credit a win",
        "Accepted after the token expired. The bet named by reference_transaction_uuid must be a live bet "
        "of this player's session wallet that staked money (a zero or free bet pays only is_free or "
        "is_supplier_promo wins); the win belongs to that bet's round, whatever its own `round`, and a "
        "closed round takes no more money. Otherwise RS_ERROR_TRANSACTION_DOES_NOT_EXIST. A win over our "
        "risk limits for the aggregator answers RS_ERROR_LIMIT_REACHED.",
        Hub88WinRequest,
    )
)
class WinView(MoneyView):
    kind = endpoint = "win"
    request_serializer = Hub88WinRequest


@extend_schema_view(
    post=_hub88_schema(
        "Roll back a bet",
        "Refunds the referenced bet once, whatever the token's age. A rollback of a transaction we never "
        "saw answers RS_OK and is remembered: that bet is not applied if it arrives later. A win, or a bet "
        "whose round is closed, cannot be rolled back: RS_ERROR_TRANSACTION_DOES_NOT_EXIST.",
        Hub88RollbackRequest,
    )
)
class RollbackView(MoneyView):
    kind = endpoint = "rollback"
    request_serializer = Hub88RollbackRequest

    def money_call(self, aggregator, data):
        return MoneyCall(
            aggregator=aggregator,
            kind=self.kind,
            transaction_id=data["transaction_uuid"],
            player_id=data["user"],
            session_token=data["token"],
            # Hub88 sends no currency or amount: the session's currency, the bet's amount.
            currency=session_currency(aggregator=aggregator, token=data["token"]),
            amount=None,
            round_id=data.get("round") or "",
            game_code=_game_code(data),
            round_closed=bool(data.get("round_closed")),
            reference_id=data["reference_transaction_uuid"],
            received_at=self.received_at,
        )

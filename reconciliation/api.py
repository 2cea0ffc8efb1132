"""POST /api/v1/settlement/events: the native protocol's settlement webhooks (docs/native-protocol.md,
section 12). Signed exactly like the wallet calls (the wallet's own authenticate_native: same
headers, secrets, rotation and clock skew), answered in the same envelope."""

from django.db import DatabaseError
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from casino.jsonbody import JsonBodyError, load_json_object, read_body
from reconciliation.services.settlement import BatchError, BatchReused, settlement_batch_apply
from reconciliation.services.shadow import shadow_check_event, shadow_on
from wallet.api.auth import authenticate_native, check_rate_limit
from wallet.api.native import AUTH_HEADERS, NativeErrorResponse, error_response, json_response
from wallet.errors import ErrorCode, RetryLater, WalletError

SHADOW_INLINE_EVENTS = 50  # compared within the request; the rest within a minute (beat)


class SettledTransactionShape(serializers.Serializer):
    id = serializers.CharField(max_length=128, help_text="The transaction id you sent in the wallet call.")
    kind = serializers.ChoiceField(choices=["bet", "win", "rollback"])
    amount = serializers.IntegerField(min_value=0, help_text="Minor units.")
    status = serializers.ChoiceField(
        choices=["settled", "rolled_back", "refused"], required=False, help_text="Default settled."
    )
    currency = serializers.CharField(required=False, help_text="Default: the event's currency.")


class SettlementEventShape(serializers.Serializer):
    event_id = serializers.CharField(max_length=128, help_text="Unique per aggregator: applied once.")
    type = serializers.ChoiceField(choices=["round_settled", "session_closed"])
    round_id = serializers.CharField(required=False, help_text="round_settled")
    player_id = serializers.CharField(required=False)
    currency = serializers.CharField()
    transactions = SettledTransactionShape(many=True, required=False, help_text="round_settled: every call counted.")
    bet_total = serializers.IntegerField(min_value=0, help_text="Sum of the settled bets (minor units).")
    win_total = serializers.IntegerField(min_value=0, help_text="Sum of the settled wins (minor units).")
    settled_at = serializers.DateTimeField(required=False, help_text="round_settled; ISO 8601 with a zone.")
    session_token = serializers.CharField(required=False, help_text="session_closed")
    closed_at = serializers.DateTimeField(required=False, help_text="session_closed; ISO 8601 with a zone.")


class SettlementBatchRequest(serializers.Serializer):
    batch_id = serializers.CharField(max_length=128, help_text="A redelivered batch id gets the first answer.")
    events = SettlementEventShape(many=True, help_text="1 to 1000 events.")


class EventResultShape(serializers.Serializer):
    event_id = serializers.CharField(allow_null=True)
    index = serializers.IntegerField(help_text="The event's position in the batch.")
    status = serializers.ChoiceField(choices=["applied", "duplicate", "refused"])
    reason = serializers.CharField(required=False, help_text="Why it was refused.")


class SettlementBatchResponse(serializers.Serializer):
    status = serializers.ChoiceField(choices=["OK"])
    batch_id = serializers.CharField()
    results = EventResultShape(many=True)


EXAMPLE = {
    "batch_id": "b-20261129-0001",
    "events": [
        {
            "event_id": "ev-1",
            "type": "round_settled",
            "round_id": "r-77",
            "player_id": "p-1001",
            "currency": "EUR",
            "transactions": [
                {"id": "tx-1", "kind": "bet", "amount": 100},
                {"id": "tx-2", "kind": "win", "amount": 250},
            ],
            "bet_total": 100,
            "win_total": 250,
            "settled_at": "2026-11-29T10:00:00Z",
        }
    ],
}


@extend_schema_view(
    post=extend_schema(
        summary="Settlement events (round settled, session closed)",
        description=(
            "A batch of settlement events, each applied once per (aggregator, event_id), in any order. "
            "A bad event is refused with its reason and the rest are applied; a redelivered batch (same "
            "batch_id and content) gets the first answer; the same batch_id with other content answers 409."
        ),
        request=SettlementBatchRequest,
        parameters=AUTH_HEADERS,
        responses={
            200: SettlementBatchResponse,
            400: OpenApiResponse(NativeErrorResponse, description="VALIDATION_ERROR: the batch cannot be read"),
            401: OpenApiResponse(NativeErrorResponse, description="INVALID_SIGNATURE"),
            409: OpenApiResponse(NativeErrorResponse, description="DUPLICATE_TRANSACTION: batch_id reused"),
            429: OpenApiResponse(NativeErrorResponse, description="RATE_LIMITED"),
            503: OpenApiResponse(NativeErrorResponse, description="RETRY"),
        },
        tags=["native settlement v1"],
        auth=[],
        examples=[OpenApiExample("batch", value=EXAMPLE, request_only=True)],
    )
)
class SettlementEventsView(APIView):
    """A thin view, as the wallet's: authenticate the raw body, read it, one service, render."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST":
            return super().dispatch(request, *args, **kwargs)
        return self.receive(request)

    def post(self, request):
        return self.receive(request)

    def receive(self, request):
        try:
            aggregator = authenticate_native(request)
            check_rate_limit(aggregator)
            raw = read_body(request)
            if request.content_type.lower() != "application/json":
                raise WalletError(ErrorCode.VALIDATION_ERROR, "the Content-Type must be application/json (UTF-8)")
            answer = settlement_batch_apply(
                aggregator=aggregator, raw=raw, headers=request.headers, payload=load_json_object(raw)
            )
        except JsonBodyError as exc:
            return error_response(WalletError(ErrorCode.VALIDATION_ERROR, str(exc)))
        except BatchError as exc:
            code = ErrorCode.DUPLICATE_TRANSACTION if isinstance(exc, BatchReused) else ErrorCode.VALIDATION_ERROR
            return error_response(WalletError(code, str(exc)))
        except WalletError as error:
            return error_response(error)
        except DatabaseError:
            return error_response(RetryLater())
        if answer.applied_event_ids and shadow_on(aggregator):
            # Shadow mode compares at once, each event in its own transaction after the batch's
            # commit; an event whose calls have not all arrived, and those past the first
            # SHADOW_INLINE_EVENTS of a large batch, wait for the minute's beat task.
            for event_id in answer.applied_event_ids[:SHADOW_INLINE_EVENTS]:
                try:
                    shadow_check_event(event_id=event_id)
                except DatabaseError:
                    pass  # the beat task compares it later: the batch is applied and answered
        return json_response(answer.body, status=200)

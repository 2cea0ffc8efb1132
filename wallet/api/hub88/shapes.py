"""Hub88's request and response shapes (DRF serializers, also the OpenAPI schema's)."""

from rest_framework import serializers

from wallet.api.hub88.amounts import INT64_MAX
from wallet.api.hub88.statuses import RS, Refusal

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


def validated(serializer_class: type[serializers.Serializer], payload: dict) -> dict:
    serializer = serializer_class(data=payload)
    if serializer.is_valid():
        return serializer.validated_data
    codes = {detail.code for problems in serializer.errors.values() for detail in problems}
    # A missing field is a malformed request even if another field also has the wrong type.
    status = RS.WRONG_TYPES if codes == {WRONG_TYPE} else RS.WRONG_SYNTAX
    raise Refusal(status, "; ".join(f"{name}: {' '.join(map(str, errs))}" for name, errs in serializer.errors.items()))

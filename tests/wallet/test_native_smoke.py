import pytest

from tests.conftest import balance_of


def test_a_bet_debits_the_wallet_and_answers_the_new_balance(native, call, player):
    response = native.post("bet", call("bet", transaction_id="bet-1", amount=250))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "OK"
    assert body["balance"] == 9_750
    assert body["transaction_id"] == "bet-1"
    assert body["wallet_transaction_id"]
    assert balance_of(player) == 9_750


def test_answers_are_compact_utf8_json_as_documented(native, call):
    # Served by plain Django (NativeWalletView.dispatch), written as DRF's renderer would.
    response = native.post("bet", call("bet", transaction_id="pari-é", amount=250))

    assert response["Content-Type"] == "application/json"
    expected = '{"status":"OK","balance":9750,"currency":"EUR","transaction_id":"pari-é",'.encode()
    assert response.content.startswith(expected)


@pytest.mark.parametrize("endpoint", ["balance", "bet", "win", "rollback"])
def test_other_methods_than_post_are_refused_with_405(client, endpoint):
    response = client.get(f"/api/v1/wallet/{endpoint}")

    assert response.status_code == 405
    assert response["Allow"] == "POST, OPTIONS"

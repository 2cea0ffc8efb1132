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

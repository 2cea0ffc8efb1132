"""The benchmark's ceiling: the least a wallet call can cost on this machine (`make bench`).

Served only when settings.BENCH_ENDPOINTS is on (env BENCH_ENDPOINTS=1), never in normal runs.
One request = the signature check, then one transaction with one locked UPDATE and one INSERT,
on two tables that the bench creates in its own database (CEILING_TABLES): the floor under any
real money call, run in the same server, behind the same middleware, driven by the same load
generator. The signing secret is the bench's (BENCH_CEILING_SECRET), not read from the database.
"""

import json
import os

from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from casino.signing import native_signature_matches
from wallet import rows

CEILING_TABLES = [
    "CREATE TABLE bench_account (id bigint PRIMARY KEY, balance bigint NOT NULL)",
    """
    CREATE TABLE bench_journal (
        id bigserial PRIMARY KEY,
        account_id bigint NOT NULL,
        amount bigint NOT NULL,
        reference varchar(128) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
]


def create_ceiling_tables(*, accounts: int, balance: int) -> None:
    with connection.cursor() as cursor:
        for statement in CEILING_TABLES:
            cursor.execute(statement)
        cursor.execute(
            "INSERT INTO bench_account (id, balance) SELECT n, %s FROM generate_series(1, %s) AS n", [balance, accounts]
        )


@csrf_exempt
@require_POST
def ceiling(request):
    # As every money call does (native protocol v1), so the floor includes the HMAC of the body.
    signed = native_signature_matches(
        [os.environ.get("BENCH_CEILING_SECRET", "")],
        request.headers.get("X-Timestamp", ""),
        request.body,
        request.headers.get("X-Signature", ""),
    )
    if not signed:
        return JsonResponse({"status": "ERROR", "code": "INVALID_SIGNATURE"}, status=401)
    payload = json.loads(request.body)
    # The money path's cursor (prepared statements on PostgreSQL): the floor is measured with
    # the same tools as the calls it is compared with.
    with transaction.atomic(), rows.cursor() as cursor:
        # The UPDATE takes the row lock, as lock_wallet's SELECT ... FOR UPDATE does.
        cursor.execute(
            "UPDATE bench_account SET balance = balance - %s WHERE id = %s RETURNING balance",
            [payload["amount"], payload["account"]],
        )
        (balance,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO bench_journal (account_id, amount, reference) VALUES (%s, %s, %s) RETURNING id",
            [payload["account"], payload["amount"], payload["reference"]],
        )
        (entry_id,) = cursor.fetchone()
    return JsonResponse({"status": "OK", "balance": balance, "wallet_transaction_id": str(entry_id)})

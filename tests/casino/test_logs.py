"""Request ids and traces in log lines and into Celery tasks; one line per wallet call, never a
secret in it."""

import json
import logging

from celery import shared_task

from casino.logs import (
    HEADER_REQUEST_ID,
    HEADER_TRACE_ID,
    ContextFilter,
    _add_context_headers,
    _restore_context,
    request_id_var,
    trace_id_var,
)

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def wallet_lines(caplog):
    return [r for r in caplog.records if r.name == "wallet.calls"]


def test_every_wallet_call_logs_one_line_with_its_trace_and_no_secret(native, call, caplog, session):
    body = call("bet", transaction_id="log-1", amount=100)

    with caplog.at_level(logging.INFO, logger="wallet.calls"):
        response = native.post("bet", body, headers={"traceparent": TRACEPARENT, "X-Request-ID": "req-42"})

    assert response["X-Request-ID"] == "req-42"
    (line,) = wallet_lines(caplog)
    ContextFilter().filter(line)  # as the handler would (the context is still the request's while logging)
    assert (line.protocol, line.aggregator, line.kind, line.transaction_id, line.result) == (
        "native",
        "acme",
        "bet",
        "log-1",
        "OK",
    )
    assert line.ms >= 0
    text = line.getMessage() + json.dumps(line.__dict__, default=str)
    assert session.token not in text
    assert "X-Signature" not in text and "test-signing-secret" not in text


def test_the_request_id_and_trace_are_on_every_record_of_the_request(native, call, caplog):
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append((record.request_id, record.trace_id))

    handler = Keep()
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("wallet.calls")
    logger.addHandler(handler)
    try:
        with caplog.at_level(logging.INFO, logger="wallet.calls"):
            native.post("bet", call("bet", transaction_id="log-2", amount=100), headers={"traceparent": TRACEPARENT})
    finally:
        logger.removeHandler(handler)

    (request_id, trace_id), *_ = seen
    assert len(request_id) == 32 and trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_a_malformed_request_id_is_replaced_and_a_malformed_traceparent_ignored(client):
    response = client.get("/health", headers={"X-Request-ID": "bad\nline", "traceparent": "00-zz"})

    assert response["X-Request-ID"] != "bad\nline" and len(response["X-Request-ID"]) == 32


@shared_task(name="tests.log_context")
def log_context():
    return request_id_var.get(), trace_id_var.get()


def test_a_task_queued_during_a_request_carries_its_request_id_and_trace():
    # What the broker carries: the headers the publishing process added...
    request_token, trace_token = request_id_var.set("req-7"), trace_id_var.set("4bf92f3577b34da6a3ce929d0e0e4736")
    headers: dict = {}
    try:
        _add_context_headers(headers=headers)
    finally:
        request_id_var.reset(request_token)
        trace_id_var.reset(trace_token)
    assert headers == {HEADER_REQUEST_ID: "req-7", HEADER_TRACE_ID: "4bf92f3577b34da6a3ce929d0e0e4736"}

    # ...and the worker, whose task request carries the message's headers, restores them.
    log_context.push_request(**headers)
    try:
        _restore_context(task=log_context)
        assert (request_id_var.get(), trace_id_var.get()) == ("req-7", "4bf92f3577b34da6a3ce929d0e0e4736")
    finally:
        log_context.pop_request()
        request_id_var.set("")
        trace_id_var.set("")


def test_production_lines_are_json_with_the_request_id():
    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(trace_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )
    record = logging.LogRecord("wallet.calls", logging.INFO, __file__, 1, "wallet call", None, None)
    token = request_id_var.set("req-9")
    try:
        ContextFilter().filter(record)
    finally:
        request_id_var.reset(token)

    line = json.loads(formatter.format(record))
    assert line["request_id"] == "req-9" and line["level"] == "INFO" and line["logger"] == "wallet.calls"


def test_a_task_published_to_the_real_broker_carries_the_ids_in_its_message_headers(redis_url):
    from casino.celery import app

    configured = app.conf.broker_url
    app.conf.broker_url = redis_url
    app._pool = None
    app.amqp._producer_pool = None
    queue = "tests-log-context"
    request_token, trace_token = request_id_var.set("req-broker"), trace_id_var.set("4bf92f3577b34da6a3ce929d0e0e4736")
    try:
        log_context.apply_async(queue=queue)
        with app.connection_for_read() as connection:
            simple = connection.SimpleQueue(queue)
            message = simple.get(timeout=5)
            headers = dict(message.headers)
            message.ack()
            simple.close()
    finally:
        request_id_var.reset(request_token)
        trace_id_var.reset(trace_token)
        app.conf.broker_url = configured
        app._pool = None
        app.amqp._producer_pool = None

    assert headers[HEADER_REQUEST_ID] == "req-broker"
    assert headers[HEADER_TRACE_ID] == "4bf92f3577b34da6a3ce929d0e0e4736"

"""The finance reports as CSV: amounts in major units of the row's currency (what finance files)."""

from __future__ import annotations

import csv
import io

from games.reports.figures import (
    AMOUNTS,
    COLUMNS,
    ReportQuery,
    currency_exponents,
    format_amount,
    report_rows,
    royalties,
)


def report_csv(query: ReportQuery) -> str:
    exponents = currency_exponents()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*query.groups, *COLUMNS])
    for row in report_rows(query):
        currency = str(row.keys["currency"])
        writer.writerow(
            [
                *(row.keys[g] for g in query.groups),
                *(
                    format_amount(row.values[c], currency, exponents) if c in AMOUNTS else row.values[c]
                    for c in COLUMNS
                ),
            ]
        )
    return out.getvalue()


def royalty_csv(query: ReportQuery) -> str:
    exponents = currency_exponents()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["month", "aggregator", "provider", "currency", "ngr", "revenue_share_percent", "royalty_due"])
    for r in royalties(start=query.start, end=query.end):
        writer.writerow(
            [
                f"{r.month:%Y-%m}",
                r.aggregator,
                r.provider,
                r.currency,
                format_amount(r.ngr, r.currency, exponents),
                "" if r.share_percent is None else r.share_percent,
                "no contract" if r.due is None else format_amount(r.due, r.currency, exponents),
            ]
        )
    return out.getvalue()

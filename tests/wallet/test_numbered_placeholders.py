"""The money path's statements are sent with numbered placeholders (wallet/rows.py): what each
statement text becomes, and that a statement sent that way reads and writes what it says."""

import pytest

from wallet import rows


def test_placeholders_are_numbered_in_order_and_double_percent_is_a_percent_sign():
    assert rows.numbered("SELECT %s, %s WHERE a LIKE 'x%%' AND b = %s") == "SELECT $1, $2 WHERE a LIKE 'x%' AND b = $3"


def test_a_lone_percent_sign_is_refused_rather_than_sent_to_the_database():
    with pytest.raises(ValueError, match="only %s placeholders"):
        rows.numbered("SELECT %d")


@pytest.mark.django_db
def test_a_statement_of_many_parameters_binds_each_in_its_place():
    # 80 parameters: over psycopg's own conversion cache's limit (50), like a bet's write statement.
    values = list(range(80))
    with rows.cursor() as cursor:
        cursor.execute(f"SELECT ARRAY[{', '.join(['%s::int'] * len(values))}]", values)
        assert cursor.fetchone()[0] == values
        cursor.execute("SELECT %s::text || '%%'", ["50"])
        assert cursor.fetchone()[0] == "50%"

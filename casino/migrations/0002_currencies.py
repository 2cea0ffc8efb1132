from django.db import migrations

# code, name, minor-unit exponent, crypto?
CURRENCIES = [
    ("EUR", "Euro", 2, False),
    ("USD", "US dollar", 2, False),
    ("GBP", "Pound sterling", 2, False),
    ("JPY", "Japanese yen", 0, False),
    ("CAD", "Canadian dollar", 2, False),
    ("BTC", "Bitcoin", 8, True),
    ("ETH", "Ether", 18, True),
    ("USDT", "Tether USD", 6, True),
]


def seed(apps, schema_editor):
    Currency = apps.get_model("casino", "Currency")
    for code, name, exponent, is_crypto in CURRENCIES:
        Currency.objects.update_or_create(
            code=code, defaults={"name": name, "exponent": exponent, "is_crypto": is_crypto}
        )


class Migration(migrations.Migration):
    dependencies = [("casino", "0001_ground_floor")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

import os

from celery import Celery

from casino.logs import connect_celery_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casino.settings")

app = Celery("casino")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Request ids and traces travel into tasks; task outcomes are counted for /metrics.
connect_celery_signals()

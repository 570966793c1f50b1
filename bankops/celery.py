import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bankops.settings")

app = Celery("bankops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="bankops.ping")
def ping():
    """Round trip through the broker; the CI worker check and `inspect` use it."""
    return "pong"

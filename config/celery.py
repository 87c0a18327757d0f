import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("bochum_strategie")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The sweep and the mail have queues of their own (CELERY_TASK_ROUTES), so the sweep never waits behind a
# backlog of mail. A worker started without -Q consumes all three; production runs one worker per kind
# (docker-compose.yml: "worker" with -Q celery,mail, "sweeper" with -Q sweep).
app.conf.task_queues = (Queue("celery"), Queue("sweep"), Queue("mail"))
app.autodiscover_tasks()

"""A test that ends while the Django-tasks worker runs its task leaves that worker alive.

pytest-django empties every table when a transactional test ends, the
django-tasks-db table of task results too. ``db_worker`` records how a task
ended by updating that task's row; when the row has gone, the update raises
``NotUpdated`` from inside its error handling and the worker exits, so every
later test that shares it fails ("the tasks worker died"). The scale
session's conftest therefore waits, before a test's tables are emptied,
until the tasks worker has finished every task queued for it.

The first test ends while its task is certainly running (its processor has
started and sleeps half a second); the second finds the same worker alive
and making files.
"""

from __future__ import annotations

import os

import pytest
from django.core.files.storage import default_storage

from .helpers import WORKER_TIMEOUT, wait_until_generated
from .models import Upload, runs_marker
from .servers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_test_ends_while_the_tasks_worker_still_runs_its_task(workers, use_backend, upload_file):
    worker = workers("tasks")
    use_backend("tasks")
    upload = Upload.objects.create(image=upload_file())

    upload.counted.generate()  # its processor notes the run, then sleeps 0.5 s

    marker = runs_marker(upload.image.name)
    wait_for(
        lambda: os.path.exists(marker),
        WORKER_TIMEOUT,
        "the tasks worker to start the slow task",
        logs=[worker],
    )
    # The test ends here, half a second before the task does.


def test_the_tasks_worker_outlives_the_test_that_ended_during_its_task(
    workers, use_backend, upload_file
):
    worker = workers("tasks")
    use_backend("tasks")
    upload = Upload.objects.create(image=upload_file())

    upload.thumbnail.generate()

    wait_until_generated(upload.thumbnail, [worker])
    assert worker.running()
    assert default_storage.exists(upload.thumbnail.name)

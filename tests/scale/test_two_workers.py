"""Two workers asked for the same file at the same time make it once.

Exactly-once generation is the backend's job (``generate_now`` takes a lock in
the state cache); this test puts it under real concurrency: two RQ worker
processes each get a task for the same cache file at the same moment, and
the spec's processor, which notes every run in a file and then dawdles,
must have run once, leaving one file at the expected name.
"""

from __future__ import annotations

import os
from pathlib import Path

import django_rq
import pytest
from django.core.files.storage import default_storage
from rq import Worker

from imagekit.cachefiles.payloads import payload_for

from .helpers import WORKER_TIMEOUT, wait_until_generated
from .models import Upload, runs_marker
from .servers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = "imagekit-pair"


@pytest.fixture(scope="module")
def worker_pair(start_worker):
    """Two RQ workers serving one queue, both idle and listening."""
    pair = [start_worker("rq", queue=QUEUE, name=f"pair-{n}") for n in (1, 2)]
    queue = django_rq.get_queue(QUEUE)

    def both_listening() -> bool:
        workers = Worker.all(queue=queue)
        return len(workers) == 2 and all(w.get_state() == "idle" for w in workers)

    wait_for(both_listening, WORKER_TIMEOUT, "two RQ workers to listen", logs=pair)
    return pair


def test_two_workers_given_the_same_file_at_once_generate_it_once(
    worker_pair, use_backend, upload_file
):
    use_backend("rq")
    upload = Upload.objects.create(image=upload_file())
    file = upload.counted
    payload = payload_for(file)
    queue = django_rq.get_queue(QUEUE)  # as RQ_QUEUES configures it, like the backend

    jobs = [
        queue.enqueue_call("imagekit.tasks.generate_cachefile", args=(payload,), result_ttl=60)
        for _ in worker_pair
    ]

    wait_until_generated(file, worker_pair)
    wait_for(
        lambda: all(job.get_status(refresh=True) in ("finished", "failed") for job in jobs),
        WORKER_TIMEOUT,
        "both jobs to end",
        logs=worker_pair,
    )
    runs = Path(runs_marker(upload.image.name)).read_text().split()
    folder = os.path.dirname(file.name)
    _dirs, names = default_storage.listdir(folder)
    jpegs = sorted(name for name in names if name.endswith(".jpg"))  # (the preview is a PNG)
    assert [job.get_status() for job in jobs] == ["finished", "finished"]
    assert len(runs) == 1, f"the processors ran {len(runs)} times (worker pids {runs})"
    assert jpegs == [os.path.basename(file.name)]

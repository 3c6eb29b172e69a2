"""Scale-out tests: real task-queue workers, Redis and an S3 server.

They run in their own pytest session with their own settings (workers are
separate processes, so they need a database file, a shared media folder and
real servers): ``python3 scripts/test.py`` runs them after the main suite;
on their own, ``pytest tests/scale --ds tests.scale.settings``.
"""

# The project's Celery app is loaded with the project, as Celery's Django
# guide says, so that shared tasks (imagekit's) are sent through it.
from .celery_app import app as celery_app

__all__ = ["celery_app"]

"""The project of ``enqueue.py``: its settings, and its Celery app loaded with it.

As Celery's Django guide says, the app is loaded with the project, so that
shared tasks (imagekit's) are sent through it; ``celery -A benchsite worker``
starts its workers.
"""

from .celery_app import app as celery_app

__all__ = ["celery_app"]

from django.apps import AppConfig


class TestAppConfig(AppConfig):
    name = "tests.testapp"
    # The label the app had when it was the ``tests`` package itself: spec ids
    # (``tests:photo:thumbnail``), cache file names, table names and
    # ``tests:*`` generator ids all derive from it. Keep it.
    label = "tests"

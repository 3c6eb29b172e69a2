"""The test project: its settings, URLs, views and the ``tests`` app's models.

Installed as ``tests.testapp`` with the app label ``tests`` (see ``apps.py``),
so that model spec ids such as ``tests:photo:thumbnail``, the cache file names
derived from them and the table names stay what they have always been.
"""

"""Helpers for tests (and benchmarks): test doubles, Redis, the docs session.

Nothing here is collected as a test; nothing here is a Django app.
"""

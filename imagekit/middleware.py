"""Middleware: one request-local cache file state cache per request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from .cachefiles.state import use_cachefile_state_cache

__all__ = ["CacheFileStateMiddleware"]


class CacheFileStateMiddleware:
    """Remember cache file states for the duration of each request.

    Add ``"imagekit.middleware.CacheFileStateMiddleware"`` to ``MIDDLEWARE``;
    then a view may call :func:`~imagekit.cachefiles.state.prefetch_spec_files`
    to fetch the states of a whole page in one cache round trip, and no file's
    state is asked twice in one request.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[Any], Any]):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        if iscoroutinefunction(self):
            return self.__acall__(request)
        with use_cachefile_state_cache():
            return self.get_response(request)

    async def __acall__(self, request: Any) -> Any:
        with use_cachefile_state_cache():
            return await self.get_response(request)

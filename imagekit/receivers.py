"""The signal receivers imagekit connects when it is imported, in one place.

Compatibility: ImageKit connects its model signal receivers as soon as its
registry is imported, so the fields work even in projects that do not list
``"imagekit"`` in ``INSTALLED_APPS``; ``imagekit/__init__`` therefore calls
:func:`connect_receivers` once, at import. Every receiver has a
``dispatch_uid``, so calling it again changes nothing.

* ``setting_changed``: forget the ``IMAGEKIT_*`` values :func:`imagekit.conf.setting`
  remembered (``override_settings``, the pytest-django ``settings`` fixture).
* ``request_started`` / ``request_finished``: bracket the requests inside
  which a process may use its memory of cache file states
  (:mod:`imagekit.cachefiles.memory`).
* ``content_required`` / ``existence_required``: the generator registry,
  which relays them to the cache file's strategy.
* ``source_saved`` and the other source signals: the source group registry,
  which builds the linked generators' files and calls their strategies.
* ``post_init`` / ``post_save`` / ``post_delete``: the source groups' router
  (:data:`imagekit.specs.sourcegroups.signal_router`).
"""

from __future__ import annotations

__all__ = ["connect_receivers"]


def connect_receivers() -> None:
    """Connect imagekit's signal receivers (idempotent)."""
    from django.core.signals import request_finished, request_started, setting_changed

    from .cachefiles import memory
    from .conf import forget_settings
    from .registry import SourceGroupRegistry, generator_registry, source_group_registry
    from .signals import content_required, existence_required
    from .specs.sourcegroups import signal_router

    setting_changed.connect(forget_settings, dispatch_uid="imagekit.conf.forget_settings")
    request_started.connect(memory.request_started, dispatch_uid="imagekit.memory.started")
    request_finished.connect(memory.request_finished, dispatch_uid="imagekit.memory.finished")
    # Module singletons, connected strongly: no weak reference to follow on
    # every cache file access.
    content_required.connect(
        generator_registry.content_required_receiver,
        weak=False,
        dispatch_uid="imagekit.registry.content_required",
    )
    existence_required.connect(
        generator_registry.existence_required_receiver,
        weak=False,
        dispatch_uid="imagekit.registry.existence_required",
    )
    for signal, name in SourceGroupRegistry._callbacks.items():
        signal.connect(
            source_group_registry.source_group_receiver,
            weak=False,
            dispatch_uid=f"imagekit.registry.source_group.{name}",
        )
    signal_router.connect()

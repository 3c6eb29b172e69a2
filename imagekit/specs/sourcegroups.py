"""Source groups: sets of source files that feed a generator.

A source group does two things: it sends ``source_*`` signals when one of its
sources is created, changed or deleted (so a strategy can act), and its
``files()`` method lists its sources (so ``generateimages`` can pre-generate
every cache file). Any object with a ``files()`` method can be registered with
``register.source_group(generator_id, group)``; :class:`ImageFieldSourceGroup`
is the one behind every ``ImageSpecField``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import Model
from django.db.models.signals import post_delete, post_init, post_save

from ..signals import source_changed, source_created, source_deleted, source_saved
from ..utils import get_nonabstract_descendants

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile
    from django.dispatch import Signal

    from ..cachefiles import ImageCacheFile


class SourceGroup(Protocol):
    """What may be registered as a source group: ``files()`` yields source files."""

    def files(self) -> Iterable[Any]: ...


__all__ = [
    "ImageFieldSourceGroup",
    "ModelSignalRouter",
    "SourceGroupFilesGenerator",
    "ik_model_receiver",
    "signal_router",
]

# Recorded at post_init for fields whose value was not loaded (deferred).
_UNKNOWN = object()


def ik_model_receiver(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Only pass on model signals whose sender belongs to a registered group."""

    @wraps(fn)
    def receiver(self: ModelSignalRouter, sender: Any, **kwargs: Any) -> None:
        if not inspect.isclass(sender):
            return
        if any(issubclass(sender, group.model_class) for group in self._source_groups):
            fn(self, sender=sender, **kwargs)

    return receiver


def _raw_name(value: Any) -> Any:
    """Return the file name behind a model's raw attribute value."""
    if value is None or isinstance(value, str):
        return value or None
    return getattr(value, "name", None) or None


class ModelSignalRouter:
    """Turn model signals into source signals for :class:`ImageFieldSourceGroup`\\ s.

    ``post_init`` remembers each source field's file name without touching the
    field's descriptor (no query, no file access). ``post_save`` compares and
    sends:

    * ``source_created`` for the first save of a new instance with a file;
    * ``source_changed`` when an existing instance's file changed to another;
    * ``source_deleted`` when the file was cleared (and, from ``post_delete``,
      when an instance with a file is deleted);
    * ``source_saved`` as ImageKit did. Compatibility: that includes the
      first save of any instance with a file, changed or not.
    """

    def __init__(self) -> None:
        self._source_groups: list[ImageFieldSourceGroup] = []

    def connect(self) -> None:
        """Connect the model signal receivers (idempotent)."""
        uid = "ik_spec_field_receivers"
        post_init.connect(self.post_init_receiver, dispatch_uid=uid)
        post_save.connect(self.post_save_receiver, dispatch_uid=uid)
        post_delete.connect(self.post_delete_receiver, dispatch_uid=uid)

    def add(self, source_group: ImageFieldSourceGroup) -> None:
        self._source_groups.append(source_group)

    def init_instance(self, instance: Model) -> dict[str, Any]:
        state: dict[str, Any] | None = instance.__dict__.get("_ik")
        if state is None:
            state = instance._ik = {}  # type: ignore[attr-defined]
        return state

    def get_source_fields(self, instance: Model) -> set[str]:
        """Return the names of *instance*'s fields that are sources of a group."""
        return {
            group.image_field
            for group in self._source_groups
            if isinstance(instance, group.model_class)
        }

    @ik_model_receiver
    def post_init_receiver(self, sender: type[Model], instance: Any = None, **kwargs: Any) -> None:
        state = self.init_instance(instance)
        names = {}
        for attname in self.get_source_fields(instance):
            raw = instance.__dict__.get(attname, _UNKNOWN)
            names[attname] = _UNKNOWN if raw is _UNKNOWN else _raw_name(raw)
        state["source_names"] = names
        # Compatibility: ImageKit's first save always looked "changed".
        state["source_hashes"] = {}

    @ik_model_receiver
    def post_save_receiver(
        self,
        sender: type[Model],
        instance: Any = None,
        created: bool = False,
        update_fields: frozenset[str] | None = None,
        raw: bool = False,
        **kwargs: Any,
    ) -> None:
        if raw:
            return
        state = self.init_instance(instance)
        old_hashes = state.get("source_hashes", {})
        old_names = state.get("source_names", {})
        new_hashes = {}
        new_names = {}
        for attname in self.get_source_fields(instance):
            if update_fields and attname not in update_fields:
                if attname in old_hashes:
                    new_hashes[attname] = old_hashes[attname]
                new_names[attname] = old_names.get(attname, _UNKNOWN)
                continue
            file = getattr(instance, attname)
            name = file.name or None
            new_hashes[attname] = hash(file)
            new_names[attname] = name
            old_name = old_names.get(attname, _UNKNOWN)
            if created:
                if file:
                    self.dispatch_signal(source_created, file, sender, instance, attname)
            elif file and name != old_name:
                self.dispatch_signal(source_changed, file, sender, instance, attname)
                if old_name not in (None, _UNKNOWN):
                    self.follow_deletion(self._old_file(instance, attname, old_name), sender)
            elif not file and old_name not in (None, _UNKNOWN):
                gone = self._old_file(instance, attname, old_name)
                self.dispatch_signal(source_deleted, gone, sender, instance, attname)
                self.follow_deletion(gone, sender)
            elif file and name == old_name:
                self.follow_replacement(file, sender, attname)
            if file and old_hashes.get(attname) != new_hashes[attname]:
                self.dispatch_signal(source_saved, file, sender, instance, attname)
        state["source_hashes"] = new_hashes
        state["source_names"] = new_names

    @ik_model_receiver
    def post_delete_receiver(
        self, sender: type[Model], instance: Any = None, **kwargs: Any
    ) -> None:
        for attname in self.get_source_fields(instance):
            file = getattr(instance, attname)
            if file:
                self.dispatch_signal(source_deleted, file, sender, instance, attname)
                self.follow_deletion(file, sender, using=kwargs.get("using"))

    @staticmethod
    def _old_file(instance: Any, attname: str, old_name: str) -> Any:
        field = instance._meta.get_field(attname)
        return field.attr_class(instance, field, old_name)

    def _groups_of(self, model_class: type, attname: str) -> list[ImageFieldSourceGroup]:
        return [
            group
            for group in self._source_groups
            if issubclass(model_class, group.model_class) and group.image_field == attname
        ]

    def follow_deletion(self, old_file: Any, model_class: type, using: str | None = None) -> None:
        """Delete, after the commit, the cache files made from *old_file* (fields that ask)."""
        from ..cachefiles.lifecycle import delete_with_source, deletes_with_source
        from ..registry import source_group_registry

        ids = [
            gid
            for group in self._groups_of(model_class, old_file.field.name)
            if deletes_with_source(group.delete_with_source)
            for gid in source_group_registry.ids_of(group)
        ]
        if ids:
            delete_with_source(ids, old_file, using=using)

    def follow_replacement(self, file: Any, model_class: type, attname: str) -> None:
        """Regenerate the cache files of *file* if it was overwritten under its name."""
        from ..cachefiles.lifecycle import refresh_if_replaced
        from ..registry import source_group_registry

        ids = [
            gid
            for group in self._groups_of(model_class, attname)
            for gid in source_group_registry.ids_of(group)
        ]
        if ids:
            refresh_if_replaced(ids, file)

    def dispatch_signal(
        self,
        signal: Signal,
        file: FieldFile,
        model_class: type[Model],
        instance: Model,
        attname: str,
    ) -> None:
        for group in list(self._source_groups):
            if issubclass(model_class, group.model_class) and group.image_field == attname:
                signal.send(sender=group, source=file)


#: The one router; :func:`imagekit.receivers.connect_receivers` connects it.
signal_router = ModelSignalRouter()


class ImageFieldSourceGroup:
    """One image field across a model and all of its subclasses.

    ``ImageFieldSourceGroup(Profile, "avatar")`` sends source signals when a
    profile's avatar is created, changed or deleted, and its ``files()`` yields
    the avatar of every profile. Abstract models work too: signals come from
    their concrete subclasses.
    """

    #: Whether the cache files made from a deleted, cleared or replaced file
    #: are deleted (None: ``IMAGEKIT_DELETE_WITH_SOURCE``). ``ImageSpecField``
    #: sets it from its ``delete_with_source`` option.
    delete_with_source: bool | None = None

    def __init__(self, model_class: type[Model], image_field: str):
        self.model_class = model_class
        self.image_field = image_field
        signal_router.add(self)

    def files(self) -> Iterator[FieldFile]:
        """Yield the field's file for every instance of every concrete model."""
        for model in get_nonabstract_descendants(self.model_class):
            for instance in model._default_manager.all().iterator():
                yield getattr(instance, self.image_field)

    def __repr__(self) -> str:
        return f"<ImageFieldSourceGroup: {self.model_class.__name__}.{self.image_field}>"


class SourceGroupFilesGenerator:
    """Yield a lazy cache file of *generator_id* for each file of *source_group*."""

    def __init__(self, source_group: SourceGroup, generator_id: str):
        self.source_group = source_group
        self.generator_id = generator_id

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, SourceGroupFilesGenerator)
            and self.source_group == other.source_group
            and self.generator_id == other.generator_id
        )

    def __hash__(self) -> int:
        return hash((self.source_group, self.generator_id))

    def __call__(self) -> Iterator[ImageCacheFile]:
        from ..cachefiles import LazyImageCacheFile

        for source_file in self.source_group.files():
            # A lazy proxy of one, which isinstance() takes for an ImageCacheFile.
            yield LazyImageCacheFile(self.generator_id, source=source_file)  # type: ignore[misc]

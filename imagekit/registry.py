"""Registries: generators by id, the source groups and cache files linked to them.

``register`` and ``unregister`` are the public façades (also importable as
``imagekit.register`` / ``imagekit.unregister``)::

    register.generator("myapp:profile:avatar_thumbnail", AvatarThumbnail)
    register.source_group("myapp:profile:avatar_thumbnail", my_group)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .exceptions import AlreadyRegistered, NotRegistered
from .signals import (
    source_changed,
    source_created,
    source_deleted,
    source_saved,
)
from .utils import autodiscover, call_strategy_method

if TYPE_CHECKING:
    from ._typing import Generator, GeneratorFactory
    from .cachefiles import ImageCacheFile
    from .specs.sourcegroups import SourceGroup

    #: What may be registered: a generator class (or factory), or a generator.
    Registrable = GeneratorFactory | Generator
    #: What CacheFileRegistry holds: a callable listing cache files.
    CacheFiles = Callable[[], Iterable[ImageCacheFile]]

_Factory = TypeVar("_Factory", bound="GeneratorFactory")

__all__ = [
    "CacheFileRegistry",
    "GeneratorRegistry",
    "Register",
    "SourceGroupRegistry",
    "Unregister",
    "cachefile_registry",
    "generator_registry",
    "register",
    "source_group_registry",
    "unregister",
]


id_of = id  # the builtin, under a name that GeneratorRegistry's "id" arguments don't hide


class GeneratorRegistry:
    """Generators (usually spec classes) by id.

    It also relays ``content_required`` / ``existence_required`` to the
    strategy of the cache file. Compatibility: as in ImageKit, only files
    whose generator's class is registered get these callbacks.
    """

    def __init__(self) -> None:
        self._generators: dict[str, Registrable] = {}
        # ids of the registered objects, for the relay check on every access
        self._registered_ids: frozenset[int] = frozenset()

    def register(self, id: str, generator: Registrable) -> None:
        if id in self._generators and self._generators[id] != generator:
            raise AlreadyRegistered(f"The generator with id {id} is already registered")
        self._generators[id] = generator
        self._registered_ids = frozenset(map(id_of, self._generators.values()))

    def unregister(self, id: str) -> None:
        try:
            del self._generators[id]
        except KeyError:
            raise NotRegistered(f"The generator with id {id} is not registered") from None
        self._registered_ids = frozenset(map(id_of, self._generators.values()))

    def get(self, id: str, *args: Any, **kwargs: Any) -> Generator:
        """Return the generator for *id*, called with the arguments if callable."""
        autodiscover()
        try:
            generator = self._generators[id]
        except KeyError:
            known = ", ".join(sorted(self._generators)) or "none"
            raise NotRegistered(
                f"The generator with id {id} is not registered (registered ids: {known})"
            ) from None
        if callable(generator):
            try:
                built = generator(*args, **kwargs)
            except TypeError as exc:
                _explain_arguments(id, generator, args, kwargs, exc)
                raise  # it came from inside the generator
            _record_origin(built, id, args, kwargs)
            return built
        return generator

    def registered(self, id: str) -> Registrable | None:
        """Return what is registered under *id* (not called), or None.

        Unlike :meth:`get`, this does not autodiscover.
        """
        return self._generators.get(id)

    def get_ids(self) -> Iterable[str]:
        """Return the registered ids, in registration order."""
        autodiscover()
        return self._generators.keys()

    def content_required_receiver(
        self, sender: object, file: ImageCacheFile, **kwargs: Any
    ) -> None:
        self._relay(file, "on_content_required")

    def existence_required_receiver(
        self, sender: object, file: ImageCacheFile, **kwargs: Any
    ) -> None:
        self._relay(file, "on_existence_required")

    def _relay(self, file: ImageCacheFile, callback: str) -> None:
        if id_of(type(file.generator)) in self._registered_ids:
            call_strategy_method(file, callback)


#: The attribute under which :meth:`GeneratorRegistry.get` notes, on each
#: generator it builds, the id and the arguments it was built from:
#: ``(id, args, kwargs)``. The task-queue backends send these,
#: never the object, to their workers (see :mod:`imagekit.cachefiles.payloads`).
ORIGIN_ATTRIBUTE = "_ik_origin"


def _explain_arguments(
    id: str, generator: Any, args: tuple[Any, ...], kwargs: dict[str, Any], exc: TypeError
) -> None:
    """Raise a ``TypeError`` naming *id* if *generator* does not take these arguments.

    Only when the arguments do not fit the signature: a ``TypeError`` raised
    inside the generator is left alone (the caller re-raises it).
    """
    try:
        inspect.signature(generator).bind(*args, **kwargs)
    except ValueError:  # no signature to compare with
        return
    except TypeError:
        given = ", ".join([*(repr(a) for a in args), *(f"{k}=" for k in kwargs)])
        raise TypeError(
            f"The generator {id!r} does not take the arguments ({given}): {exc}"
        ) from exc


def _record_origin(generator: Any, id: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    # Recorded as given (the dict is this call's own): sorting out "source"
    # is the payload's business, off the hot path of every template tag.
    try:
        setattr(generator, ORIGIN_ATTRIBUTE, (id, args, kwargs))
    except AttributeError:  # objects that take no attributes: their files are not queued
        pass


class SourceGroupRegistry:
    """Source groups and the generator ids they feed.

    When a registered group sends a source signal, each linked generator is
    built for that source and the matching callback of its cache file's
    strategy is called.
    """

    _callbacks = {
        source_saved: "on_source_saved",
        source_created: "on_source_created",
        source_changed: "on_source_changed",
        source_deleted: "on_source_deleted",
    }

    def __init__(self) -> None:
        # source group -> generator ids (a dict used as an ordered set)
        self._source_groups: dict[SourceGroup, dict[str, None]] = {}

    def register(self, generator_id: str, source_group: SourceGroup) -> None:
        from .specs.sourcegroups import SourceGroupFilesGenerator

        self._source_groups.setdefault(source_group, {})[generator_id] = None
        cachefile_registry.register(
            generator_id, SourceGroupFilesGenerator(source_group, generator_id)
        )

    def unregister(self, generator_id: str, source_group: SourceGroup) -> None:
        from .specs.sourcegroups import SourceGroupFilesGenerator

        ids = self._source_groups.get(source_group)
        if ids is None or generator_id not in ids:
            return
        del ids[generator_id]
        cachefile_registry.unregister(
            generator_id, SourceGroupFilesGenerator(source_group, generator_id)
        )

    def ids_of(self, source_group: Any) -> list[str]:
        """Return the generator ids *source_group* feeds."""
        return list(self._source_groups.get(source_group, ()))

    def source_group_receiver(self, sender: Any, source: Any, signal: Any, **kwargs: Any) -> None:
        from .cachefiles import ImageCacheFile

        ids = self._source_groups.get(sender)
        if not ids:
            return
        callback = self._callbacks[signal]
        for generator_id in list(ids):
            spec = generator_registry.get(generator_id, source=source)
            call_strategy_method(ImageCacheFile(spec), callback)


class CacheFileRegistry:
    """Callables that list the cache files of a generator id (for ``generateimages``)."""

    def __init__(self) -> None:
        # cachefiles callable -> generator ids (ordered set)
        self._cachefiles: dict[CacheFiles, dict[str, None]] = {}

    def register(self, generator_id: str, cachefiles: CacheFiles) -> None:
        self._cachefiles.setdefault(cachefiles, {})[generator_id] = None

    def unregister(self, generator_id: str, cachefiles: CacheFiles) -> None:
        ids = self._cachefiles.get(cachefiles)
        if ids is not None:
            ids.pop(generator_id, None)

    def get(self, generator_id: str) -> Iterator[ImageCacheFile]:
        """Yield every cache file registered for *generator_id*."""
        for cachefiles, ids in list(self._cachefiles.items()):
            if generator_id in ids:
                yield from cachefiles()


class Register:
    """Register generators, cache files and source groups."""

    @overload
    def generator(self, id: str, generator: None = None) -> Callable[[_Factory], _Factory]: ...
    @overload
    def generator(self, id: str, generator: Registrable) -> None: ...

    def generator(
        self, id: str, generator: Registrable | None = None
    ) -> Callable[[_Factory], _Factory] | None:
        """Register *generator* under *id*; without it, return a class decorator."""
        if generator is None:

            def decorator(cls: _Factory) -> _Factory:
                self.generator(id, cls)
                return cls

            return decorator
        generator_registry.register(id, generator)
        return None

    def cachefiles(self, generator_id: str, cachefiles: CacheFiles) -> None:
        cachefile_registry.register(generator_id, cachefiles)

    def source_group(self, generator_id: str, source_group: SourceGroup) -> None:
        source_group_registry.register(generator_id, source_group)


class Unregister:
    """Undo what :class:`Register` did."""

    def generator(self, id: str) -> None:
        generator_registry.unregister(id)

    def cachefiles(self, generator_id: str, cachefiles: CacheFiles) -> None:
        cachefile_registry.unregister(generator_id, cachefiles)

    def source_group(self, generator_id: str, source_group: SourceGroup) -> None:
        source_group_registry.unregister(generator_id, source_group)


generator_registry = GeneratorRegistry()
cachefile_registry = CacheFileRegistry()
source_group_registry = SourceGroupRegistry()
register = Register()
unregister = Unregister()

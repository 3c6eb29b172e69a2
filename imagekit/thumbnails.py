"""The cache files of ``imagekit:thumbnail``, built from a prototype per set of arguments.

A warm ``{% thumbnail '100x50' photo.image %}`` spent two thirds of its time
above ``{{ photo.image.url }}`` on building, for every row, a
:class:`~imagekit.generatorlibrary.Thumbnail` spec, naming its cache file
and making the :class:`~imagekit.cachefiles.ImageCacheFile` (issue #10).
None of that depends on the row but the source: the spec is a pure function
of the tag's arguments, of ``Thumbnail``'s class attributes and of the
settings, and the file's name of those and the source's name.

So the first time a set of arguments is met, the spec and its file are built
the ordinary way (through the registry, as ImageKit does), and what the spec
holds besides its source is kept as a *prototype*. The next rows copy the
prototype into a new ``Thumbnail`` instance, set its source, and take the
name remembered for that source's name. The objects handed out are the same
as the ordinary ones, attribute for attribute (pinned by tests): a fresh
spec and a fresh file per row, each sending ``existence_required`` as
always. Only pure computations are remembered here: whether a file exists is
still asked of the backend, which keeps its state coherent with the Django
cache (see :mod:`imagekit.cachefiles.memory`).

The prototype is used only while everything it was built from is unchanged:
``imagekit:thumbnail`` is still :class:`Thumbnail` itself (a project may
register its own), no setting changed since (``setting_changed``),
``Thumbnail``'s class attributes are the same objects, and the name comes
from one of imagekit's own namers. Otherwise the file is built the ordinary
way. Arguments of other types than ``int``, ``float``, ``str``, ``bool`` and
None (which compare equal across types, or may not hash) are never
remembered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .cachefiles import ImageCacheFile
from .conf import settings_generation
from .generatorlibrary import Thumbnail
from .registry import ORIGIN_ATTRIBUTE, generator_registry
from .specs import pure_spec_namer

if TYPE_CHECKING:
    from django.core.files.storage import Storage

    from ._typing import CacheFileBackend

__all__ = ["thumbnail_cachefile"]

#: At most this many prototypes (sets of arguments) and names are kept; when
#: either is full it is emptied, so a site with sizes from the context
#: cannot make them grow without bound.
MAX_PROTOTYPES = 1000
MAX_NAMES = 20000

_PLAIN_TYPES = frozenset({int, float, str, bool, type(None)})

# The spec's attributes that belong to one row (its source, what the registry
# records it was built from), and those built lazily from the others.
_PER_SPEC = frozenset({"_source", ORIGIN_ATTRIBUTE, "_processors", "_built"})


def _class_attributes() -> tuple[object, ...]:
    """What a ``Thumbnail`` spec and its file read from the class, as objects."""
    cls = Thumbnail
    return (
        cls.options,
        cls.autoconvert,
        cls.cachefile_backend,
        cls.cachefile_strategy,
        cls.cachefile_storage,
    )


class _Prototype:
    """What the ``Thumbnail`` specs of one set of arguments share, and their file's parts."""

    __slots__ = ("attributes", "backend", "generation", "names", "state", "storage", "strategy")

    def __init__(self, spec: Thumbnail, file: ImageCacheFile, generation: int):
        self.state = {k: v for k, v in vars(spec).items() if k not in _PER_SPEC}
        self.storage: Storage = file.storage
        self.backend: CacheFileBackend = file.cachefile_backend
        self.strategy = file.cachefile_strategy
        self.generation = generation
        self.attributes = _class_attributes()

    def current(self, generator_id: str) -> bool:
        """Return whether nothing this prototype was built from has changed."""
        return (
            self.generation == settings_generation()
            and generator_registry.registered(generator_id) is Thumbnail
            and self.attributes == _class_attributes()
        )

    def file(self, generator_id: str, kwargs: dict[str, Any], source: Any) -> ImageCacheFile:
        """Return a new file for *source*, its spec copied from this prototype."""
        spec = Thumbnail.__new__(Thumbnail)
        attributes = vars(spec)
        attributes.update(self.state)
        attributes["_source"] = source
        origin = dict(kwargs)
        origin["source"] = source
        attributes[ORIGIN_ATTRIBUTE] = (generator_id, (), origin)
        name = _names.get((self, source.name))
        if name is None:
            name = spec.cachefile_name
            _remember(_names, (self, source.name), name, MAX_NAMES)
        return ImageCacheFile(
            spec,
            name=name,
            storage=self.storage,
            cachefile_backend=self.backend,
            cachefile_strategy=self.strategy,
        )


_prototypes: dict[tuple[Any, ...], _Prototype] = {}
# Not ImageSpec.cachefile_name's memo: its key holds the spec's argument
# tuple, hashed again on every row, which cost the warm thumbnail pages
# about 0.05x of the floor side by side; this one is keyed by the
# prototype's identity.
_names: dict[tuple[_Prototype, str], str | None] = {}


def _remember(mapping: dict[Any, Any], key: Any, value: Any, limit: int) -> None:
    if len(mapping) >= limit:
        mapping.clear()
    mapping[key] = value


def thumbnail_cachefile(generator_id: str, kwargs: dict[str, Any], source: Any) -> ImageCacheFile:
    """Return the cache file of ``generator_registry.get(generator_id, **kwargs, source=source)``.

    The same file as ``ImageCacheFile(generator_registry.get(...))``; for
    ``imagekit:thumbnail``, built from a prototype when one applies (see the
    module docstring).
    """
    key: tuple[Any, ...] | None = None
    source_name = getattr(source, "name", None)
    if (
        source_name
        and type(source_name) is str
        and _PLAIN_TYPES.issuperset(map(type, kwargs.values()))
    ):
        key = (generator_id, tuple(kwargs.items()), tuple(map(type, kwargs.values())))
        prototype = _prototypes.get(key)
        if prototype is not None and prototype.current(generator_id):
            return prototype.file(generator_id, kwargs, source)
    generation = settings_generation()
    spec = generator_registry.get(generator_id, **{**kwargs, "source": source})
    file = ImageCacheFile(spec)
    if (
        key is not None
        and type(spec) is Thumbnail
        and generator_registry.registered(generator_id) is Thumbnail
        and type(Thumbnail.cachefile_strategy) is str  # a class would give one per spec
        and pure_spec_namer()
    ):
        prototype = _Prototype(spec, file, generation)
        _remember(_prototypes, key, prototype, MAX_PROTOTYPES)
        _remember(_names, (prototype, source_name), file.name, MAX_NAMES)
    return file

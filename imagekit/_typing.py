"""The duck types imagekit's annotations use, and a typed ``alters_data``.

imagekit's pluggable parts are duck-typed, as in ImageKit: a *generator* is
anything with a ``generate()`` method returning the image file (a spec, or a
project's own class), a *cache file backend* anything with ``generate(file,
force)`` and ``exists(file)``. The protocols below say so to a type checker;
nothing checks them at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING, Any, Protocol, TypeVar, Union

if TYPE_CHECKING:
    from django.core.files.storage import Storage
    from PIL import Image

    from .cachefiles import ImageCacheFile

__all__ = [
    "CacheFileBackend",
    "Generator",
    "GeneratorFactory",
    "Named",
    "Namer",
    "Processor",
    "Processors",
    "Spec",
    "StorageOrFactory",
    "alters_data",
]


class Processor(Protocol):
    """An image processor (pilkit's, or a project's): ``process(img)`` returns the new image."""

    def process(self, img: Image.Image) -> Image.Image: ...


#: What a spec's ``processors`` may be.
Processors = Sequence[Processor]


class Generator(Protocol):
    """What makes a cache file's content: ``generate()`` returns the encoded image.

    Optional attributes a generator may have, looked up with ``getattr``:
    ``cachefile_name``, ``cachefile_storage``, ``cachefile_backend``,
    ``cachefile_strategy`` and ``source``.
    """

    def generate(self) -> IO[bytes]: ...


class Named(Protocol):
    """Anything with a cache file's name: what a backend's state keys and locks need."""

    @property
    def name(self) -> str: ...


class Spec(Generator, Protocol):
    """A generator that namers can name: a spec's source, format and hash.

    :class:`~imagekit.specs.ImageSpec` is one; the namers of
    ``IMAGEKIT_CACHEFILE_NAMER`` and ``IMAGEKIT_SPEC_CACHEFILE_NAMER`` take one.
    """

    @property
    def source(self) -> Any: ...

    @property
    def format(self) -> str | None: ...

    def get_hash(self) -> str: ...


#: A cache file namer: the name of the file a spec makes.
Namer = Callable[[Spec], str]


#: What the generator registry holds: a generator class, or any callable
#: that returns a generator when called with the registry's arguments.
GeneratorFactory = Callable[..., Generator]


class CacheFileBackend(Protocol):
    """What ``IMAGEKIT_DEFAULT_CACHEFILE_BACKEND`` names (see ``AbstractCacheFileBackend``)."""

    def generate(self, file: ImageCacheFile, force: bool = False) -> None: ...

    def exists(self, file: ImageCacheFile) -> bool: ...


#: A storage, or a callable returning one (``cachefile_storage`` may be either).
StorageOrFactory = Union["Storage", Callable[[], "Storage"]]

_Method = TypeVar("_Method", bound=Callable[..., Any])


def alters_data(method: _Method) -> _Method:
    """Mark *method* ``alters_data = True`` (templates refuse to call it); return it.

    The same attribute Django's own methods carry, set where the method is
    defined, and typed: a type checker does not let attributes be set on
    functions.
    """
    method.alters_data = True  # type: ignore[attr-defined]
    return method

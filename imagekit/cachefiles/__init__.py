"""Cache files: lazily generated images stored under IMAGEKIT_CACHEFILE_DIR."""

from __future__ import annotations

import contextlib
import os
import posixpath
import uuid
from collections.abc import Callable
from copy import copy
from typing import IO, TYPE_CHECKING, Any

from django.core.files import File
from django.core.files.images import ImageFile
from django.core.files.storage import InMemoryStorage, Storage
from django.utils.functional import SimpleLazyObject

from .._typing import alters_data
from ..conf import setting
from ..exceptions import MissingSource, MissingSourceFile
from ..files import BaseIKFile
from ..registry import generator_registry
from ..signals import content_required, existence_required
from ..utils import (
    generate,
    get_by_qname,
    get_default_cachefile_backend,
    get_logger,
    get_singleton,
    get_storage,
)
from .backends.base import AbstractCacheFileBackend, CachedFileBackend, CacheFileState
from .strategies import load_strategy
from .urls import storage_url

if TYPE_CHECKING:
    from .._typing import CacheFileBackend, Generator

    # Generic in django-stubs only: Django's class takes no type argument.
    _LazyCacheFile = SimpleLazyObject["ImageCacheFile"]
else:
    _LazyCacheFile = SimpleLazyObject

Dimensions = tuple[int | None, int | None]

__all__ = [
    "ImageCacheFile",
    "LazyGeneratedImageFile",
    "LazyImageCacheFile",
    "save_atomically",
    "size_if_made",
]


class ImageCacheFile(BaseIKFile, ImageFile):
    """The file a generator produces, generated when its strategy says so.

    Creating one does no I/O. What each access costs:

    * ``url`` / ``path``: sends ``existence_required`` (the default
      ``JustInTime`` strategy generates the file then, if needed), then asks
      the storage for the URL or path. No existence check, no open.
    * ``bool(file)``: false without a name. Otherwise sends
      ``existence_required`` and, for asynchronous backends (or strategies
      whose ``should_verify_existence`` says so), asks the backend whether the
      file exists. Compatibility: as in ImageKit, a truth test may generate
      the file. When that fails because the source file is gone from its
      storage, the answer is whether the cache file exists (made earlier):
      ImageKit raised ``FileNotFoundError`` instead.
    * ``read()``, ``size``, ``width``, ``height``, ``open()``: sends
      ``content_required`` then opens the file from the storage.
    """

    generator: Generator
    # Typed str, though a generator may name no file (a spec without a source
    # gives None): such a file is false, and every other operation on it fails
    # in the storage, as in ImageKit. Backends, namers and storages only ever
    # see named files.
    name: str
    cachefile_backend: CacheFileBackend
    #: The strategy object (see :mod:`imagekit.cachefiles.strategies`): its
    #: hooks are looked up by name, and may be missing.
    cachefile_strategy: object
    _dimensions_cache: Dimensions | None

    def __init__(
        self,
        generator: Generator,
        name: str | None = None,
        storage: Storage | Callable[[], Storage] | None = None,
        cachefile_backend: CacheFileBackend | None = None,
        cachefile_strategy: object = None,
    ):
        self.generator = generator
        if not name:
            name = self._name_from(generator)
        self.name = name  # type: ignore[assignment]  # see name above

        if callable(storage):
            storage = storage()
        storage = storage or getattr(generator, "cachefile_storage", None) or get_storage()

        self.cachefile_backend = (
            cachefile_backend
            or getattr(generator, "cachefile_backend", None)
            or get_default_cachefile_backend()
        )
        self.cachefile_strategy = load_strategy(
            cachefile_strategy
            or getattr(generator, "cachefile_strategy", None)
            or get_singleton(setting("IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY"), "cache file strategy")
        )
        super().__init__(storage=storage)

    @staticmethod
    def _name_from(generator: Generator) -> str | None:
        # Generators that know their cache file name say so through a
        # ``cachefile_name`` attribute; the others are named by
        # IMAGEKIT_CACHEFILE_NAMER. The attribute is looked up on the class (or
        # the instance dict) rather than guarded with ``except AttributeError``,
        # so a bug inside a cachefile_name property is not silently hidden.
        has_name = hasattr(type(generator), "cachefile_name") or "cachefile_name" in getattr(
            generator, "__dict__", {}
        )
        if has_name:
            name: str | None = generator.cachefile_name  # type: ignore[attr-defined]
            return name
        namer: Callable[[Generator], str] = get_by_qname(
            setting("IMAGEKIT_CACHEFILE_NAMER"), "namer"
        )
        return namer(generator)

    def _require_file(self) -> None:
        if getattr(self, "_file", None) is None:
            content_required.send(sender=self, file=self)
            file = getattr(self, "_file", None)
            if file is None or file.closed:
                try:
                    self._file = self.storage.open(self.name, "rb")
                except FileNotFoundError:
                    if not self._ask_again():
                        raise
                    file = getattr(self, "_file", None)
                    if file is None or file.closed:
                        self._file = self.storage.open(self.name, "rb")

    def _ask_again(self) -> bool:
        """The file was recorded as existing but is gone: forget that, ask the strategy again.

        It was removed (by ``cleanupimages``, say) after this request found it
        recorded: its state is dropped, and the strategy is asked for the
        content once more (``JustInTime`` makes the file again). Return
        whether there is something to open now.
        """
        backend = self.cachefile_backend
        if not isinstance(backend, CachedFileBackend) or self.__dict__.get("_asked_again"):
            return False
        self._asked_again = True
        backend._forget_state(self)
        content_required.send(sender=self, file=self)
        file = getattr(self, "_file", None)
        return (file is not None and not file.closed) or backend.exists(self)

    def _require_existence(self) -> None:
        # Ask the strategy once per cache file object: after the first
        # existence_required, url, path, width and height of this object rely
        # on its answer. (ImageKit sent one signal for width then url too: its
        # width opened the file, and url skips the signal once a file is open.)
        if getattr(self, "_file", None) is None and not self.__dict__.get("_existence_required"):
            existence_required.send(sender=self, file=self)
            self._existence_required = True

    def _storage_attr(self, attr: str) -> str:
        self._require_existence()
        value: str = getattr(self.storage, attr)(self.name)
        return value

    @property
    def url(self) -> str:
        """The file's URL. May generate the file (see the class docstring)."""
        self._require_existence()
        return storage_url(self.storage, self.name)

    @property
    def path(self) -> str:
        """The file's local path. May generate the file."""
        return self._storage_attr("path")

    @alters_data
    def generate(self, force: bool = False) -> None:
        """Have the backend generate the file, unless it is already loaded."""
        if force or getattr(self, "_file", None) is None:
            self.cachefile_backend.generate(self, force)

    @alters_data
    def _generate(self, *, replace: bool = False) -> tuple[int, int] | None:
        """Generate the file now and save it to the storage; return its size.

        Backends call this, holding the generation lock, with *replace* true:
        the file is then written atomically over any older one of that name.
        Without *replace* (ImageKit's behaviour) a name already taken is left
        alone, the storage picks another name for the new file, and a warning
        says so: the file saved there will not be used. The size is read
        from the image's header (None if Pillow cannot tell).
        """
        content = generate(self.generator)
        dimensions = self._dimensions_cache = _measure(content)
        actual_name = save_atomically(self.storage, self.name, content, replace=replace)
        # Keep the generated content: whoever asked for the file can read it
        # without another trip to the storage.
        content.seek(0)
        self.file = File(content)
        # Storages return normalised names with forward slashes, while namers
        # give os.path.normpath()ed ones (backslashes on Windows): compare
        # them normalised, or every generation would warn there.
        if os.path.normpath(actual_name) != os.path.normpath(self.name):
            get_logger().warning(
                "The storage backend %s did not save the file with the requested name "
                '("%s") and instead used "%s". This may be because a file already '
                "existed with the requested name: if so, generate() may have been meant "
                "instead of generate(force=True), or the cache file backend %s has a "
                "race condition. The file saved under the other name will not be used.",
                self.storage,
                self.name,
                actual_name,
                self.cachefile_backend,
            )
        return dimensions

    # None when the size cannot be read, like Django's ImageFile at run time.
    @property
    def width(self) -> int | None:  # type: ignore[override]
        """The image's width. See :attr:`height`."""
        return self._dimensions()[0]

    @property
    def height(self) -> int | None:  # type: ignore[override]
        """The image's height.

        Sends ``existence_required`` (so the file is generated if needed) and
        takes the size recorded with the file's state. Only when no size was
        recorded (files generated by ImageKit, or by a backend that does not
        record sizes) is the file opened and measured, once.
        """
        return self._dimensions()[1]

    def _dimensions(self) -> Dimensions:
        known: Dimensions | None = getattr(self, "_dimensions_cache", None)
        if known is not None:
            return known
        backend = self.cachefile_backend
        # Backends written for ImageKit without our base classes record no sizes.
        recorder = backend if isinstance(backend, AbstractCacheFileBackend) else None
        if getattr(self, "_file", None) is None and self.name:
            self._require_existence()
            known = getattr(self, "_dimensions_cache", None)  # just generated?
            if known is None and recorder is not None:
                known = recorder.get_dimensions(self)
            if known is not None:
                self._dimensions_cache = known
                return known
        # Django's (untyped) ImageFile helper; opens the file: content_required.
        measured: Dimensions = self._get_image_dimensions()  # type: ignore[attr-defined]
        if recorder is not None and None not in measured:
            recorder.set_dimensions(self, measured)  # type: ignore[arg-type]  # no None
        return measured

    def __bool__(self) -> bool:
        if not self.name:
            return False
        # Give the strategy a chance to create the file before it is checked.
        try:
            existence_required.send(sender=self, file=self)
        except MissingSourceFile:
            # The source is gone from its storage: true only if the cache
            # file was made before, so that no page shows an <img> to a file
            # that cannot exist, and an existing one goes on being served.
            return self._made_without_source()
        verify = getattr(self.cachefile_strategy, "should_verify_existence", None)
        if verify is not None:
            check = verify(self)
        else:
            check = getattr(self.cachefile_backend, "is_async", False)
        return self.cachefile_backend.exists(self) if check else True

    def _made_without_source(self) -> bool:
        backend = self.cachefile_backend
        if isinstance(backend, CachedFileBackend):
            return backend.exists(self)
        return self.storage.exists(self.name)

    def __repr__(self) -> str:
        # Never send signals (Django's File.__repr__ calls bool(self)).
        return f"<{type(self).__name__}: {self.name or 'None'}>"

    def __getstate__(self) -> dict[str, Any]:
        state = copy(self.__dict__)
        state.pop("_file", None)  # an open file does not survive pickling
        state.pop("_existence_required", None)  # ask again wherever it lands
        state.pop("_asked_again", None)
        # Many storages cannot be pickled; the default one is restored on load.
        if state.get("storage") is get_storage():
            state.pop("storage")
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "storage" not in state:
            state["storage"] = get_storage()
        self.__dict__.update(state)


def size_if_made(file: ImageCacheFile) -> Dimensions | None:
    """Return *file*'s ``(width, height)``, or None if the file is not there to measure.

    For what shows a file's size when it can (the ``<img>`` of the template
    tags, the REST framework field). The size of a file that does not exist
    can only be had from the file, which django-imagekit tried to open,
    failing the page with ``FileNotFoundError``:

    * with a task-queue backend, a file a worker has yet to make is normal:
      once ``existence_required`` has been sent (which queues it), the
      backend's state says whether it exists, and if not the answer is None,
      without asking the storage;
    * otherwise (a strategy that does not make files on demand, such as
      ``Optimistic``, or a file gone meanwhile), a warning names the file.

    A missing or unreadable source is still raised.
    """
    backend: Any = getattr(file, "cachefile_backend", None)  # duck-typed files have none
    if getattr(backend, "is_async", False) and getattr(file, "_file", None) is None:
        file._require_existence()
        if isinstance(backend, CachedFileBackend):
            # The state it just queued on, without asking the storage again.
            made = backend.get_state(file, check_if_unknown=False) == CacheFileState.EXISTS
        else:
            made = backend.exists(file)
        if not made:
            return None
    try:
        return file.width, file.height
    except MissingSource:
        raise
    except FileNotFoundError:
        get_logger().warning(
            "imagekit gave %s without its size: the file does not exist, "
            "and its strategy (%s) did not make it",
            file.name,
            type(getattr(file, "cachefile_strategy", None)).__name__,
        )
        return None


def save_atomically(storage: Storage, name: str, content: IO[Any], replace: bool = True) -> str:
    """Save *content* as *name* so that readers never see a partial file; return the name used.

    On a local file system the content is written to a hidden temporary file
    next to the target, then moved into place in one atomic step: renamed
    over any older file if *replace* is true, else linked to *name*, or to
    the free name the storage picks (``name_AbC123.jpg``) if *name* is taken.
    Storages without local paths (S3 and the like) publish an object only
    once it is whole, and are left to their own ``save()``. A failed write
    leaves nothing behind.
    """
    try:
        final_path = storage.path(name)
    except NotImplementedError:
        return storage.save(name, content)
    if isinstance(storage, InMemoryStorage):  # its paths name nothing on disk
        return storage.save(name, content)
    temporary = temporary_name(name)
    try:
        saved = storage.save(temporary, content)
        if replace:
            os.replace(storage.path(saved), final_path)
        else:
            name = _link_to_free_name(storage, storage.path(saved), name)
    except BaseException:
        with contextlib.suppress(Exception):
            storage.delete(temporary)
        raise
    if not replace:
        with contextlib.suppress(OSError):
            storage.delete(saved)
    return name


#: How temporary files begin and end (see :func:`temporary_name`).
TEMPORARY_PREFIX = ".ik-"
TEMPORARY_SUFFIX = ".tmp"
_OLD_TOKEN_LENGTH = 32  # the uuid4 hex of the longer names of earlier versions


def temporary_name(name: str) -> str:
    """Return a fresh temporary name beside the cache file *name*.

    It is short (``.ik-<16 hex digits>.tmp``, 24 characters) whatever the
    length of *name*, so every name a namer can produce (up to 255 bytes a
    component) can be written through it, and hidden. It never is the name
    of a cache file: namers produce no name that starts with a dot, so no
    page is ever sent to one. ``cleanupimages`` removes those a killed
    process left behind, once older than ``IMAGEKIT_GENERATING_TIMEOUT``.
    """
    directory = posixpath.dirname(name.replace(os.sep, "/"))
    return posixpath.join(directory, f"{TEMPORARY_PREFIX}{uuid.uuid4().hex[:16]}{TEMPORARY_SUFFIX}")


def is_temporary_name(name: str) -> bool:
    """Return whether *name* (a path or a file name) is one :func:`temporary_name` makes.

    The longer names earlier versions of imagekit used (``.<cache file
    name>.<32 hex digits>.tmp``) count too, so that what they left behind is
    swept as well.
    """
    base = posixpath.basename(name.replace(os.sep, "/"))
    if not (base.startswith(".") and base.endswith(TEMPORARY_SUFFIX)):
        return False
    if base.startswith(TEMPORARY_PREFIX):
        return True
    stem = base[: -len(TEMPORARY_SUFFIX)]
    token = stem.rpartition(".")[2]
    return len(token) == _OLD_TOKEN_LENGTH and all(c in "0123456789abcdef" for c in token)


def _link_to_free_name(storage: Storage, source_path: str, name: str) -> str:
    """Hard-link *source_path* to *name*, or to the free name the storage picks; return it.

    A storage that keeps taken names (``FileSystemStorage(allow_overwrite=True)``)
    has the file replaced in place instead, as its own ``save()`` would.
    """
    candidate = name
    for _attempt in range(100):
        try:
            os.link(source_path, storage.path(candidate))
        except FileExistsError:
            candidate = storage.get_available_name(name)
            if candidate == name:  # the storage overwrites: so do we, atomically
                os.replace(source_path, storage.path(name))
                return name
            continue
        return candidate
    raise FileExistsError(f"No free name for {name!r} in {storage!r}")


def _measure(content: IO[bytes]) -> tuple[int, int] | None:
    """Return the size of the image in *content* from its header, or None."""
    from PIL import Image, UnidentifiedImageError

    size: tuple[int, int] | None
    try:
        with Image.open(content) as image:
            size = image.size
    except (OSError, UnidentifiedImageError, ValueError):
        size = None  # not an image Pillow knows: measured when read instead
    content.seek(0)
    return size


class LazyImageCacheFile(_LazyCacheFile):
    """An :class:`ImageCacheFile` for a registered generator, built on first use.

    ``LazyImageCacheFile("myapp:thumb", source=f).generate()`` generates the
    file for that source.
    """

    def __init__(self, generator_id: str, *args: Any, **kwargs: Any):
        def setup() -> ImageCacheFile:
            return ImageCacheFile(generator_registry.get(generator_id, *args, **kwargs))

        super().__init__(setup)

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}: {str(self) or 'None'}>"


#: The name this project's own documentation uses for :class:`LazyImageCacheFile`.
LazyGeneratedImageFile = LazyImageCacheFile

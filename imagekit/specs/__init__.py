"""Image specs: generators that make a new image from a source image."""

from __future__ import annotations

import io
from copy import copy
from typing import IO, TYPE_CHECKING, Any

from django.db.models.fields.files import FieldFile, ImageFieldFile
from PIL import Image

from .. import hashers, heif, limits
from ..arguments import check_format, check_options
from ..cachefiles import namers
from ..cachefiles.strategies import load_strategy
from ..conf import setting
from ..exceptions import (
    AlreadyRegistered,
    MissingGeneratorId,
    MissingSource,
    MissingSourceFile,
    SourceImageError,
)
from ..frames import keeps_animation, process_frames, save_options_for
from ..jpeg_reduction import reduce_for
from ..orientation import with_orientation
from ..registry import ORIGIN_ATTRIBUTE, generator_registry, register
from ..utils import (
    get_by_qname,
    get_default_cachefile_backend,
    img_to_fobj,
    open_image,
    prepare_image,
)

if TYPE_CHECKING:
    from .._typing import (
        CacheFileBackend,
        Generator,
        GeneratorFactory,
        Namer,
        Processors,
        StorageOrFactory,
    )

__all__ = ["BaseImageSpec", "ImageSpec", "SpecHost", "create_spec", "create_spec_class"]


class BaseImageSpec:
    """The base of every spec.

    Subclasses provide ``generate()``, returning a file-like object with the
    new image's bytes.
    """

    #: Storage for this spec's cache files (None: ``IMAGEKIT_DEFAULT_FILE_STORAGE``).
    cachefile_storage: StorageOrFactory | None = None
    #: Backend for this spec's cache files (None: ``IMAGEKIT_DEFAULT_CACHEFILE_BACKEND``).
    cachefile_backend: CacheFileBackend | None = None
    #: Strategy for this spec's cache files: a dotted path, class, dict or object.
    #: Compatibility: as in ImageKit, the default is the value of
    #: ``IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY`` when this module was imported.
    cachefile_strategy: object = setting("IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY")

    MissingSource = MissingSource

    def __init__(self) -> None:
        self.cachefile_backend = self.cachefile_backend or get_default_cachefile_backend()
        self.cachefile_strategy = load_strategy(self.cachefile_strategy)

    def generate(self) -> IO[bytes]:
        raise NotImplementedError("subclasses of BaseImageSpec must provide a generate() method")


class ImageSpec(BaseImageSpec):
    """A spec that runs *processors* on its ``source`` image.

    Set ``processors``, ``format`` (a PIL format name; None keeps the
    source's), ``options`` (passed to ``Image.save``) and ``autoconvert`` on a
    subclass, or make any of them a property to vary with the source.
    """

    if TYPE_CHECKING:
        # Read-only to type checkers, so that subclasses may make it a property
        # (the usual way to vary processing with the source) or a plain list.
        @property
        def processors(self) -> Processors: ...
    else:
        processors = []
    format: str | None = None
    options: dict[str, Any] | None = None
    autoconvert: bool = True

    def __init__(self, source: Any):
        self.source = source
        super().__init__()

    @property
    def source(self) -> Any:
        """The source file. After unpickling, a model's file is fetched again."""
        source = self.__dict__.get("_source")
        if not source:
            field_data = self.__dict__.pop("_field_data", None)
            if field_data:
                source = getattr(field_data["instance"], field_data["attname"])
                self._source = source
        return source

    @source.setter
    def source(self, value: Any) -> None:
        self._source = value

    @property
    def cachefile_name(self) -> str | None:
        """The cache file's name from ``IMAGEKIT_SPEC_CACHEFILE_NAMER`` (None without a source).

        With imagekit's own namers the name is a pure function of the namer,
        ``IMAGEKIT_CACHEFILE_DIR``, the source's name and what the hash is made
        of, so names are remembered by those (when the spec can name what its
        hash is made of; see :meth:`_hash_tail_key`): a warm page then skips
        hashing and path building.
        """
        source = self.source
        if not source:
            return None
        namer = _spec_namer()
        key: tuple[Any, ...] | None = None
        if namer in _PURE_NAMERS and type(getattr(source, "name", None)) is str:
            tail = self._name_tail_key()
            if tail is not None:
                key = (namer, setting("IMAGEKIT_CACHEFILE_DIR"), source.name, tail[0])
                try:
                    return _spec_names[key][0]
                except KeyError:
                    pass
                except TypeError:  # an unhashable part in the key
                    key = None
        name = namer(self)
        if key is not None:
            if len(_spec_names) >= _MAX_SPEC_NAMES:
                _spec_names.clear()
            # Keep the tail's objects alive with the name, so that the ids in
            # the key are not reused by other objects meanwhile.
            _spec_names[key] = (name, tail[1])  # type: ignore[index]  # a key: a tail
        return name

    def __getstate__(self) -> dict[str, Any]:
        state = copy(self.__dict__)
        # A model's ImageFieldFile cannot be rebuilt on its own after
        # unpickling (it needs its field and storage), so keep the instance
        # and field name instead and look the file up again when first needed.
        # The lookup is lazy because this spec may be unpickled as part of that
        # very instance, which is not usable until unpickling is done.
        source = state.get("_source")
        if isinstance(source, ImageFieldFile):
            state.pop("_source")
            state["_field_data"] = {"instance": source.instance, "attname": source.field.name}
        return state

    def get_hash(self) -> str:
        """Return the hash of everything that determines the output image.

        It is ImageKit's hash (the md5 of a canonical pickle), so cache file
        names stay the same. When the processors, format, options and
        autoconvert are plain class attributes, their pickle is computed once
        per class and reused. Compatibility note: changing a processor object
        in place after its spec was first used is therefore not seen; replace
        the list (or use a property) instead.
        """
        processors, fmt, options, autoconvert = (
            self.processors,
            self.format,
            self.options,
            self.autoconvert,
        )
        key, refs = self._hash_tail_key(processors, fmt, options, autoconvert) or (None, ())
        return hashers.spec_hash(
            self.source.name, processors, fmt, options, autoconvert, key=key, refs=refs
        )

    def _hash_tail_key(
        self, processors: Any, fmt: Any, options: Any, autoconvert: Any
    ) -> tuple[Any, tuple[Any, ...]] | None:
        """Return ``(key, refs)`` naming everything hashed but the source, or None.

        Equal keys must mean equal pickles (see :func:`imagekit.hashers.spec_hash`).
        Plain class attributes are named by their identity; properties and
        instance attributes are not named (hashed in full each time).
        """
        if not _has_static_tail(self):
            return None
        items = tuple(processors) if isinstance(processors, list) else None
        key = (
            type(self),
            id(processors),
            tuple(map(id, items)) if items is not None else None,
            id(options),
            type(fmt),
            fmt,
            type(autoconvert),
            autoconvert,
        )
        return key, (processors, items or (), options)

    def _name_tail_key(self) -> tuple[Any, tuple[Any, ...]] | None:
        """Return :meth:`_hash_tail_key` for this spec's current attributes."""
        return self._hash_tail_key(self.processors, self.format, self.options, self.autoconvert)

    def generate(self) -> io.BytesIO:
        """Process the source and return the encoded image in a ``BytesIO``."""
        # Before any pixel is decoded: a typo must not cost a decode to find.
        check_format(self.format, f"the format of the spec '{_label(self)}'")
        check_options(self.options, self.format, f"the options of the spec '{_label(self)}'")
        source = self.source
        if not source:
            raise MissingSource(
                f"The spec '{_label(self)}' has no source file associated with it"
                f"{_field_of(source)}."
            )
        was_closed = open_source(source, f"of the spec '{_label(self)}'{_field_of(source)}")
        try:
            processors = with_orientation(self.processors)
            image, checked = self._decode(source, processors)
            original_format = image.format
            icc_profile = image.info.get("icc_profile")
            describe = f"The spec {_label(self)} given the source {_name(source)!r}"

            def run(frame: Image.Image) -> Image.Image:
                return limits.run_processors(self, processors, frame, describe, checked)

            with self._source_cap(source):
                animated = keeps_animation(image, self.format or original_format)
            if animated:
                made = self._animation(image, source, run, describe, icc_profile)
                if made is not None:
                    return made
                with self._source_cap(source):  # the first frame, as for a still image
                    image.seek(0)
                    image.load()
            image = run(image)
            fmt = self.format or image.format or original_format or "JPEG"
            return encode(image, fmt, self.options, self.autoconvert, icc_profile)
        finally:
            if was_closed:
                source.close()

    def _decode(self, source: Any, processors: Any) -> tuple[Image.Image, bool]:
        """Open and fully decode the source, or raise :class:`SourceImageError`.

        Only reading the source is guarded here: errors raised by processors
        are the spec author's and propagate as they are. Sizes are checked
        before any pixel is decoded: the source's against the source cap (for
        every image Pillow meets inside the file, too), the processors'
        against the output cap (see :mod:`imagekit.limits`). Return the image
        and whether the processors' sizes were all known in advance.
        """
        name = _name(source)
        stream = _binary_stream(source)
        if not heif.prepare(stream):
            raise SourceImageError(
                f"The source {name!r} of the spec {_label(self)} is a HEIC/HEIF image, which "
                f"needs the pillow-heif plugin: {heif.INSTALL_HINT}"
            )
        try:
            with self._source_cap(source):
                image = open_image(stream)
                limits.check_declared(image.size)
                checked = limits.check_output(
                    self, processors, image, f"The spec {_label(self)} given the source {name!r}"
                )
                reduce_for(image, processors)
                image.load()
        except SourceImageError:
            raise
        except Exception as exc:
            hint = (
                f" (if it is HEIC/HEIF: {heif.INSTALL_HINT})" if heif.missing_plugin(stream) else ""
            )
            raise SourceImageError(
                f"The source {name!r} of the spec {_label(self)} could not be read as an image: "
                f"{type(exc).__name__}: {exc}{hint}"
            ) from exc
        return image, checked

    def _source_cap(self, source: Any) -> Any:
        """Return the context in which the source is decoded: the source cap holds."""

        def describe(size: tuple[int, int], limit: int) -> str:
            return (
                f"The source {_name(source)!r} of the spec {_label(self)} is (or holds) an image "
                f"of {size[0]}x{size[1]} pixels, more than the {limit} allowed."
            )

        return limits.source_cap(limits.source_limit(self), describe)

    def _animation(
        self, image: Any, source: Any, run: Any, describe: str, icc_profile: Any
    ) -> io.BytesIO | None:
        """Make an animated output from every frame (None: too big, make the first frame)."""
        cap, _origin = limits.output_cap(self)
        made = process_frames(image, run, lambda: self._source_cap(source), cap, describe)
        if made is None:
            return None
        first, animation = made
        fmt = self.format or image.format
        save_options = _output_options(self.options, first, fmt, icc_profile)
        save_options.update(save_options_for(fmt, animation))
        encoded: io.BytesIO = img_to_fobj(first, fmt, False, **save_options)
        return encoded


def _name(source: Any) -> str:
    """Name *source* for messages."""
    return getattr(source, "name", None) or repr(source)


def encode(
    image: Image.Image,
    fmt: str,
    options: dict[str, Any] | None,
    autoconvert: bool,
    icc_profile: bytes | None,
) -> io.BytesIO:
    """Encode a processed *image* as *fmt*, as every spec does; return the bytes.

    *icc_profile* is the source's colour profile, kept when it fits.
    """
    save_options: dict[str, Any] = {}
    if autoconvert:
        # What img_to_fobj would do when saving, done first, so the
        # colour profile is matched against the mode actually saved
        # (a CMYK or greyscale image is saved as RGB).
        image, save_options = prepare_image(image, fmt)
    save_options.update(_output_options(options, image, fmt, icc_profile))
    if "icc_profile" not in save_options and image.info.get("icc_profile") == icc_profile:
        # PNG and TIFF write the profile found in image.info when none
        # is given: drop the source's profile that did not fit.
        image.info.pop("icc_profile", None)
    encoded: io.BytesIO = img_to_fobj(image, fmt, False, **save_options)
    return encoded


def open_source(source: Any, whose: str) -> bool:
    """Open *source* if it is closed; return whether it was (the caller closes it again).

    A file gone from its storage is :class:`MissingSourceFile`, naming the
    file and *whose* source it is (``"of the spec 'x'"``).
    """
    was_closed = bool(getattr(source, "closed", False))
    if was_closed:
        try:
            source.open()
        except FileNotFoundError as exc:
            raise MissingSourceFile(
                f"The source file {getattr(source, 'name', source)!r} {whose} "
                "does not exist in its storage."
            ) from exc
    return was_closed


def _field_of(source: Any) -> str:
    """Say which model field *source* is, for messages (nothing for other files)."""
    if not isinstance(source, FieldFile) or source.instance is None:
        return ""
    instance = source.instance
    return f" (field {instance._meta.label}.{source.field.name} of pk={instance.pk!r})"


def _label(spec: Any) -> str:
    """Name *spec* for messages: its class (and id, for field specs), not its address."""
    cls = type(spec)
    label = f"{cls.__module__}.{cls.__qualname__}"
    origin = getattr(spec, ORIGIN_ATTRIBUTE, None)  # recorded by the registry
    return f"{label} ({origin[0]})" if origin else label


# Colour spaces of ICC profiles (bytes 16-20 of the header) by image mode.
_PROFILE_SPACES = {"RGB": b"RGB ", "RGBA": b"RGB ", "P": b"RGB ", "L": b"GRAY", "LA": b"GRAY"}
_PROFILE_SPACES["CMYK"] = b"CMYK"
_FORMATS_WITH_PROFILES = {"JPEG", "WEBP", "PNG", "TIFF"}


def _output_options(
    options: dict[str, Any] | None, image: Any, fmt: str, icc_profile: bytes | None
) -> dict[str, Any]:
    """Return the save options: the spec's, plus the source's colour profile.

    No EXIF (hence no location data) is written unless the spec's options ask
    for it. The ICC profile is kept when it describes the output's colour
    space, so colours look the same as in the source.
    """
    options = dict(options or {})
    if (
        icc_profile
        and "icc_profile" not in options
        and fmt.upper() in _FORMATS_WITH_PROFILES
        and icc_profile[16:20] == _PROFILE_SPACES.get(image.mode)
    ):
        options["icc_profile"] = icc_profile
    return options


_TAIL_ATTRS = ("processors", "format", "options", "autoconvert")
_static_tail_classes: dict[type, bool] = {}


# Names remembered by ImageSpec.cachefile_name: (namer, cache dir, source name,
# tail key) -> (name, the tail's objects). Keeping the objects alive keeps the
# ids in the key from being reused by other objects meanwhile.
_MAX_SPEC_NAMES = 20000
_spec_names: dict[tuple[Any, ...], tuple[str, Any]] = {}
_PURE_NAMERS = frozenset({namers.source_name_as_path, namers.source_name_dot_hash, namers.hash})


def _spec_namer() -> Namer:
    namer: Namer = get_by_qname(setting("IMAGEKIT_SPEC_CACHEFILE_NAMER"), "namer")
    return namer


def pure_spec_namer() -> bool:
    """Return whether ``IMAGEKIT_SPEC_CACHEFILE_NAMER`` is one of imagekit's own namers.

    Their names are a pure function of ``IMAGEKIT_CACHEFILE_DIR``, the
    source's name and the spec's hash, so they may be remembered.
    """
    return _spec_namer() in _PURE_NAMERS


def _has_static_tail(spec: Any) -> bool:
    """Return whether *spec*'s hashed attributes are plain class attributes.

    Properties (specs that change with their source) and attributes set on
    the instance are recomputed every time.
    """
    cls = type(spec)
    static = _static_tail_classes.get(cls)
    if static is None:
        static = True
        for name in _TAIL_ATTRS:
            for klass in cls.__mro__:
                if name in klass.__dict__:
                    if hasattr(type(klass.__dict__[name]), "__get__"):
                        static = False
                    break
        _static_tail_classes[cls] = static
    if not static:
        return False
    instance_dict = getattr(spec, "__dict__", None)
    return instance_dict is None or instance_dict.keys().isdisjoint(_TAIL_ATTRS)


def _binary_stream(source: Any) -> Any:
    """Return something to read *source*'s bytes from.

    Custom source groups may yield plain Python files opened in text mode;
    their underlying binary buffer is used.
    """
    if isinstance(source, io.TextIOBase):
        buffer = getattr(source, "buffer", None)
        if buffer is not None:
            buffer.seek(0)
            return buffer
    inner = getattr(source, "file", None)
    if isinstance(inner, io.TextIOBase) and getattr(inner, "buffer", None) is not None:
        inner.buffer.seek(0)  # type: ignore[attr-defined]  # a TextIOWrapper's
        return inner.buffer  # type: ignore[attr-defined]
    return source


def create_spec_class(class_attrs: dict[str, Any]) -> type[ImageSpec]:
    """Build an ``ImageSpec`` subclass from *class_attrs*, picklable by value."""

    class DynamicSpecBase(ImageSpec):
        def __reduce__(self) -> tuple[Any, ...]:
            return (create_spec, (class_attrs, self.__getstate__()))

    return type("DynamicSpec", (DynamicSpecBase,), class_attrs)


def create_spec(class_attrs: dict[str, Any], state: dict[str, Any]) -> ImageSpec:
    """Rebuild a dynamic spec instance (the counterpart of :func:`create_spec_class`)."""
    cls = create_spec_class(class_attrs)
    instance = cls.__new__(cls)  # __init__ needs a source; the state has it
    setstate = getattr(instance, "__setstate__", None)
    if setstate is not None:
        setstate(state)
    else:
        instance.__dict__.update(state)
    return instance


class SpecHost:
    """Mixin for objects (the fields) that own a spec registered under an id."""

    def __init__(
        self, spec: GeneratorFactory | None = None, spec_id: str | None = None, **spec_attrs: Any
    ):
        spec_attrs = {k: v for k, v in spec_attrs.items() if v is not None}
        if spec_attrs:
            if spec:
                raise TypeError(
                    "You can provide either an image spec or arguments for the "
                    "ImageSpec constructor, but not both."
                )
            spec = create_spec_class(spec_attrs)
        self._original_spec = spec
        if spec_id:
            self.set_spec_id(spec_id)

    def set_spec_id(self, id: str) -> None:
        """Register this host's spec under *id*.

        A spec already registered under that id wins, which lets a project
        replace an app's spec by registering its own first.
        """
        self.spec_id = id
        if self._original_spec:
            try:
                register.generator(id, self._original_spec)
            except AlreadyRegistered:
                pass

    def get_spec(self, source: Any) -> Generator:
        """Return a spec instance for *source*."""
        spec_id = getattr(self, "spec_id", None)
        if not spec_id:
            # ImageKit raised a bare Exception here; MissingGeneratorId is one.
            raise MissingGeneratorId(f"Object {self} has no spec id.")
        return generator_registry.get(spec_id, source=source)

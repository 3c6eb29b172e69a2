"""The wire format of the task-queue backends: what they put on the broker.

A payload is a plain JSON object, never a pickle: a compromised or shared
broker can at most ask a worker to make a cache file that the worker's own
code could make anyway. It names the generator by its registered id (with the
arguments it was built from), the source either as ``{storage alias, name}``
or as ``{model label, primary key, field name}``, the cache file's storage and
expected name, and ``force``::

    {
        "version": 1,
        "generator": "imagekit:thumbnail",
        "args": [],
        "kwargs": {"width": 100, "height": 100, "anchor": "c", "crop": null, ...},
        "source": {"model": "gallery.photo", "pk": 7, "field": "image",
                   "name": "photos/dog.jpg"},
        "storage": "default",
        "name": "CACHE/images/photos/dog/5f4dcc3b5aa765d61d8327deb882cf99.jpg",
        "force": false
    }

A worker rebuilds the cache file exactly as the web process built it (through
the generator registry, :func:`cachefile_from_payload`) and generates it
(:func:`imagekit.cachefiles.worker.generate_from_payload`). It refuses
a payload whose rebuilt cache file would have another name than the one sent,
so a payload cannot make a worker write anywhere else.

Files that cannot be described this way (a generator that was not built
through the registry, arguments that are not plain JSON, a source that is
not in a configured storage) are not queued: :func:`payload_for` raises
:class:`Unqueueable` and the backend generates them in the calling process,
with a warning that says why (see :mod:`imagekit.cachefiles.backends.queues`).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.storage import DefaultStorage, InvalidStorageError, Storage, storages
from django.db.models.fields.files import FieldFile

from ..conf import settings
from ..files import BaseIKFile
from ..registry import ORIGIN_ATTRIBUTE, generator_registry
from ..utils import get_storage

if TYPE_CHECKING:
    from . import ImageCacheFile

__all__ = [
    "PAYLOAD_VERSION",
    "InvalidPayload",
    "Unqueueable",
    "cachefile_from_payload",
    "payload_for",
]

PAYLOAD_VERSION = 1


class Unqueueable(ValueError):
    """A cache file that cannot be described by a JSON payload."""


class InvalidPayload(ValueError):
    """A payload that a worker refuses: malformed, or not matching this code."""


# ---------------------------------------------------------------------------
# The web side: describe a cache file
# ---------------------------------------------------------------------------


def payload_for(file: ImageCacheFile, force: bool = False) -> dict[str, Any]:
    """Return the JSON payload that lets a worker make *file*.

    Raise :class:`Unqueueable`, saying why, if *file* cannot be described.
    """
    generator = file.generator
    origin = getattr(generator, ORIGIN_ATTRIBUTE, None)
    if origin is None:
        raise Unqueueable(
            f"its generator {type(generator).__qualname__} was not built from the generator "
            "registry (register it with imagekit.register.generator and use it by id)"
        )
    generator_id, args, kwargs = origin
    kwargs = {name: value for name, value in kwargs.items() if name != "source"}
    from . import ImageCacheFile

    if file.name != ImageCacheFile._name_from(generator):
        raise Unqueueable(f"its name {file.name!r} was chosen by hand, not by its namer")
    if not _is_plain_json(list(args)) or not _is_plain_json(kwargs):
        raise Unqueueable(
            f"the arguments of generator {generator_id!r} are not plain JSON values "
            "(str, int, float, bool, None, lists and dicts with str keys)"
        )
    # What the worker will do, minus fetching the source: a generator changed
    # after it was built (spec.format = ...) would make another file there.
    source = getattr(generator, "source", None)
    source_kwargs = {"source": source} if source is not None else {}
    rebuilt = generator_registry.get(generator_id, *args, **kwargs, **source_kwargs)
    if ImageCacheFile._name_from(rebuilt) != file.name:
        raise Unqueueable(f"its generator {generator_id!r} was changed after the registry built it")
    return {
        "version": PAYLOAD_VERSION,
        "generator": generator_id,
        "args": list(args),
        "kwargs": dict(kwargs),
        "source": _describe_source(generator, generator_id),
        "storage": _storage_alias(file.storage, "its storage"),
        "name": file.name,
        "force": bool(force),
    }


def _is_plain_json(value: Any) -> bool:
    """Return whether *value* survives a JSON round trip unchanged, types included."""
    kind = type(value)
    if value is None or kind in (str, int, bool):
        return True
    if kind is float:
        return math.isfinite(value)
    if kind is list:
        return all(_is_plain_json(item) for item in value)
    if kind is dict:
        return all(type(key) is str and _is_plain_json(item) for key, item in value.items())
    return False


def _describe_source(generator: Any, generator_id: str) -> dict[str, Any] | None:
    # Sources are passed to the registry as the ``source`` keyword (fields,
    # template tags, source groups); a generator built without one has none.
    source = getattr(generator, "source", None)
    if source is None:
        return None
    name = getattr(source, "name", None)
    if not isinstance(name, str) or not name:
        raise Unqueueable(f"the source of generator {generator_id!r} has no name")
    if isinstance(source, FieldFile) and source.instance is not None:
        pk = _plain_pk(source.instance.pk)
        if pk is not None:
            # The worker fetches the instance again, so specs that look at
            # the model (get_field_info(source)) see what they saw here.
            return {
                "model": source.instance._meta.label_lower,
                "pk": pk,
                "field": source.field.name,
                "name": name,
            }
    storage = getattr(source, "storage", None)
    if storage is None:
        raise Unqueueable(
            f"the source {name!r} of generator {generator_id!r} is not a file in a storage"
        )
    return {"storage": _storage_alias(storage, f"the storage of the source {name!r}"), "name": name}


def _plain_pk(pk: Any) -> Any:
    if isinstance(pk, uuid.UUID):
        return str(pk)
    if type(pk) in (int, str):
        return pk
    return None


def _storage_alias(storage: Storage, what: str) -> str | None:
    """Return the ``STORAGES`` alias of *storage*; None for imagekit's default storage."""
    if isinstance(storage, DefaultStorage):
        storage = storages["default"]
    if storage is get_storage():
        return None
    alias: str
    for alias in settings.STORAGES:
        if storages[alias] is storage:
            return alias
    raise Unqueueable(f"{what} ({type(storage).__qualname__}) is not one of settings.STORAGES")


# ---------------------------------------------------------------------------
# The worker side: rebuild the cache file and make it
# ---------------------------------------------------------------------------


def cachefile_from_payload(payload: Mapping[str, Any]) -> ImageCacheFile | None:
    """Rebuild the cache file that *payload* describes.

    Return None if the payload is stale: its model instance was deleted, or
    its source field now holds another file (that file has its own task).
    Raise :class:`InvalidPayload` for anything malformed, and
    :class:`~imagekit.exceptions.NotRegistered` for an unknown generator id.
    """
    from . import ImageCacheFile

    _check_shape(payload)
    kwargs = dict(payload["kwargs"])
    source_ref = payload["source"]
    if source_ref is not None:
        source = _load_source(source_ref)
        if source is None:
            return None
        kwargs["source"] = source
    generator = generator_registry.get(payload["generator"], *payload["args"], **kwargs)
    file = ImageCacheFile(generator, storage=_load_storage(payload["storage"]))
    if file.name != payload["name"]:
        raise InvalidPayload(
            f"The payload for {payload['name']!r} rebuilds a cache file named {file.name!r}: "
            "the worker's generators or settings differ from those of the process that "
            "queued it."
        )
    return file


_SHAPE = {
    "version": int,
    "generator": str,
    "args": list,
    "kwargs": dict,
    "name": str,
    "force": bool,
}


def _check_shape(payload: object) -> None:
    if not isinstance(payload, Mapping):
        raise InvalidPayload(f"An imagekit payload must be a JSON object, not {payload!r}.")
    if payload.get("version") != PAYLOAD_VERSION:
        raise InvalidPayload(
            f"Unsupported imagekit payload version {payload.get('version')!r} "
            f"(this worker reads version {PAYLOAD_VERSION})."
        )
    for key, kind in _SHAPE.items():
        if type(payload.get(key)) is not kind:
            raise InvalidPayload(f"The imagekit payload's {key!r} must be a {kind.__name__}.")
    for key in ("source", "storage"):
        if key not in payload:
            raise InvalidPayload(f"The imagekit payload has no {key!r}.")


def _load_storage(alias: object) -> Storage:
    if alias is None:
        return get_storage()
    if not isinstance(alias, str):
        raise InvalidPayload(f"A storage alias must be a string or null, not {alias!r}.")
    try:
        return storages[alias]
    except InvalidStorageError as exc:
        raise InvalidPayload(f"Unknown storage alias {alias!r}.") from exc


def _load_source(ref: object) -> FieldFile | BaseIKFile | None:
    if not isinstance(ref, Mapping) or not isinstance(ref.get("name"), str):
        raise InvalidPayload(f"Malformed source in an imagekit payload: {ref!r}.")
    if "model" in ref:
        return _load_model_source(ref)
    source = BaseIKFile(_load_storage(ref.get("storage")))
    source.name = ref["name"]
    return source


def _load_model_source(ref: Mapping[str, Any]) -> FieldFile | None:
    try:
        model = apps.get_model(ref["model"])
    except (LookupError, ValueError, TypeError) as exc:
        raise InvalidPayload(f"Unknown model {ref.get('model')!r} in an imagekit payload.") from exc
    try:
        instance = model._default_manager.get(pk=ref.get("pk"))
    except ObjectDoesNotExist:
        return None  # deleted since it was queued: nothing to make
    field_name = ref.get("field")
    source = getattr(instance, field_name, None) if isinstance(field_name, str) else None
    if not isinstance(source, FieldFile):
        raise InvalidPayload(f"{ref.get('model')}.{field_name} is not a file field.")
    if source.name != ref["name"]:
        return None  # the field holds another file now; that one has its own task
    return source

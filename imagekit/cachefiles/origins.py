"""What made a cache file: a small record written beside its state when it is generated.

A cache file's name does not always say which spec and which source made it
(the ``hash`` namer names it by a hash alone). So when a
:class:`~imagekit.cachefiles.backends.CachedFileBackend` generates a file, it
writes a record with the file's state, in the same ``set_many``: no extra
round trip, and nothing at all on a warm page, which never generates. The
record is a short JSON object under ``<prefix><name>-origin``:

``g``
    the id of the generator (spec) that made it, when it was built from the
    registry (``None`` for an unregistered spec);
``s``
    the source's name in its storage;
``st``
    where the source is stored: ``field:<app_label>.<Model>.<field>`` for a
    model's file (the field's storage), ``alias:<name>`` for a storage of
    ``settings.STORAGES``, ``None`` when neither can be named;
``f``
    ``True`` when the source was the model field of one of that id's source
    groups (the file of an ``ImageSpecField``), ``False`` when a template tag
    or other code made it from a source of its choosing;
``fp``
    the source's fingerprint when the file was made (:func:`fingerprint`);
``b``
    for a picture variant made from a spec (``imagekit:picture`` with a base
    generator), that spec's id: ``f`` then says whether the source was that
    spec's model field (the variant of an ``ImageSpecField`` that declares
    ``widths=``);
``pm``
    for a picture variant, the cache key of what its picture learnt (its
    placeholder), removed with the variant.

``cleanupimages`` reads the records of the files it finds that no registered
generator lists; the source signals compare fingerprints when a source is
saved. A record lives as long as the "exists" state (``IMAGEKIT_CACHE_TIMEOUT``)
and goes with it when the cache is cleared: the file is then "of unknown
origin" (see :doc:`/topics/cleanup`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.db.models.fields.files import FieldFile

from ..conf import setting
from ..registry import ORIGIN_ATTRIBUTE
from ..utils import sanitize_cache_key

if TYPE_CHECKING:
    from django.core.files.storage import Storage

    from . import ImageCacheFile

__all__ = ["describe", "fingerprint", "origin_key", "parse", "source_storage"]


def origin_key(name: str) -> str:
    """Return the cache key of the origin record of the cache file *name*."""
    return sanitize_cache_key(f"{setting('IMAGEKIT_CACHE_PREFIX')}{name}-origin")


def describe(file: ImageCacheFile, picture: str | None = None) -> str | None:
    """Return the origin record of *file* (an ImageCacheFile being generated), or None.

    *picture* is the key of the picture's record, for a picture variant.
    Never raises: a record that cannot be made is simply not written.
    """
    try:
        generator = file.generator
        source = getattr(generator, "source", None)
        source_name = getattr(source, "name", None)
        if not isinstance(source_name, str) or not source_name:
            return None
        origin = getattr(generator, ORIGIN_ATTRIBUTE, None)
        gid = origin[0] if origin else None
        base = getattr(generator, "picture_base", None)
        record = {
            "g": gid,
            "s": source_name,
            "st": _storage_ref(source),
            "f": _is_field_source(base or gid, source),
            "fp": (
                fingerprint(source.storage, source_name)  # type: ignore[union-attr]  # not None
                if hasattr(source, "storage")
                else None
            ),
        }
        if base:
            record["b"] = base
        if picture:
            record["pm"] = picture
        return json.dumps(record, separators=(",", ":"))
    except Exception:  # noqa: BLE001 - a record is a help, never a reason to fail
        return None


def parse(value: object) -> dict[str, Any] | None:
    """Read a stored record; anything unreadable is None."""
    if not isinstance(value, str):
        return None
    try:
        record = json.loads(value)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def fingerprint(storage: Storage, name: str) -> str | None:
    """Return a cheap fingerprint of the stored file *name*, or None if none can be had.

    The object's ETag on S3-like storages (one ``HEAD``); elsewhere its size
    and modification time (one ``stat`` each on a local disk). A file
    replaced in place gets a new fingerprint.
    """
    try:
        bucket = getattr(storage, "bucket", None)
        if bucket is not None and hasattr(storage, "_normalize_name"):
            from storages.utils import clean_name  # django-storages, present with its storages

            return f"etag:{bucket.Object(storage._normalize_name(clean_name(name))).e_tag}"
        size = storage.size(name)
        modified = storage.get_modified_time(name)
        return f"{size}:{modified.timestamp():.6f}"
    except Exception:  # noqa: BLE001 - missing file, storage that cannot tell
        return None


def _storage_ref(source: Any) -> str | None:
    if isinstance(source, FieldFile) and getattr(source, "field", None) is not None:
        model = getattr(source.field, "model", None)
        if model is not None:
            return f"field:{model._meta.label}.{source.field.name}"
    storage = getattr(source, "storage", None)
    if storage is None:
        return None
    from django.conf import settings
    from django.core.files.storage import storages

    for alias in getattr(settings, "STORAGES", {}):
        try:
            if storages[alias] is storage:
                return f"alias:{alias}"
        except Exception:  # noqa: BLE001 - a broken alias names nothing
            continue
    return None


def source_storage(record: dict[str, Any]) -> Storage | None:
    """Return the storage a record's source is in, or None if it cannot be found."""
    ref = record.get("st")
    if not isinstance(ref, str):
        return None
    kind, _sep, value = ref.partition(":")
    try:
        if kind == "field":
            from django.apps import apps

            label, _dot, field_name = value.rpartition(".")
            storage: Storage = apps.get_model(label)._meta.get_field(field_name).storage
            return storage
        if kind == "alias":
            from django.core.files.storage import storages

            return storages[value]
    except Exception:  # noqa: BLE001 - a model or alias removed since
        return None
    return None


def _is_field_source(gid: str | None, source: Any) -> bool:
    """Return whether *source* is the model field that one of *gid*'s source groups follows."""
    if gid is None or not isinstance(source, FieldFile) or source.instance is None:
        return False
    from ..registry import source_group_registry

    for group, ids in source_group_registry._source_groups.items():
        model = getattr(group, "model_class", None)
        if (
            gid in ids
            and model is not None
            and isinstance(source.instance, model)
            and getattr(group, "image_field", None) == source.field.name
        ):
            return True
    return False

"""Stable hashes of spec state.

The hash of a spec decides its cache file's name, so it must be byte for byte
what ImageKit computes: the md5 of a protocol 0 pickle, written by the
pure-Python pickler, in which dictionaries and sets are written in sorted
order (so two equal specs always hash alike, whatever order their options
were written in).
"""

from __future__ import annotations

import io
from hashlib import md5
from pickle import DICT, MARK, SETITEM, _Pickler
from typing import Any

from django.utils.safestring import SafeString

__all__ = ["CanonicalizingPickler", "pickle"]


class CanonicalizingPickler(_Pickler):
    """A pickler whose output does not depend on dict or set ordering."""

    dispatch = _Pickler.dispatch.copy()

    def save_dict(self, obj: dict) -> None:
        self.write(MARK + DICT)
        self.memoize(obj)
        for key, value in sorted(obj.items()):
            self.save(key)
            self.save(value)
            self.write(SETITEM)

    dispatch[dict] = save_dict

    def save_set(self, obj: set) -> None:
        # What set.__reduce__ returns, with the members sorted.
        self.save_reduce(obj.__class__, (sorted(obj),), getattr(obj, "__dict__", None), obj=obj)

    dispatch[set] = save_set

    def save_frozenset(self, obj: frozenset) -> None:
        # ImageKit left frozensets in iteration order, which changes from one
        # process to the next for strings; sorted is the only stable choice.
        self.save_reduce(obj.__class__, (sorted(obj),), obj=obj)

    dispatch[frozenset] = save_frozenset

    def save_safestring(self, obj: SafeString) -> None:
        # Protocol 0 cannot pickle str subclasses without recursing forever
        # (ImageKit crashed on template literals); hash them as the text they are.
        self.save(str.__str__(obj))

    dispatch[SafeString] = save_safestring


def pickle(obj: Any) -> str:
    """Return the md5 hex digest of the canonical protocol 0 pickle of *obj*."""
    buffer = io.BytesIO()
    CanonicalizingPickler(buffer, 0).dump(obj)
    return md5(buffer.getvalue()).hexdigest()

"""Stable hashes of spec state.

The hash of a spec decides its cache file's name, so it must be byte for byte
what ImageKit computes: the md5 of a protocol 0 pickle, written by the
pure-Python pickler, in which dictionaries and sets are written in sorted
order (so two equal specs always hash alike, whatever order their options
were written in).
"""

from __future__ import annotations

import io
import pickle as _stdlib_pickle
import threading
from collections.abc import Hashable
from hashlib import md5
from pickle import DICT, MARK, SETITEM
from typing import TYPE_CHECKING, Any

from django.utils.safestring import SafeString

if TYPE_CHECKING:
    # typeshed declares only the public interface of pickle's pure-Python
    # pickler; the internals this module extends (dispatch, save, write,
    # memoize, save_reduce, save_str) are untyped there.
    _Pickler: Any
else:
    from pickle import _Pickler

__all__ = ["CanonicalizingPickler", "pickle", "spec_hash"]


class CanonicalizingPickler(_Pickler):  # type: ignore[misc]  # see _Pickler above
    """A pickler whose output does not depend on dict or set ordering."""

    dispatch = _Pickler.dispatch.copy()

    def save_dict(self, obj: dict[Any, Any]) -> None:
        self.write(MARK + DICT)
        self.memoize(obj)
        for key, value in sorted(obj.items()):
            self.save(key)
            self.save(value)
            self.write(SETITEM)

    dispatch[dict] = save_dict

    def save_set(self, obj: set[Any]) -> None:
        # What set.__reduce__ returns, with the members sorted.
        self.save_reduce(obj.__class__, (sorted(obj),), getattr(obj, "__dict__", None), obj=obj)

    dispatch[set] = save_set

    def save_frozenset(self, obj: frozenset[Any]) -> None:
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


# --- Fast spec hashes ------------------------------------------------------------
#
# A spec's hash is pickle([source name, processors, format, options,
# autoconvert]). Pickling processors with the pure-Python pickler costs far
# more than everything else a warm page does, yet for a given spec only the
# source name changes from one file to the next. So the pickle of everything
# after the name (the "tail") is computed once per spec and reused: in
# protocol 0, the stream is
#
#     b"(lp0\n" + <name> + b"a" + <tail>
#
# and <tail> does not depend on the name, except through the pickle memo: the
# name takes memo slot 1 whatever its value, and it could only be written as a
# back-reference inside the tail if the tail held that very string object. We
# record every string the tail contains and fall back to the full pickle when
# the name equals one of them, so the result is always byte-identical to
# pickle(). <name> is written by the C pickler, whose protocol 0 output for a
# str is the pure-Python pickler's (pinned by tests).

_LIST_HEAD = b"(lp0\n"
_MAX_TAILS = 4096
_tails: dict[Hashable, tuple[bytes, frozenset[str], tuple[Any, ...]]] = {}
_tails_lock = threading.Lock()
# Digests already computed: (tail key, source name) -> hex digest. The digest
# is a pure function of the two (the key stands for the tail's pickle), and a
# warm page asks for the same few again and again.
_MAX_DIGESTS = 20000
_digests: dict[tuple[Hashable, str], str] = {}


class _TailPickler(CanonicalizingPickler):
    """Record the strings written, to detect names the tail could refer to."""

    dispatch = CanonicalizingPickler.dispatch.copy()

    def __init__(self, file: Any, protocol: int) -> None:
        super().__init__(file, protocol)
        self.strings: set[str] = set()

    def save_str_recorded(self, obj: str) -> None:
        self.strings.add(obj)
        _Pickler.save_str(self, obj)

    dispatch[str] = save_str_recorded


def _name_part(name: str) -> bytes:
    return _stdlib_pickle.dumps([name], 0)[len(_LIST_HEAD) : -2]


def _tail(items: list[Any]) -> tuple[bytes, frozenset[str]]:
    placeholder = "".join(("\x00imagekit", "-tail\x00"))  # a str no tail holds
    buffer = io.BytesIO()
    pickler = _TailPickler(buffer, 0)
    pickler.dump([placeholder, *items])
    data = buffer.getvalue()
    head = _LIST_HEAD + _name_part(placeholder) + b"a"
    if not data.startswith(head):
        raise ValueError("unexpected pickle layout")  # never seen; callers fall back
    pickler.strings.discard(placeholder)
    return data[len(head) :], frozenset(pickler.strings)


def spec_hash(
    name: Any,
    processors: Any,
    format: Any,
    options: Any,
    autoconvert: Any,
    key: Hashable | None = None,
    refs: tuple[Any, ...] = (),
) -> str:
    """Return ``pickle([name, processors, format, options, autoconvert])``, fast.

    *key* identifies the tail (everything but *name*): two calls with equal
    keys must have tails that pickle identically. *refs* are kept alive with
    the cached tail, so that ids used in *key* cannot be reused by other
    objects. Without a key, or for unusual names, the full pickle is computed.
    """
    if key is not None and type(name) is str:
        try:
            return _digests[key, name]
        except KeyError:
            pass
        except TypeError:  # an unhashable part in the key
            key = None
    items = [processors, format, options, autoconvert]
    if key is None or type(name) is not str:
        return pickle([name, *items])
    try:
        cached = _tails.get(key)
    except TypeError:  # an unhashable part in the key
        return pickle([name, *items])
    if cached is None:
        try:
            tail, strings = _tail(items)
        except ValueError:
            return pickle([name, *items])
        cached = (tail, strings, refs)
        with _tails_lock:
            if len(_tails) >= _MAX_TAILS:
                # The refs go with the tails, so their ids may be reused:
                # digests keyed by those ids go too.
                _tails.clear()
                _digests.clear()
            _tails[key] = cached
    tail, strings, _refs = cached
    if name in strings:
        return pickle([name, *items])
    digest = md5(_LIST_HEAD)
    digest.update(_name_part(name))
    digest.update(b"a")
    digest.update(tail)
    hexdigest = digest.hexdigest()
    if len(_digests) >= _MAX_DIGESTS:
        _digests.clear()
    _digests[key, name] = hexdigest
    return hexdigest

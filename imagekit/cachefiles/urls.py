"""Cache file URLs, remembered where the storage's answer cannot change.

``FileSystemStorage.url(name)`` is a pure function of the storage's
``base_url`` and the name, yet it costs about as much as everything else a
warm page does for an image (``urljoin`` is slow). For that one method, the
URLs asked for are remembered, keyed by ``base_url`` and name, so a changed
``MEDIA_URL`` (which Django applies to the storage's ``base_url``) is a new
key. Any other storage, a subclass that overrides ``url`` and a storage whose
``url`` was replaced on the instance (a mock, say) is asked every time:
signed or expiring URLs (django-storages with ``querystring_auth``) must be
fresh. Nothing here says whether a file exists; that stays with the backend.
"""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage, Storage

_PURE_URL = FileSystemStorage.url

#: At most this many URLs are remembered per process; then they are forgotten
#: all at once (a page needs a few hundred).
MAX_URLS = 20000

_urls: dict[tuple[str, str], str] = {}


def storage_url(storage: Storage, name: str) -> str:
    """Return ``storage.url(name)``, remembered when that is a pure function."""
    if getattr(type(storage), "url", None) is not _PURE_URL or "url" in vars(storage):
        return storage.url(name)
    key = (storage.base_url, name)  # type: ignore[attr-defined]  # a FileSystemStorage
    try:
        return _urls[key]
    except KeyError:
        pass
    url = storage.url(name)
    if len(_urls) >= MAX_URLS:
        _urls.clear()
    _urls[key] = url
    return url

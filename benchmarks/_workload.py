"""One benchmark workload, run by ``run.py`` inside one implementation's virtualenv.

Usage: ``python -I _workload.py PARAMS_JSON``, where PARAMS_JSON is a JSON
object with at least ``mode`` and ``result`` (the path of the JSON file the
results are written to). Only the standard library, Django, Pillow, pilkit and
whichever ``imagekit`` the interpreter imports are used: the same file runs
against this project and against django-imagekit 6.1.1.

Each process builds (or reuses) a throwaway Django project in a folder:
``settings.configure`` with an SQLite file, a ``FileSystemStorage`` subclass
that counts its calls, a ``LocMemCache`` (or ``FileBasedCache``) subclass that
counts its calls, and a tiny ``benchapp`` application (``apps/pages/``, see
``_apps.py``; the counting backends are ``tests/support/counting.py``)
with one model::

    class Photo(models.Model):
        image = models.ImageField(upload_to="photos")
        thumb = ImageSpecField(source="image", processors=[ResizeToFill(100, 50)],
                               format="JPEG")

Modes:

``cold``      time ``ImageCacheFile(spec).generate()`` from one source image;
              before each repeat, ``CACHE/`` is deleted and the Django cache
              cleared, as a user resets thumbnails, and a new cache file
              object is built, as a new request would; after it, the file must
              exist, be new and have been saved (else the mode fails: nothing
              was generated); peak extra RSS of the first generation; PSNR of
              the result against the full-resolution reference.
``draft``     the same for plain Pillow with ``Image.draft`` (no Django),
              turned upright by EXIF orientation as a correct spec is.
``build``     create the 100-photo project and generate every cache file.
``warm``      warm renders of the three templates and ``p.thumb.url``,
              after a warm-up render; model loads.
``fresh``     the first render (or descriptor pass) in a fresh process.
``import``    ``import imagekit`` and ``django.setup()`` times, then the first
              load of 100 photos in a fresh process.
``gi-build``  create the project for ``generateimages``.
``gi``        one timed ``call_command("generateimages", ...)`` with no cache
              file present.
"""

from __future__ import annotations

import gc
import io
import json
import os
import resource
import shutil
import statistics
import sys
import time
import traceback
from pathlib import Path

# Appended, not prepended: nothing in benchmarks/ may shadow the imagekit this
# interpreter has installed (run.py runs this file with -I for the same reason).
sys.path.append(str(Path(__file__).resolve().parent))
import _apps  # benchmarks/, appended just above
from _fresh import reset_cache_files

THUMB_ID = "benchapp:photo:thumb"
THUMB_SIZE = (100, 50)

TEMPLATES = {
    "thumbnail": (
        "{% load imagekit %}{% for p in photos %}{% thumbnail '100x50' p.image %}{% endfor %}"
    ),
    "thumbnail-as": (
        "{% load imagekit %}{% for p in photos %}{% thumbnail '100x50' p.image as t %}"
        '<img src="{{ t.url }}" width="{{ t.width }}">{% endfor %}'
    ),
    "generateimage": (
        "{% load imagekit %}{% for p in photos %}"
        "{% generateimage '" + THUMB_ID + "' source=p.image %}{% endfor %}"
    ),
}
# The access kinds measured on a page of photos: the three templates above and
# the descriptor (``p.thumb.url`` for every photo).
KINDS = (*TEMPLATES, "descriptor")

# ---------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------


class PeakMemory:
    """Peak resident memory around one operation, in KiB.

    On Linux the high-water mark is reset through ``/proc/self/clear_refs``
    and read back from ``VmHWM``; elsewhere ``ru_maxrss`` is used, which is
    only right for an operation that raises the process's all-time peak.
    """

    def __init__(self) -> None:
        self.method = "VmHWM" if self._can_reset() else "ru_maxrss"
        self.base = 0

    @staticmethod
    def _status(field: str) -> int:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise KeyError(field)

    def _can_reset(self) -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")
            self._status("VmHWM")
        except OSError:
            return False
        return True

    def start(self) -> None:
        gc.collect()
        if self.method == "VmHWM":
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")
            self.base = self._status("VmRSS")
        else:
            self.base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def extra_kib(self) -> int:
        if self.method == "VmHWM":
            return self._status("VmHWM") - self.base
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - self.base


# ---------------------------------------------------------------------------
# Django project
# ---------------------------------------------------------------------------


def write_app(project: Path) -> None:
    """Make the page app importable as ``benchapp`` (see ``_apps.py``); *project* holds the rest."""
    _apps.use_app("pages")
    project.mkdir(parents=True, exist_ok=True)


def configure(project: Path, cache: str = "locmem") -> None:
    """``settings.configure`` for the project in *project* (no ``django.setup``)."""
    from django.conf import settings

    write_app(project)
    media = project / "media"
    media.mkdir(exist_ok=True)
    if cache == "locmem":
        backend = {"BACKEND": f"{_apps.COUNTING}.CountingLocMemCache", "LOCATION": "bench"}
    else:  # a cache shared by processes, like memcached or Redis in production
        backend = {
            "BACKEND": f"{_apps.COUNTING}.CountingFileBasedCache",
            "LOCATION": str(project / "shared-cache"),
        }
    # No culling: the benchmark must not measure evictions.
    backend["OPTIONS"] = {"MAX_ENTRIES": 1_000_000}
    settings.configure(
        DEBUG=False,
        SECRET_KEY="imagekit-benchmarks",
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(project / "db.sqlite3")}
        },
        INSTALLED_APPS=["django.contrib.contenttypes", "imagekit", "benchapp"],
        STORAGES={
            "default": {
                "BACKEND": f"{_apps.COUNTING}.CountingStorage",
                "OPTIONS": {"location": str(media), "base_url": "/media/"},
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        MEDIA_ROOT=str(media),
        MEDIA_URL="/media/",
        CACHES={"default": backend},
        IMAGEKIT_CACHE_BACKEND="default",
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
    )


def setup(project: Path, cache: str = "locmem") -> None:
    import django

    configure(project, cache)
    django.setup()


def create_tables() -> None:
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)


def add_photos(source: Path, count: int, prefix: str) -> None:
    """Copy *source* to *count* names under ``photos/`` and add the rows."""
    from benchapp.models import Photo, PlainPhoto
    from django.conf import settings

    folder = Path(settings.MEDIA_ROOT) / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(count):
        name = f"photos/{prefix}{i:03d}{source.suffix}"
        shutil.copyfile(source, Path(settings.MEDIA_ROOT) / name)
        names.append(name)
    Photo.objects.bulk_create(Photo(image=name) for name in names)
    PlainPhoto.objects.bulk_create(PlainPhoto(image=name) for name in names)


def trackers():
    from tests.support.counting import CACHE, STORAGE

    return STORAGE, CACHE


def reset_counts() -> None:
    for tracker in trackers():
        tracker.reset()


def counts() -> dict[str, dict[str, int]]:
    storage, cache = trackers()
    return {"storage": storage.snapshot(), "cache": cache.snapshot()}


def add_counts(total: dict, more: dict) -> None:
    for group, calls in more.items():
        bucket = total.setdefault(group, {})
        for name, n in calls.items():
            bucket[name] = bucket.get(name, 0) + n


def implementation() -> dict[str, str]:
    from importlib import metadata

    import imagekit

    dist = "unknown"
    for candidate in ("imagekit", "django-imagekit"):
        try:
            dist = f"{candidate} {metadata.version(candidate)}"
        except metadata.PackageNotFoundError:
            continue
        break
    return {"dist": dist, "file": str(Path(imagekit.__file__).parent)}


def versions() -> dict[str, str]:
    from importlib import metadata

    import django
    import PIL

    return {
        "python": sys.version.split()[0],
        "django": django.get_version(),
        "pillow": PIL.__version__,
        "pilkit": metadata.version("pilkit"),
    }


# ---------------------------------------------------------------------------
# Page workloads
# ---------------------------------------------------------------------------


def load_photos() -> list:
    from benchapp.models import Photo

    return list(Photo.objects.order_by("pk"))


def run_kind(kind: str, photos: list, template=None) -> tuple[float, str]:
    """Render one page (or read every ``p.thumb.url``); return (seconds, output).

    Inside a request bracket, as Django's handlers serve every page:
    ``request_started`` before and ``request_finished`` after (outside the
    timing), so each implementation does what it does per request.
    """
    from django.core.signals import request_finished, request_started
    from django.template import Context

    request_started.send(sender=None)
    try:
        if kind == "descriptor":
            start = time.perf_counter()
            urls = [p.thumb.url for p in photos]
            elapsed = time.perf_counter() - start
            return elapsed, "".join(f'<img src="{url}">' for url in urls)
        context = Context({"photos": photos})
        start = time.perf_counter()
        output = template.render(context)
        return time.perf_counter() - start, output
    finally:
        request_finished.send(sender=None)


def check_output(output: str, photos: int) -> str | None:
    images = output.count("<img")
    cached = output.count('src="/media/CACHE/')
    if images != photos or cached != photos:
        return f"expected {photos} <img> with a /media/CACHE/ src, got {images} and {cached}"
    return None


def compile_templates() -> dict:
    from django.template import Template

    return {kind: Template(text) for kind, text in TEMPLATES.items()}


def mode_build(params: dict) -> dict:
    """The 100-photo project, with every cache file generated (shared cache warmed)."""
    project = Path(params["project"])
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    setup(project, cache="file")
    create_tables()
    add_photos(Path(params["source"]), params["photos"], "p")
    photos = load_photos()
    start = time.perf_counter()
    for p in photos:
        p.thumb.generate()
    spec_seconds = time.perf_counter() - start
    templates = compile_templates()
    errors = {}
    for kind in KINDS:
        _, output = run_kind(kind, load_photos(), templates.get(kind))
        problem = check_output(output, len(photos))
        if problem:
            errors[kind] = problem
    files = sum(1 for _ in (project / "media" / "CACHE").rglob("*.jpg"))
    return {"spec_generation_s": spec_seconds, "cache_files": files, "errors": errors}


def mode_warm(params: dict) -> dict:
    """Warm renders in one process, after one warm-up render of each kind."""
    project = Path(params["project"])
    setup(project, cache="locmem")
    from benchapp.models import Photo, PlainPhoto
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    templates = compile_templates()
    renders = params["renders"]
    out = {"kinds": {}}
    for kind in KINDS:
        _, output = run_kind(kind, load_photos(), templates.get(kind))  # warm-up
        times, total = [], {}
        problem = check_output(output, params["photos"])
        for _ in range(renders):
            photos = load_photos()
            gc.collect()
            reset_counts()
            elapsed, output = run_kind(kind, photos, templates.get(kind))
            times.append(elapsed)
            add_counts(total, counts())
            problem = problem or check_output(output, len(photos))
        out["kinds"][kind] = {
            "page_s": statistics.median(times),
            "per_tag_s": statistics.median(times) / params["photos"],
            "calls_per_page": {
                group: {name: n / renders for name, n in calls.items()}
                for group, calls in total.items()
            },
            "error": problem,
        }

    loads = {}
    for model in (Photo, PlainPhoto):
        times, queries, total = [], [], {}
        for _ in range(params["loads"]):
            gc.collect()
            reset_counts()
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                rows = list(model.objects.order_by("pk"))
                times.append(time.perf_counter() - start)
            queries.append(len(captured))
            add_counts(total, counts())
            assert len(rows) == params["photos"]
        loads[model.__name__] = {
            "load_s": statistics.median(times),
            "queries": statistics.median(queries),
            "calls_per_load": {
                group: {name: n / params["loads"] for name, n in calls.items()}
                for group, calls in total.items()
            },
        }
    out["loads"] = loads
    return out


def mode_fresh(params: dict) -> dict:
    """The first render of one kind in a fresh process."""
    project = Path(params["project"])
    setup(project, cache=params["cache"])
    kind = params["kind"]
    template = compile_templates().get(kind)
    photos = load_photos()
    gc.collect()
    reset_counts()
    elapsed, output = run_kind(kind, photos, template)
    return {
        "page_s": elapsed,
        "calls_per_page": counts(),
        "error": check_output(output, len(photos)),
    }


def mode_import(params: dict) -> dict:
    """``import imagekit`` and ``django.setup()`` in a fresh process, then one load."""
    import django

    project = Path(params["project"])
    configure(project, cache="locmem")
    # What any Django project imports anyway, so that it is not charged to imagekit.
    import django.core.cache
    import django.core.files.images
    import django.core.files.storage
    import django.db.models
    import django.forms
    import django.template

    start = time.perf_counter()
    import imagekit  # noqa: F401

    import_s = time.perf_counter() - start
    start = time.perf_counter()
    django.setup()
    setup_s = time.perf_counter() - start

    from benchapp.models import Photo
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.ensure_connection()
    reset_counts()
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        rows = list(Photo.objects.order_by("pk"))
        load_s = time.perf_counter() - start
    return {
        "import_s": import_s,
        "setup_s": setup_s,
        "first_load_s": load_s,
        "rows": len(rows),
        "queries": len(captured),
        "calls_per_load": counts(),
        "imagekit_modules": sorted(m for m in sys.modules if m.split(".")[0] == "imagekit"),
        "pil_imported_by_setup": "PIL.Image" in sys.modules,
    }


# ---------------------------------------------------------------------------
# Cold generation
# ---------------------------------------------------------------------------


def _tiny_jpeg(path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (64, 48), (90, 140, 200)).save(path, "JPEG")


def _psnr(image_path, reference_path) -> float | None:
    """PSNR of two image files in dB (``_images.psnr``), 99 standing for identical."""
    from _images import psnr
    from PIL import Image

    with Image.open(image_path) as image, Image.open(reference_path) as reference:
        value = psnr(image, reference)
    return None if value is None else min(99.0, value)


def _describe(image_path) -> dict:
    from PIL import Image

    with Image.open(image_path) as im:
        return {"size": list(im.size), "mode": im.mode, "format": im.format}


class NotGenerated(Exception):
    """A cold repeat generated nothing: its time would measure a no-op."""


def check_generated(
    output: Path, started_ns: int, calls: dict, repeat: int, seconds: float
) -> None:
    """Raise NotGenerated unless *output* was written by this repeat."""
    saves = calls.get("storage", {}).get("save", 0)
    # The folder was deleted just before; the modification time (with 10 ms
    # for coarse file system clocks) and the storage's save() say the same.
    fresh = output.exists() and output.stat().st_mtime_ns >= started_ns - 10_000_000
    if not fresh or saves < 1:
        raise NotGenerated(
            f"repeat {repeat + 1}: generate() took {seconds * 1e3:.2f} ms but "
            f"{'wrote ' + str(output) if fresh else str(output) + ' does not exist'} "
            f"with {saves} storage save(s), after CACHE/ was deleted and the cache cleared: "
            "nothing was generated (the process still believes the file exists?)"
        )


def cold_result(
    params: dict, times: list[float], peak_kib: int | None, memory: PeakMemory, output: Path
) -> dict:
    """The result of a cold mode: its times, peak memory and output (kept if asked)."""
    result = {
        "times_s": times,
        "time_s": statistics.median(times),
        "peak_extra_kib": peak_kib,
        "memory_method": memory.method,
        "output": _describe(output),
        "psnr": _psnr(output, params["reference_jpeg"]),
        "psnr_raw": _psnr(output, params["reference_raw"]),
    }
    if params.get("keep"):
        shutil.copyfile(output, params["keep"])
    return result


def mode_cold(params: dict) -> dict:
    from django.conf import settings

    project = Path(params["project"])
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    setup(project, cache="locmem")
    from benchapp.models import Photo

    from imagekit.cachefiles import ImageCacheFile
    from imagekit.registry import generator_registry

    media = Path(settings.MEDIA_ROOT)
    (media / "photos").mkdir(parents=True, exist_ok=True)

    def cachefile(name):
        spec = generator_registry.get(THUMB_ID, source=Photo(image=name).image)
        return ImageCacheFile(spec)

    # Warm-up: imports, plugin registration and first-call costs.
    _tiny_jpeg(media / "photos" / "warmup.jpg")
    cachefile("photos/warmup.jpg").generate()

    source = Path(params["source"])
    name = f"photos/{params['case']}{source.suffix}"
    shutil.copyfile(source, media / name)
    memory = PeakMemory()
    times, first_counts, peak_kib, output = [], None, None, None
    for i in range(params["repeats"]):
        reset_cache_files(media)
        file = cachefile(name)  # a new object, as the next request would build
        output = media / file.name
        if i == 0:
            memory.start()
        else:
            gc.collect()
        reset_counts()
        started_ns = time.time_ns()
        start = time.perf_counter()
        file.generate()
        times.append(time.perf_counter() - start)
        repeat_counts = counts()
        if i == 0:
            peak_kib = memory.extra_kib()
            first_counts = repeat_counts
        check_generated(output, started_ns, repeat_counts, i, times[-1])
    return {**cold_result(params, times, peak_kib, memory, output), "calls_first": first_counts}


def mode_draft(params: dict) -> dict:
    """The Pillow reference: reduced-scale decode with ``Image.draft``, no Django.

    It makes what a correct spec makes, so it turns the image upright as its
    EXIF orientation says (``ImageOps.exif_transpose``), asking ``draft`` for
    the size turned the same way.
    """
    from PIL import Image, ImageOps
    from pilkit.processors import ResizeToFill
    from pilkit.utils import prepare_image

    workdir = Path(params["project"])
    workdir.mkdir(parents=True, exist_ok=True)

    def thumbnail(path) -> bytes:
        im = Image.open(path)
        orientation = im.getexif().get(0x0112)
        # Orientations 5 to 8 turn the image by a quarter: the stored image's
        # width becomes the displayed height.
        turned = orientation in (5, 6, 7, 8)
        im.draft("RGB", (100, 200) if turned else (200, 100))
        if orientation not in (None, 1):
            im = ImageOps.exif_transpose(im)
        im = ResizeToFill(*THUMB_SIZE).process(im)
        # As a spec does: RGBA composited on white, CMYK converted to RGB.
        im, options = prepare_image(im, "JPEG")
        buffer = io.BytesIO()
        im.save(buffer, "JPEG", **options)
        return buffer.getvalue()

    _tiny_jpeg(workdir / "warmup.jpg")
    thumbnail(workdir / "warmup.jpg")
    memory = PeakMemory()
    times, peak_kib, data = [], None, b""
    for i in range(params["repeats"]):
        if i == 0:
            memory.start()
        else:
            gc.collect()
        start = time.perf_counter()
        data = thumbnail(params["source"])
        times.append(time.perf_counter() - start)
        if i == 0:
            peak_kib = memory.extra_kib()
    output = workdir / "draft.jpg"
    output.write_bytes(data)
    return cold_result(params, times, peak_kib, memory, output)


# ---------------------------------------------------------------------------
# generateimages
# ---------------------------------------------------------------------------


def mode_gi_build(params: dict) -> dict:
    project = Path(params["project"])
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    setup(project, cache="locmem")
    create_tables()
    add_photos(Path(params["source"]), params["photos"], "g")
    return {"photos": params["photos"]}


def mode_gi(params: dict) -> dict:
    """One ``generateimages`` run with no cache file present (fresh process, empty cache)."""
    from django.conf import settings
    from django.core.management import call_command

    project = Path(params["project"])
    setup(project, cache="locmem")
    cache_dir = Path(settings.MEDIA_ROOT) / "CACHE"
    reset_cache_files(Path(settings.MEDIA_ROOT))
    stdout, stderr = io.StringIO(), io.StringIO()
    gc.collect()
    started_ns = time.time_ns()
    start = time.perf_counter()
    call_command("generateimages", *params["args"], stdout=stdout, stderr=stderr)
    elapsed = time.perf_counter() - start
    # Written by this run: CACHE/ was deleted before it (10 ms for coarse clocks).
    files = sum(
        1
        for path in (cache_dir.rglob("*.jpg") if cache_dir.exists() else ())
        if path.stat().st_mtime_ns >= started_ns - 10_000_000
    )
    error = None
    if files != params["photos"]:
        error = f"{files} cache files written for {params['photos']} sources"
    return {"time_s": elapsed, "files": files, "error": error, "stderr": stderr.getvalue()[-2000:]}


MODES = {
    "cold": mode_cold,
    "draft": mode_draft,
    "build": mode_build,
    "warm": mode_warm,
    "fresh": mode_fresh,
    "import": mode_import,
    "gi-build": mode_gi_build,
    "gi": mode_gi,
}


def main(argv: list[str]) -> int:
    params = json.loads(argv[0])
    result_path = Path(params["result"])
    try:
        result = MODES[params["mode"]](params)
        if params["mode"] != "draft":
            result["implementation"] = implementation()
        result["versions"] = versions()
        status = 0
    except Exception:  # noqa: BLE001 - reported to run.py, which goes on with the other cases
        result = {"error": traceback.format_exc(limit=8)}
        status = 1
    result_path.write_text(json.dumps(result))
    return status


if __name__ == "__main__":
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    sys.exit(main(sys.argv[1:]))

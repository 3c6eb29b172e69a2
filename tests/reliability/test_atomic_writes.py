"""Readers never see a half-written cache file: it is written whole, then made visible."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from PIL import Image

from imagekit import ImageSpec
from imagekit.cachefiles import ImageCacheFile
from imagekit.processors import ResizeToFill
from tests.reliability.images import encode, noisy

CHUNKS = 10


class SlowStorage(FileSystemStorage):
    """A local storage that writes each file in chunks, pausing between them."""

    def _save(self, name, content):
        data = content.read()
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        step = max(1, len(data) // CHUNKS)
        with open(path, "wb") as target:
            for start in range(0, len(data), step):
                target.write(data[start : start + step])
                target.flush()
                time.sleep(0.01)
        return name


class NoisyPoster(ImageSpec):
    processors = [ResizeToFill(150, 100)]
    format = "PNG"  # noise does not compress: a file of many chunks


@dataclass
class Watcher:
    """A reader that keeps reading one path while something writes it."""

    path: str
    absent: int = 0
    seen: list[bytes] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def watch(self) -> None:
        while not self.stop.is_set():
            try:
                with open(self.path, "rb") as reader:
                    self.seen.append(reader.read())
            except FileNotFoundError:
                self.absent += 1

    def during(self, action) -> None:
        thread = threading.Thread(target=self.watch)
        thread.start()
        try:
            action()
        finally:
            self.stop.set()
            thread.join()


@pytest.fixture
def slow_file(stored_source, media_root) -> ImageCacheFile:
    storage = SlowStorage(location=str(media_root), base_url="/media/")
    return ImageCacheFile(
        NoisyPoster(source=stored_source("photos/noise.png", noisy("PNG", (300, 200)))),
        storage=storage,
    )


def test_a_reader_sees_no_file_or_the_whole_file_while_it_is_generated(slow_file):
    watcher = Watcher(slow_file.storage.path(slow_file.name))

    watcher.during(slow_file.generate)

    whole = Path(slow_file.storage.path(slow_file.name)).read_bytes()
    assert watcher.absent > 0  # it was watching while the file was written
    assert all(seen == whole for seen in watcher.seen)


def test_a_reader_sees_the_old_file_or_the_new_one_while_it_is_regenerated(slow_file):
    old = encode(Image.new("RGB", (150, 100), "red"), "PNG")
    slow_file.storage.save(slow_file.name, ContentFile(old))
    watcher = Watcher(slow_file.storage.path(slow_file.name))

    watcher.during(lambda: slow_file.generate(force=True))

    new = Path(slow_file.storage.path(slow_file.name)).read_bytes()
    assert new != old
    assert watcher.absent == 0
    assert set(watcher.seen) <= {old, new}


# --- temporary files ------------------------------------------------------------


class LongNamedThumbnail(ImageSpec):
    processors = [ResizeToFill(20, 10)]
    format = "JPEG"


def test_a_cache_name_of_240_bytes_can_be_written(settings, stored_source, cache_root):
    settings.IMAGEKIT_SPEC_CACHEFILE_NAMER = "imagekit.cachefiles.namers.source_name_dot_hash"
    stem = "a" * 220
    file = ImageCacheFile(LongNamedThumbnail(source=stored_source(f"{stem}.jpg", noisy("JPEG"))))
    assert len(os.path.basename(file.name).encode()) >= 235

    file.generate()

    with Image.open(file.storage.path(file.name)) as made:
        assert made.size == (20, 10)
    assert [p.name for p in cache_root.iterdir()] == [os.path.basename(file.name)]


def test_a_process_killed_while_writing_leaves_a_short_hidden_temporary_file(
    stored_source, cache_root, tmp_path
):
    # A real process, killed by SIGKILL in the middle of its write.
    import signal
    import subprocess
    import sys

    source = stored_source("photos/noise.png", noisy("PNG", (300, 200)))
    script = tmp_path / "killed.py"
    script.write_text(
        "import os, signal, sys\n"
        "import django\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.testapp.settings'\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.files.storage import FileSystemStorage\n"
        "from imagekit.cachefiles import ImageCacheFile\n"
        "from tests.reliability.helpers import source_file\n"
        "from tests.reliability.test_atomic_writes import NoisyPoster\n"
        "class DiesWriting(FileSystemStorage):\n"
        "    def _save(self, name, content):\n"
        "        os.makedirs(os.path.dirname(self.path(name)), exist_ok=True)\n"
        "        with open(self.path(name), 'wb') as f:\n"
        "            f.write(content.read(100)); f.flush()\n"
        "            os.kill(os.getpid(), signal.SIGKILL)\n"
        "storage = DiesWriting(location=sys.argv[1])\n"
        "spec = NoisyPoster(source=source_file(storage, sys.argv[2]))\n"
        "ImageCacheFile(spec, storage=storage).generate()\n"
    )
    media = cache_root.parent.parent
    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, str(script), str(media), source.name],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        capture_output=True,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr

    (left,) = (path for path in cache_root.rglob("*") if path.is_file())
    assert left.name.startswith(".ik-") and left.name.endswith(".tmp")
    assert len(left.name) == 24

"""``tests:counted``: a spec whose processor counts how often it ran.

Registered when this module is imported (by ``tests.testapp.views`` and the tests
that use it), not by autodiscovery, which the registry tests re-run.
"""

import threading
import time

from imagekit import ImageSpec, register
from imagekit.processors import ResizeToFit


class CountRuns:
    """A processor that counts its runs (thread-safe), dawdling a little each time.

    The pause widens the window in which a second generation of the same
    file could start. The count is kept outside the instance's pickled state,
    which the spec's hash (the cache file's name) is made from.
    """

    pause = 0.05
    _lock = threading.Lock()
    _runs = [0]

    @property
    def runs(self) -> int:
        return self._runs[0]

    def process(self, image):
        with self._lock:
            self._runs[0] += 1
        time.sleep(self.pause)
        return image


#: The processor of ``tests:counted``: ``counted_runs.runs`` is how often it ran.
counted_runs = CountRuns()


@register.generator("tests:counted")
class CountedSpec(ImageSpec):
    processors = [counted_runs, ResizeToFit(20, 20)]
    format = "JPEG"

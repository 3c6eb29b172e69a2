"""Peak memory of one ``generate()`` in a fresh Python process.

The child sets Django up with the test settings, warms Pillow and imagekit up
on a small image (so that loading plugins and codecs is not counted), resets
its peak resident set size (Linux: ``/proc/self/clear_refs``), then generates
the spec on the given bytes. It reports how far its peak (``VmHWM``) rose
above what was resident before that one call, and what happened.
"""

from __future__ import annotations

import json
import textwrap

from tests.support.fresh import run_json

_CHILD = textwrap.dedent(
    """
    import io, json, os, sys
    sys.path.insert(0, os.getcwd())
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.testapp.settings"
    import django
    django.setup()
    from django.test import override_settings
    # Django's own way, which announces each setting (setting_changed).
    override_settings(**json.loads(sys.argv[2])).enable()
    from django.core.files.base import ContentFile
    from PIL import Image
    from imagekit import ImageSpec
    from imagekit.processors import ResizeToFit
    from imagekit.utils import get_by_qname

    spec_class = get_by_qname(sys.argv[1], "spec")
    data = sys.stdin.buffer.read()
    warm = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(warm, "PNG")
    class Warm(ImageSpec):
        processors = [ResizeToFit(32, 32)]

    for fmt in ("PNG", "JPEG", "GIF", "WEBP"):
        Warm.format = fmt
        Warm(source=ContentFile(warm.getvalue(), name="warm.png")).generate()

    def status_kb(field):
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])

    # Reset the peak to what is resident now (ru_maxrss would carry the
    # parent's peak over from fork), then measure how far generate() lifts it.
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    before = status_kb("VmRSS")
    try:
        made = spec_class(source=ContentFile(data, name=sys.argv[3])).generate().getvalue()
        outcome = {"made": len(made), "image": list(Image.open(io.BytesIO(made)).size)}
    except Exception as exc:
        outcome = {"error": type(exc).__name__, "message": str(exc)}
    outcome["grew_mb"] = (status_kb("VmHWM") - before) / 1024
    print(json.dumps(outcome))
    """
)


def generate_in_fresh_process(
    spec_path: str, data: bytes, name: str = "upload", **settings
) -> dict:
    """Generate the spec at the dotted *spec_path* on *data* in a new process.

    Return ``{"grew_mb": ..., "error": ..., "message": ...}`` or, if it
    made an image, ``{"grew_mb": ..., "made": bytes, "image": [w, h]}``.
    *settings* are set before the spec is imported.
    """
    return run_json(["-c", _CHILD, spec_path, json.dumps(settings), name], data)

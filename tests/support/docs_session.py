"""Run documentation examples in a ``manage.py shell``-like session.

tests/test_docs_examples.py starts this file in a fresh interpreter whose
working directory is a throw-away Django project built from one page of the
docs. It reads a JSON request on standard input::

    {"result": "<file>", "snippets": [{"kind": "exec" | "doctest", "source": "...",
        "path": "docs/tutorial.rst", "line": 74, "label": "docs/tutorial.rst:75"}, ...]}

sets Django up with the project's ``settings`` module, brings the database up
to date (``makemigrations myapp`` and ``migrate``, as a reader would after
editing models), imports the ``modules`` the request lists (the project's
own) and lets imagekit discover every app's ``imagegenerators`` module, then
runs the snippets in order in one shared namespace, as
if typed into one shell. ``exec`` snippets run as code; ``doctest`` snippets
are ``>>>`` sessions whose output must match, where ``<hash>`` (or
``<hash1>``...) in the expected output stands for 32 hexadecimal digits. The
first failure is written to the result file as JSON and ends the session.

It is not a test module: it needs the project directory as its working
directory and never imports the test suite.
"""

from __future__ import annotations

import doctest
import importlib
import io
import json
import os
import re
import sys
import traceback

PLACEHOLDER = re.compile(r"<hash\d*>")


def expected_pattern(text: str) -> re.Pattern[str]:
    """Return a regex for *text* in which ``<hash>`` placeholders match a digest."""
    parts = PLACEHOLDER.split(text)
    return re.compile("[0-9a-f]{32}".join(re.escape(part) for part in parts), re.S)


class PlaceholderChecker(doctest.OutputChecker):
    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        if super().check_output(want, got, optionflags):
            return True
        return expected_pattern(want.strip()).fullmatch(got.strip()) is not None


def run_doctest(source: str, path: str, line: int, namespace: dict) -> str | None:
    """Run a ``>>>`` session in *namespace*; return a failure report or None.

    *line* is where the session starts in the file *path* (0-based), so that
    reports point into the documentation.
    """
    parser = doctest.DocTestParser()
    test = parser.get_doctest(source, namespace, f"{path}:{line + 1}", path, line)
    output = io.StringIO()
    runner = doctest.DocTestRunner(
        checker=PlaceholderChecker(), verbose=False, optionflags=doctest.REPORT_ONLY_FIRST_FAILURE
    )
    runner.run(test, out=output.write, clear_globs=False)
    # The test ran in a copy of the namespace: keep what it defined.
    namespace.update(test.globs)
    return output.getvalue() if runner.failures else None


def main() -> int:
    request = json.load(sys.stdin)
    sys.path.insert(0, os.getcwd())
    os.environ["DJANGO_SETTINGS_MODULE"] = "settings"

    import django
    from django.core.management import call_command

    django.setup()
    call_command("makemigrations", "myapp", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    # Every module the page wrote must at least import, and the registry's
    # autodiscovery must accept every app's imagegenerators module.
    for module in request.get("modules", []):
        importlib.import_module(module)
    from django.core.handlers.base import BaseHandler

    from imagekit.registry import generator_registry

    generator_registry.get_ids()
    BaseHandler().load_middleware()  # imports every MIDDLEWARE entry
    call_command("check", stdout=io.StringIO())

    namespace: dict = {"__name__": "__main__"}
    failure = None
    for snippet in request["snippets"]:
        label = snippet["label"]
        try:
            if snippet["kind"] == "doctest":
                report = run_doctest(snippet["source"], snippet["path"], snippet["line"], namespace)
                if report:
                    failure = {"label": label, "message": report}
            else:
                exec(compile(snippet["source"], label, "exec"), namespace)
        except Exception:  # noqa: BLE001 - reported to the test, which fails
            failure = {"label": label, "message": traceback.format_exc()}
        if failure:
            break
    with open(request["result"], "w", encoding="utf-8") as result:
        json.dump({"failure": failure}, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

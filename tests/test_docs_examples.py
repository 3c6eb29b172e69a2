"""Every code example of the documentation runs, and shows what it says it shows.

Each page of ``docs/`` is played like a reader would follow it, in a
throw-away Django project of its own (in ``tmp_path``) with an app called
``myapp``, the name the docs use:

* a ``python`` block captioned with a file name (``myapp/models.py``,
  ``urls.py``, ...) is written to that file, replacing what was there; one
  captioned ``settings.py`` is added to the project's settings (a ``# ...``
  line inside a list stands for the entries the project already has);
* the other ``python`` blocks and the ``pycon`` (``>>>``) sessions run in a
  shell session, one namespace for all blocks up to the next file change,
  like ``python manage.py shell`` restarted after editing code. The output of
  a ``>>>`` line must match what the page shows, where ``<hash>`` stands for
  the 32 hexadecimal digits of a cache file name;
* a ``console`` block's ``$ python manage.py ...`` commands are run, and
  their output compared in the same way (other commands, like ``pip``, are not
  run);
* an ``html+django`` block captioned with a template path (``.html``, or
  ``.jinja`` for django-jinja) is written there.

Before each shell session the project runs ``makemigrations myapp`` and
``migrate``. Where a block needs context the page leaves to the reader, an
rST comment right before it says so; readers never see these comments:

``.. example: skip <reason>``
    do not run the next block (the reason is required);
``.. example: as <file>|settings|shell``
    treat the next block as that file, as settings, or as shell input;
``.. example: wrap [<file>]`` followed by an indented body
    put the next block where the body has a line ``<example>``, then treat
    the result as usual (or as ``<file>``): for fragments such as one line of
    a class body;
``.. example: setup`` followed by an indented body
    run the body in the shell session, as if the reader had typed it;
``.. example: file <file>`` followed by an indented body
    write the body to a file of the project;
``.. example: settings`` followed by an indented body
    add the body to the project's settings;
``.. example: reset``
    start again with a new, empty project (for alternatives that cannot live
    in one project, such as two specs registered under the same id).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCS_DIR = REPO_ROOT / "docs"
SESSION_RUNNER = Path(__file__).resolve().parent / "support" / "docs_session.py"
# Where the subprocesses import imagekit from: the same copy as these tests.
IMAGEKIT_PARENT = Path(importlib.util.find_spec("imagekit").origin).resolve().parent.parent

PAGES = sorted(
    path for path in DOCS_DIR.rglob("*.rst") if "_build" not in path.relative_to(DOCS_DIR).parts
)

_DIRECTIVE = re.compile(r"^(?P<indent>\s*)\.\. code-block::\s*(?P<language>\S+)\s*$")
_ANNOTATION = re.compile(r"^(?P<indent>\s*)\.\. example:\s*(?P<verb>[\w-]+)\s*(?P<argument>.*)$")
_OPTION = re.compile(r"^\s*:(?P<name>[\w-]+):\s*(?P<value>.*)$")
_PLACEHOLDER = re.compile(r"<hash\d*>")
MODIFIERS = {"skip", "as", "wrap"}
ACTIONS = {"setup", "file", "settings", "reset"}

BASE_SETTINGS = """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "docs-examples-not-secret"
DEBUG = True
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "imagekit",
    "myapp",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"

_BASE = {name: value for name, value in globals().items() if name.isupper()}
"""

# Lists of strings that a fragment extended with "# ..." may now hold twice.
SETTINGS_EPILOGUE = """
for _name, _value in list(globals().items()):
    if _name.isupper() and isinstance(_value, list) and all(isinstance(v, str) for v in _value):
        globals()[_name] = list(dict.fromkeys(_value))
"""

DOCS_FIXTURES = """\
\"\"\"Helpers for the hidden set-up (``.. example: setup``) of documentation examples.\"\"\"

from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image


def image_content(size=(640, 480), color="teal", fmt="PNG"):
    \"\"\"Return a ContentFile holding a plain image drawn with Pillow.\"\"\"
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return ContentFile(buffer.getvalue())


def save_profile(name="Alice", **fields):
    \"\"\"Save a myapp Profile with a 640x480 PNG avatar named after *name*.\"\"\"
    from myapp.models import Profile

    profile = Profile(name=name, **fields)
    profile.avatar.save(f"{name.lower()}.png", image_content())
    return profile
"""

BASE_URLS = """\
from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
"""

MANAGE_PY = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""


@dataclass
class Annotation:
    verb: str
    argument: str
    body: str
    line: int


@dataclass
class Block:
    language: str
    options: dict[str, str]
    source: str
    line: int  # 0-based line of the first line of the source
    modifiers: list[Annotation] = field(default_factory=list)

    def modifier(self, verb: str) -> Annotation | None:
        return next((m for m in self.modifiers if m.verb == verb), None)


def _indented_body(lines: list[str], start: int, indent: int) -> tuple[str, int]:
    """Return the block of lines after *start* indented deeper than *indent*, and its end."""
    end = start
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
    ):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return textwrap.dedent("\n".join(lines[start:end])), end


def parse_page(text: str) -> list[Annotation | Block]:
    """Return the code blocks and ``.. example:`` annotations of a page, in order.

    Modifier annotations are attached to the block that follows them.
    """
    lines = text.splitlines()
    events: list[Annotation | Block] = []
    pending: list[Annotation] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        annotation = _ANNOTATION.match(line)
        directive = _DIRECTIVE.match(line)
        if annotation:
            indent = len(annotation["indent"])
            body, end = _indented_body(lines, index + 1, indent)
            item = Annotation(annotation["verb"], annotation["argument"].strip(), body, index)
            if item.verb in MODIFIERS:
                pending.append(item)
            elif item.verb in ACTIONS:
                events.append(item)
            else:
                raise ValueError(f"line {index + 1}: unknown annotation '.. example: {item.verb}'")
            index = max(end, index + 1)
        elif directive:
            indent = len(directive["indent"])
            options = {}
            index += 1
            while index < len(lines) and (option := _OPTION.match(lines[index])):
                options[option["name"]] = option["value"].strip()
                index += 1
            while index < len(lines) and not lines[index].strip():
                index += 1
            source, end = _indented_body(lines, index, indent)
            events.append(Block(directive["language"], options, source, index, pending))
            pending = []
            index = max(end, index + 1)
        else:
            index += 1
    if pending:
        raise ValueError(f"line {pending[0].line + 1}: '.. example:' without a code block after it")
    return events


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def expected_output_matches(expected: str, actual: str) -> bool:
    parts = _PLACEHOLDER.split(expected.strip())
    pattern = "[0-9a-f]{32}".join(re.escape(part) for part in parts)
    return re.fullmatch(pattern, actual.strip(), re.S) is not None


class DocsProject:
    """A Django project that follows one page of the docs."""

    def __init__(self, root: Path, page: Path):
        self.root = root.resolve() if root.exists() else root
        self.page = page
        self.settings_fragments: list[str] = []
        self.snippets: list[dict] = []
        self.counter = 0
        # Files written since the last session, which no session imported yet.
        self.untried = False
        root.mkdir(parents=True)
        self.root = root.resolve()
        self.write("manage.py", MANAGE_PY)
        self.write("urls.py", BASE_URLS)
        self.write("myapp/__init__.py", "")
        self.write("myapp/models.py", "")
        self.write("myapp/migrations/__init__.py", "")
        self.write("docs_fixtures.py", DOCS_FIXTURES)
        self.write_settings()
        self.untried = False

    # -- files ---------------------------------------------------------------

    def write(self, relative: str, content: str) -> None:
        self.flush()
        path = self.root / relative
        assert self.root in path.resolve().parents, f"{relative!r} is outside the project"
        path.parent.mkdir(parents=True, exist_ok=True)
        # A new top-level folder with Python files is a package of the project.
        if path.suffix == ".py" and path.parent != self.root:
            (path.parent / "__init__.py").touch()
        path.write_text(content if content.endswith("\n") else content + "\n", encoding="utf-8")
        self.untried = True

    def add_settings(self, fragment: str) -> None:
        """Add *fragment* to the settings; ``# ...`` in a list keeps its entries."""
        lines = []
        for line in fragment.splitlines():
            opened = re.findall(r"^(\w+)\s*=\s*\[\s*$", "\n".join(lines), re.M)
            if line.strip() == "# ..." and opened:
                # The entries the project already has, in the list opened last.
                lines.append(f"{line[: line.index('#')]}*_BASE.get({opened[-1]!r}, []),")
            else:
                lines.append(line)
        self.settings_fragments.append("\n".join(lines))
        self.write_settings()

    def write_settings(self) -> None:
        fragments = "\n\n".join(self.settings_fragments)
        self.write("settings.py", f"{BASE_SETTINGS}\n{fragments}\n{SETTINGS_EPILOGUE}")

    # -- running -------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(IMAGEKIT_PARENT), env.get("PYTHONPATH")])
        )
        return env

    def label(self, line: int) -> str:
        return f"{_display(self.page)}:{line + 1}"

    def shell(self, kind: str, source: str, line: int) -> None:
        self.snippets.append(
            {
                "kind": kind,
                "source": source,
                "path": _display(self.page),
                "line": line,
                "label": self.label(line),
            }
        )

    def modules(self) -> list[str]:
        """Return the project's own modules, for the session to import."""
        names = []
        for path in sorted(self.root.rglob("*.py")):
            parts = path.relative_to(self.root).with_suffix("").parts
            if parts[0] in {"manage", "settings"} or "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if parts:
                names.append(".".join(parts))
        return names

    def flush(self, *, try_files: bool = False) -> None:
        """Run the shell input gathered so far in one new session.

        With *try_files*, run a session even without input if files were
        written since the last one, so that every file is imported once.
        """
        if not self.snippets and not (try_files and self.untried):
            return
        snippets, self.snippets = self.snippets, []
        self.untried = False
        self.counter += 1
        result_path = self.root.parent / f"{self.root.name}-session-{self.counter}.json"
        request = json.dumps(
            {"result": str(result_path), "snippets": snippets, "modules": self.modules()}
        )
        where = snippets[0]["label"] if snippets else f"the end of {_display(self.page)}"
        launcher = "import runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__')"
        process = subprocess.run(
            [sys.executable, "-W", "error::DeprecationWarning", "-c", launcher, SESSION_RUNNER],
            input=request,
            cwd=self.root,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if process.returncode != 0 or not result_path.exists():
            pytest.fail(
                f"The shell session starting at {where} crashed "
                f"(exit status {process.returncode}):\n{process.stdout}\n{process.stderr}",
                pytrace=False,
            )
        failure = json.loads(result_path.read_text())["failure"]
        if failure:
            pytest.fail(f"{failure['label']}:\n{failure['message']}", pytrace=False)

    def console(self, source: str, line: int) -> None:
        """Run the ``$ python manage.py`` commands of a console block."""
        self.flush()
        commands: list[tuple[int, str, list[str]]] = []
        for offset, text in enumerate(source.splitlines()):
            if text.startswith("$ "):
                commands.append((line + offset, text[2:], []))
            elif commands:
                commands[-1][2].append(text)
        for command_line, command, expected in commands:
            words = shlex.split(command)
            if words[:2] != ["python", "manage.py"]:
                continue
            process = subprocess.run(
                [sys.executable, "-W", "error::DeprecationWarning", *words[1:]],
                cwd=self.root,
                env=self.environment(),
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            where = self.label(command_line)
            if process.returncode != 0:
                pytest.fail(
                    f"{where}: {command!r} exited with {process.returncode}:\n"
                    f"{process.stdout}\n{process.stderr}",
                    pytrace=False,
                )
            if expected and not expected_output_matches("\n".join(expected), process.stdout):
                pytest.fail(
                    f"{where}: {command!r} printed\n{process.stdout}\ninstead of\n"
                    + "\n".join(expected),
                    pytrace=False,
                )


def _python_target(block: Block) -> str:
    target = block.modifier("as")
    if target:
        return target.argument
    wrap = block.modifier("wrap")
    if wrap and wrap.argument:
        return wrap.argument
    return block.options.get("caption", "shell")


def _wrapped_source(block: Block) -> str:
    wrap = block.modifier("wrap")
    if wrap is None:
        return block.source
    lines = []
    placed = False
    for line in wrap.body.splitlines():
        if line.strip() == "<example>":
            indent = line[: len(line) - len(line.lstrip())]
            lines.extend(indent + code if code else "" for code in block.source.splitlines())
            placed = True
        else:
            lines.append(line)
    assert placed, f"line {wrap.line + 1}: the body of '.. example: wrap' has no <example> line"
    return "\n".join(lines)


class PagePlayer:
    """Follow the examples of one page, in order, in new projects under *workdir*."""

    def __init__(self, page: Path, workdir: Path):
        self.page = page
        self.workdir = workdir
        self.projects = 0
        self.skipped: list[str] = []
        self.project = self.new_project()

    def new_project(self) -> DocsProject:
        self.projects += 1
        return DocsProject(self.workdir / f"project{self.projects}", self.page)

    def annotation(self, annotation: Annotation) -> None:
        if annotation.verb == "reset":
            self.project.flush(try_files=True)
            self.project = self.new_project()
        elif annotation.verb == "setup":
            self.project.shell("exec", annotation.body, annotation.line)
        elif annotation.verb == "file":
            self.project.write(annotation.argument, annotation.body)
        elif annotation.verb == "settings":
            self.project.add_settings(annotation.body)

    def block(self, block: Block) -> None:
        skip = block.modifier("skip")
        if skip:
            assert skip.argument, f"line {skip.line + 1}: '.. example: skip' needs a reason"
            self.skipped.append(skip.argument)
        elif block.language == "python":
            self.python(block)
        elif block.language == "pycon":
            self.project.shell("doctest", block.source, block.line)
        elif block.language == "console":
            self.project.console(block.source, block.line)
        elif block.language == "html+django" and block.options.get("caption", "").endswith(
            (".html", ".jinja")  # .jinja: django-jinja's templates (topics/integrations.rst)
        ):
            self.project.write(block.options["caption"], block.source)

    def python(self, block: Block) -> None:
        target = _python_target(block)
        source = _wrapped_source(block)
        if target == "shell":
            self.project.shell("exec", source, block.line)
        elif target == "settings" or target.endswith("settings.py"):
            self.project.add_settings(source)
        else:
            self.project.write(target, source)

    def play(self) -> list[str]:
        """Run every example; return the reasons of the blocks skipped."""
        for event in parse_page(self.page.read_text(encoding="utf-8")):
            if isinstance(event, Annotation):
                self.annotation(event)
            else:
                self.block(event)
        self.project.flush(try_files=True)
        return self.skipped


def play_page(page: Path, workdir: Path) -> list[str]:
    """Follow every example of *page* in a new project; return the skip reasons."""
    return PagePlayer(page, workdir).play()


@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(DOCS_DIR)) for page in PAGES])
def test_every_example_of_the_page_runs(page, tmp_path):
    play_page(page, tmp_path)


# -- The harness itself ---------------------------------------------------------


def test_a_page_with_a_wrong_output_fails(tmp_path):
    page = tmp_path / "broken.rst"
    page.write_text(".. code-block:: pycon\n\n   >>> 1 + 1\n   3\n")
    with pytest.raises(pytest.fail.Exception, match=r"broken\.rst:3"):
        play_page(page, tmp_path / "work")


def test_a_page_whose_model_does_not_import_fails(tmp_path):
    page = tmp_path / "broken.rst"
    page.write_text(
        ".. code-block:: python\n   :caption: myapp/models.py\n\n"
        "   from imagekit.models import NoSuchField\n\n"
        ".. code-block:: pycon\n\n   >>> 1 + 1\n   2\n"
    )
    with pytest.raises(pytest.fail.Exception, match="NoSuchField"):
        play_page(page, tmp_path / "work")


def test_hash_placeholders_match_only_hex_digests():
    expected = "'CACHE/images/avatars/alice/<hash>.jpg'"
    assert expected_output_matches(expected, f"'CACHE/images/avatars/alice/{'0f' * 16}.jpg'")
    assert not expected_output_matches(expected, "'CACHE/images/avatars/alice/xyz.jpg'")


# -- The reference is complete ---------------------------------------------------


def test_every_setting_has_an_entry_in_the_settings_reference():
    from imagekit.conf import ImageKitConf

    reference = (DOCS_DIR / "reference" / "settings.rst").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\.\. setting:: (IMAGEKIT_\w+)\s*$", reference, re.M))
    # Read with getattr(settings, ...) rather than through django-appconf.
    plain = {"IMAGEKIT_DEFAULT_THUMBNAIL_FORMAT", "IMAGEKIT_DEFAULT_THUMBNAIL_SRCSET_SCALES"}
    settings = set(ImageKitConf._meta.names.values()) | plain
    assert sorted(settings - documented) == []

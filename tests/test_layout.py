"""The layout shows the pipeline, and stays that way: stages import only the stages below them,
nothing imports in a circle, __init__ files only re-export, modules stay small, and each
third-party library lives in the one module (or package) named for it in docs/ARCHITECTURE.md."""

from __future__ import annotations

import ast
import functools
import re
import sys
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "audio_edition"
ARCHITECTURE = PACKAGE.parent / "docs" / "ARCHITECTURE.md"

# Bottom to top: a module may import from its own layer and the layers before it, never after.
LAYERS = ["ground", "storage", "ingest", "text", "speech", "audio", "episode", "pipeline", "runners", "publish",
          "inbox", "cli"]
GROUND = {"__init__", "errors", "models", "settings", "languages"}
MAX_LINES = 400

# Where each third-party library may be imported: a module, or a package (a folder) for the few
# that are a whole stage's vocabulary (lxml's trees for the HTML readers, typer and rich for the
# command line). A library not listed here may not be imported at all.
LIBRARY_HOMES = {
    "PIL": {"episode/cover.py"},
    "anyascii": {"episode/naming.py"},
    "charset_normalizer": {"ingest/decode.py"},
    "click": {"cli/"},
    "distributed": {"runners/dask.py"},
    "dask": {"runners/dask.py"},  # dask.config: the TLS settings
    "espeakng_loader": {"speech/engines/espeak.py"},
    "feedgen": {"publish/feed.py"},
    "feedparser": {"ingest/feeds.py"},
    "gtts": {"speech/engines/gtts.py"},
    "imageio_ffmpeg": {"audio/toolchain.py"},
    "jinja2": {"publish/site.py"},
    "langcodes": {"episode/tags.py"},
    "lxml": {"ingest/", "publish/feed.py"},
    "markdown_it": {"ingest/markdown.py"},
    "mdit_py_plugins": {"ingest/markdown.py"},
    "miniaudio": {"audio/mp3.py"},
    "mutagen": {"episode/tags.py"},
    "num2words": {"text/numbers.py"},
    "onnxruntime": {"speech/engines/piper.py"},
    "piper": {"speech/engines/piper.py"},
    "numpy": {"speech/engines/piper.py"},  # piper-tts's own: the model's inputs and outputs
    "platformdirs": {"storage/cache.py"},
    "pycld2": {"text/language.py"},
    "pydub": {"audio/segments.py"},
    "readability": {"ingest/readable.py"},
    "requests": {"ingest/web.py", "speech/engines/gtts.py"},  # pages and feeds; gTTS's own HTTP layer
    "rich": {"cli/"},
    "snowballstemmer": {"text/language.py"},
    "starlette": {"inbox/app.py"},
    "tomli_w": {"publish/show.py"},
    "trafilatura": {"ingest/extract.py"},
    "typer": {"cli/"},
    "urllib3": {"ingest/web.py"},
    "uvicorn": {"inbox/service.py"},
    "yaml": {"ingest/markdown.py"},
}


@functools.cache
def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


@functools.cache
def imports(path: Path) -> list[tuple[str, int]]:
    """Every module this file imports, anywhere in it (functions and TYPE_CHECKING blocks too),
    with the line: ``from a.b import c`` counts as a.b.c when that is a module, else a.b."""
    known = modules()
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.append((full if full in known else node.module, node.lineno))
    return out


def layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in GROUND:
        return 0
    if parts[1] == "__main__":
        return LAYERS.index("cli")
    return LAYERS.index(parts[1])


def test_every_package_has_a_layer() -> None:
    stages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    top_modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert stages <= set(LAYERS) | GROUND, "a stage package the layout does not know: add it to LAYERS"
    assert top_modules <= GROUND | {"__main__"}, "stage work belongs in a stage's package, not at the top level"


def test_imports_only_go_down_the_pipeline() -> None:
    upward = []
    for name, path in modules().items():
        for imported, line in imports(path):
            if imported.split(".")[0] == "audio_edition" and layer(imported) > layer(name):
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {name} ({LAYERS[layer(name)]}) "
                              f"imports {imported} ({LAYERS[layer(imported)]})")
    assert not upward, "\n".join(upward)


def test_no_module_imports_itself_in_a_circle() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    known = modules()
    for name, path in known.items():
        for imported, _ in imports(path):
            # a module importing its own package's re-exports is no cycle of code
            if imported in known and imported != name and not name.startswith(imported + "."):
                graph[name].add(imported)
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(known):
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(cycles)


def test_init_files_only_re_export() -> None:
    """Logic lives in modules named for it; a package's __init__ holds a docstring, imports and
    __all__ (and the top one, the version)."""
    for path in PACKAGE.rglob("__init__.py"):
        for node in ast.parse(path.read_text()).body:
            docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            names = [t.id for t in node.targets if isinstance(t, ast.Name)] if isinstance(node, ast.Assign) else []
            assert (docstring or isinstance(node, (ast.Import, ast.ImportFrom))
                    or names in (["__all__"], ["__version__"])), \
                f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: logic in an __init__ file"


def test_modules_stay_small() -> None:
    long = [f"{path.relative_to(PACKAGE.parent)}: {lines} lines" for path in sorted(PACKAGE.rglob("*.py"))
            if (lines := len(path.read_text().splitlines())) > MAX_LINES]
    assert not long, f"past {MAX_LINES} lines, split them: " + ", ".join(long)


def test_each_library_lives_where_the_architecture_says() -> None:
    standard = set(sys.stdlib_module_names) | {"__future__", "audio_edition"}
    strays = []
    for path in PACKAGE.rglob("*.py"):
        where = path.relative_to(PACKAGE).as_posix()
        for imported, line in imports(path):
            top = imported.split(".")[0]
            if top in standard:
                continue
            homes = LIBRARY_HOMES.get(top, set())
            if not any(where == home or (home.endswith("/") and where.startswith(home)) for home in homes):
                strays.append(f"{where}:{line} imports {top} (its home: {', '.join(sorted(homes)) or 'none yet'})")
    assert not strays, "\n".join(strays)


def test_the_architecture_note_gives_each_library_the_home_the_layout_allows() -> None:
    """Its table of libraries and homes says exactly what LIBRARY_HOMES allows, row by row."""
    said: dict[str, set[str]] = {}
    table = ARCHITECTURE.read_text().split("## Where each third-party library lives", 1)[1].split("\n## ", 1)[0]
    for row in table.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in ("library", "---"):
            continue
        homes = set(re.findall(r"`([^`]+)`", cells[1]))
        for library in (name.strip() for name in cells[0].split(",")):
            said[library] = homes
    assert said == LIBRARY_HOMES

"""The rules the suite keeps for itself: CI runs the README's test command, and in CI nothing
skips, while elsewhere a missing tool is a skip that says how to install it."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

pytest_plugins = ["pytester"]


def test_ci_runs_the_readmes_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if line.startswith("python3 -m pip install -e"))
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert script[-1] == command and "export CI=true" in script
    assert "python3 -m pytest" in command and "ruff check ." in command and "mypy" in command


@pytest.mark.slow  # a pytest run of its own
@pytest.mark.parametrize("ci, outcome", [("true", "failed"), ("", "skipped")])
def test_a_missing_tool_skips_with_how_to_install_it_but_fails_in_ci(pytester: pytest.Pytester, ci: str, outcome: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Through a pytest run of its own, with this suite's conftest and its hook, in and out of CI."""
    pytester.makeconftest(f"""
        import importlib.util
        import sys

        sys.path.insert(0, {str(TESTS)!r})
        spec = importlib.util.spec_from_file_location("project_conftest", {str(TESTS / "conftest.py")!r})
        project = importlib.util.module_from_spec(spec)
        sys.modules["project_conftest"] = project
        spec.loader.exec_module(project)
        pytest_runtest_makereport = project.pytest_runtest_makereport
    """)
    pytester.makepyfile(test_needs_a_tool="""
        from project_conftest import require_tool

        def test_it():
            require_tool("no-such-tool-anywhere", "no-such-package")
    """)
    monkeypatch.setenv("CI", ci)
    result = pytester.runpytest_subprocess("-rsf", "-p", "no:cacheprovider")
    result.assert_outcomes(**{outcome: 1})
    assert "scripts/install_test_tools.py (Debian's no-such-package)" in result.stdout.str()

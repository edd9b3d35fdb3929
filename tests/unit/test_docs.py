"""The documentation: README.md (the landing page) and the site built from ``docs/``.

* the site builds with ``mkdocs build --strict``: a broken link or anchor, a page missing
  from the navigation, a page the navigation names that is missing, an embedded file
  (``--8<--``) that moved, or an API name that no longer resolves fails;
* the README stays a landing page whose two commands are the ones CI and users run, and
  whose links lead to pages that exist;
* generated tables and the API page follow the code;
* the examples install the way the docs say.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml
from mt_tasks_table import TASKS_PAGE, tasks_table

import pytest_multitrust

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
#: Generated from the option records by the settings code, not written by hand.
OPTIONS_PAGE = DOCS / "reference" / "options.md"

#: The README's two commands, exactly as users copy them.
RUN_COMMAND = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install -c constraints-cpu.txt . && "
    '(cd "$(mktemp -d)" && pytest --mllm=tiny-llava --mt-limit=4)'
)
TEST_COMMAND = (
    "python3 -m venv .venv && . .venv/bin/activate && "
    'pip install -c constraints-cpu.txt -e ".[test]" && pytest'
)
#: How a CPU-only machine that reaches only the public index gets torch (README, docs).
CPU_TORCH = "pip install torch --index-url https://download.pytorch.org/whl/cpu"


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    # the options page is generated from the option records (tests/unit/core/
    # test_options_reference.py keeps it current); a missing page is a broken site
    assert OPTIONS_PAGE.is_file(), f"{OPTIONS_PAGE.relative_to(ROOT)} is missing"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / "index.html").is_file()
    assert (tmp_path / "examples" / "report.html").is_file()
    api = (tmp_path / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    for name in _public_names():
        assert f'id="pytest_multitrust.{name}"' in api, f"{name} is not rendered"
    for hook in _hooks():
        assert f'id="pytest_multitrust.hookspecs.{hook}"' in api, f"{hook} is not rendered"


def _public_names() -> list[str]:
    return [name for name in pytest_multitrust.__all__ if name != "__version__"]


def _hooks() -> list[str]:
    """The hook specifications, read from the source (no import needed)."""
    tree = ast.parse((ROOT / "pytest_multitrust" / "hookspecs.py").read_text(encoding="utf-8"))
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]


def test_every_page_is_in_the_navigation() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    named: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, str):
            named.add(node)
        elif isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            for child in node.values():
                walk(child)

    walk(config["nav"])
    pages = {path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md")}
    assert pages - named == set(), "pages missing from the nav of mkdocs.yml"
    assert OPTIONS_PAGE.relative_to(DOCS).as_posix() in named


def test_the_readme_is_a_landing_page_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150
    assert f"```bash\n{RUN_COMMAND}\n```" in text
    assert f"```bash\n{TEST_COMMAND}\n```" in text
    assert CPU_TORCH in text


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install, run = TEST_COMMAND.rsplit(" && ", 1)
    assert install.replace("pip install ", "pip install -q ") in script
    assert f"\n{run}\n" in script


def test_the_readme_links_lead_to_files_that_exist() -> None:
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [link for link in links if "://" not in link]
    assert any(link.startswith("docs/getting-started/ci.md") for link in local)
    for link in local:
        path, _, anchor = link.partition("#")
        target = ROOT / path
        assert target.exists(), f"README links to {link}, which does not exist"
        if anchor and target.suffix == ".md":
            assert anchor in _anchors(target), f"README links to {link}: no such heading"


def _anchors(page: Path) -> set[str]:
    """The ids mkdocs (and GitHub) give the page's headings."""
    anchors = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            slug = re.sub(r"[^\w\s-]", "", title)
            anchors.add(re.sub(r"\s+", "-", slug.strip()))
    return anchors


def test_the_tasks_table_is_current() -> None:
    page = (ROOT / TASKS_PAGE).read_text(encoding="utf-8")
    assert tasks_table() in page, "paste the output of python tests/mt_tasks_table.py"


def test_the_api_page_documents_every_public_name_and_the_hooks() -> None:
    page = (DOCS / "reference" / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^::: pytest_multitrust\.(\w+)$", page, flags=re.MULTILINE))
    assert set(_public_names()) - documented == set(), "public names missing from api.md"
    assert documented - set(_public_names()) == {"hookspecs"}, "api.md names internal names"
    assert _hooks(), "no hook specifications found"


def test_the_workflow_installs_the_way_the_docs_say() -> None:
    workflow = yaml.safe_load(
        (ROOT / "examples" / "ci" / "github-actions.yml").read_text(encoding="utf-8")
    )
    steps = {step.get("name"): step for step in workflow["jobs"]["trust"]["steps"]}
    commands = [
        line.strip()
        for line in steps["Install"]["run"].splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    # a CPU runner reaches only the public index: the CPU build of torch first (docs:
    # "1. Install and run"), then the plugin from its source, without the constraints file
    assert commands[0] == CPU_TORCH
    assert len(commands) == 2
    install = shlex.split(commands[1])
    assert install[:2] == ["pip", "install"]
    assert install[2].startswith("pytest-multitrust @ git+https://")
    assert "-c" not in install
    first_run = (DOCS / "getting-started" / "first-run.md").read_text(encoding="utf-8")
    assert CPU_TORCH in first_run
    assert "without `-c constraints-cpu.txt`" in first_run
    # the tutorial embeds the workflow and the suite's configuration as they are
    ci = (DOCS / "getting-started" / "ci.md").read_text(encoding="utf-8")
    assert '--8<-- "examples/ci/github-actions.yml"' in ci
    assert '--8<-- "examples/team-suite/pyproject.toml"' in ci


def test_the_team_suite_installs_the_way_the_readme_says() -> None:
    suite = (ROOT / "examples" / "team-suite" / "README.md").read_text(encoding="utf-8")
    assert "`pip install -c constraints-cpu.txt .`" in suite
    assert "pip install -c constraints-cpu.txt ." in RUN_COMMAND

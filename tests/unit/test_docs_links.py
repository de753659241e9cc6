"""The documentation's links resolve in a clone, and the design is cited from inside it.

docs/design.md holds the contracts the product implements (issue 10 item 7); README.md and
docs/*.md point to it and to each other with relative Markdown links, often with a section
anchor. A clone must hold every target: a link to a missing file, to a file outside the
repository or to a heading that does not exist fails here, with the file and line named.

Links are found by a CommonMark parser (markdown-it-py), so text in code spans and fenced
blocks (the mermaid diagrams) is never taken for a link. Anchors follow GitHub's rule for
headings: the heading's text as rendered (no backticks or emphasis marks) in lower case,
every character other than a letter, digit, underscore, hyphen or space removed, every
space made '-', and a repeated anchor suffixed -1, -2, ... in document order.

No file may cite the design kept outside the repository (``../shared/``), neither by its
path nor by its bare upper-case name as in "DESIGN §6"; docs/design.md is spelled in lower
case, and identifiers such as ``DESIGN_SCHEMA`` are not citations.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
DESIGN = ROOT / "docs" / "design.md"
SKIPPED_DIRECTORIES = frozenset(
    {".git", ".venv", "node_modules", "cdk.out"}
    # generated, and ignored by git: caches, local run reports, build output
    | {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"}
    | {"reports", "build"}
)
SHARED_DESIGN_CITATION = re.compile(r"shared/DESIGN\.md|\bDESIGN\b")
URL_WITH_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_NOT_IN_ANCHORS = re.compile(r"[^\w\- ]")
_MARKDOWN = MarkdownIt("commonmark").enable("table")


@dataclass(frozen=True)
class Link:
    line: int
    target: str


def github_anchor(heading_text: str) -> str:
    """The anchor GitHub gives a heading with this rendered text (before de-duplication)."""
    return _NOT_IN_ANCHORS.sub("", heading_text.lower()).replace(" ", "-")


def _tokens(document: Path) -> list[Token]:
    return _MARKDOWN.parse(document.read_text("utf-8"))


def _rendered_text(inline: Token) -> str:
    parts = []
    for child in inline.children or []:
        if child.type in {"text", "code_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
    return "".join(parts)


@functools.cache
def heading_anchors(document: Path) -> frozenset[str]:
    """Every heading anchor of a Markdown file, repeated ones suffixed as GitHub does."""
    tokens = _tokens(document)
    seen: dict[str, int] = {}
    anchors = set()
    for opening, inline in itertools.pairwise(tokens):
        if opening.type != "heading_open":
            continue
        anchor = github_anchor(_rendered_text(inline))
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        anchors.add(anchor if count == 0 else f"{anchor}-{count}")
    return frozenset(anchors)


def links(document: Path) -> Iterator[Link]:
    """Every link and image target of a Markdown file, with the line of its block."""
    for block in _tokens(document):
        line = block.map[0] + 1 if block.map else 0
        for child in block.children or []:
            target = child.attrGet("href") if child.type == "link_open" else None
            target = child.attrGet("src") if child.type == "image" else target
            if isinstance(target, str):
                yield Link(line, target)


def broken_links(document: Path, root: Path) -> list[str]:
    """One line per relative link of ``document`` whose file or heading is missing."""
    problems = []
    for link in links(document):
        if URL_WITH_SCHEME.match(link.target):
            continue  # http(s), mailto: not this test's business
        path_part, _, fragment = link.target.partition("#")
        path_part, fragment = unquote(path_part), unquote(fragment)
        if path_part.startswith("/"):
            target = root / path_part.lstrip("/")
        elif path_part:
            target = Path(os.path.normpath(document.parent / path_part))
        else:
            target = document
        where = f"{document.relative_to(root)}:{link.line}: link ({link.target})"
        if not target.is_relative_to(root):
            problems.append(f"{where} points outside the repository")
        elif not target.exists():
            problems.append(f"{where}: {target.relative_to(root)} does not exist")
        elif fragment and target.suffix == ".md" and fragment not in heading_anchors(target):
            problems.append(
                f"{where}: {target.relative_to(root)} has no heading with anchor #{fragment}"
            )
    return problems


def repository_files(root: Path) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [
            name
            for name in subdirectories
            if name not in SKIPPED_DIRECTORIES and not name.endswith(".egg-info")
        ]
        for name in files:
            if name != ".git":  # a worktree's .git is a file
                yield Path(directory) / name


def shared_design_citations(root: Path, exclude: frozenset[Path] = frozenset()) -> list[str]:
    """``path:line: text`` of every line in the repository that cites the shared design."""
    citations = []
    for path in sorted(repository_files(root)):
        if path in exclude or not path.is_file():  # sockets, dangling symlinks
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:  # binary files cite nothing
            continue
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if SHARED_DESIGN_CITATION.search(line):
                citations.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return citations


def _seed_name_lists_in_design() -> dict[str, list[str]]:
    blocks = [
        token.content
        for token in _tokens(DESIGN)
        if token.type == "fence" and token.info == "json" and "first_names" in token.content
    ]
    assert len(blocks) == 1, "docs/design.md §4.2 holds the seed name lists in one json block"
    lists: dict[str, list[str]] = json.loads(blocks[0])
    return lists


# --- the checker itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("1. The job", "1-the-job"),
        (
            "2. Reference source schema (Redshift; Postgres stands in locally)",
            "2-reference-source-schema-redshift-postgres-stands-in-locally",
        ),
        ("4.6 Privacy gate (fails closed)", "46-privacy-gate-fails-closed"),
        ("JOBP.ARTRAIN_IMS_REFRESH → reset", "jobpartrain_ims_refresh--reset"),
        ("Re-running a failed config", "re-running-a-failed-config"),
    ],
)
def test_anchors_follow_githubs_rule(heading: str, anchor: str) -> None:
    assert github_anchor(heading) == anchor


def test_anchors_come_from_rendered_heading_text_and_repeats_are_numbered(tmp_path: Path) -> None:
    # Given headings with code, emphasis, a link, repeats, and a heading-like line in a fence
    document = tmp_path / "doc.md"
    document.write_text(
        "# Tests\n\n## Tests\n\n### Tests\n\n## Steps (`statemachines/reset.asl.json`)\n\n"
        "## **Bold** and [linked](x.md) words\n\n```sh\n# not a heading\n```\n",
        "utf-8",
    )

    # When its anchors are taken
    anchors = heading_anchors(document)

    # Then they are GitHub's, the fenced line is none of them
    assert anchors == {
        "tests",
        "tests-1",
        "tests-2",
        "steps-statemachinesresetasljson",
        "bold-and-linked-words",
    }


def test_the_checker_reports_missing_files_anchors_and_links_out_of_the_repository(
    tmp_path: Path,
) -> None:
    # Given a repository whose README has good and bad links, some only in code
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n\n## 6. Exit codes\n", "utf-8")
    (tmp_path / "chart.png").write_bytes(b"\x89PNG")
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Read me\n\n"
        "[good](docs/guide.md#6-exit-codes) [file](docs/guide.md) [self](#read-me)\n"
        "![chart](chart.png) [web](https://example.com/x.md#nowhere) <mailto:a@example.com>\n\n"
        "[gone](docs/missing.md)\n\n"
        "[no anchor](docs/guide.md#7-architecture)\n\n"
        "| table | cell |\n|---|---|\n| [bad self](#nothing-here) | x |\n\n"
        "[outside](../shared/guide.md)\n\n"
        "`[code span](docs/missing.md)`\n\n```\n[fenced](docs/missing.md)\n```\n",
        "utf-8",
    )

    # When its links are checked
    problems = broken_links(readme, tmp_path)

    # Then exactly the four bad links are reported, each with the line it is on
    assert problems == [
        "README.md:6: link (docs/missing.md): docs/missing.md does not exist",
        "README.md:8: link (docs/guide.md#7-architecture): docs/guide.md has no heading "
        "with anchor #7-architecture",
        "README.md:12: link (#nothing-here): README.md has no heading with anchor #nothing-here",
        "README.md:14: link (../shared/guide.md) points outside the repository",
    ]


def test_the_scan_finds_citations_of_the_shared_design_only(tmp_path: Path) -> None:
    # Given files that cite the shared design, files that cite docs/design.md, and
    # a citation inside a skipped directory
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "cited.py").write_text('"""Exit codes (DESIGN §6)."""\n', "utf-8")
    (tmp_path / "README.md").write_text("see `../shared/DESIGN.md`\n", "utf-8")
    (tmp_path / "src" / "fine.py").write_text(
        '"""Exit codes (docs/design.md §6)."""\nDESIGN_SCHEMA = {}\n', "utf-8"
    )
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.js").write_text("// DESIGN §1\n", "utf-8")

    # When the repository is scanned
    citations = shared_design_citations(tmp_path)

    # Then only the two citations outside skipped directories are found
    assert citations == [
        "README.md:1: see `../shared/DESIGN.md`",
        'src/cited.py:1: """Exit codes (DESIGN §6)."""',
    ]


# --- the repository -----------------------------------------------------------------------


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_relative_links_of_the_documentation_resolve(document: Path) -> None:
    assert broken_links(document, ROOT) == []


def test_the_readme_links_the_design() -> None:
    # Given / When: the files the README links to
    targets = {link.target.partition("#")[0] for link in links(ROOT / "README.md")}

    # Then the design is one of them (it is in "Further reading")
    assert "docs/design.md" in targets


def test_no_file_cites_the_design_outside_the_repository() -> None:
    this_file = Path(__file__).resolve()
    assert shared_design_citations(ROOT, exclude=frozenset({this_file})) == []


def test_the_packaged_seed_name_lists_equal_the_design() -> None:
    # Given the seed name lists that docs/design.md §4.2 spells out
    in_design = _seed_name_lists_in_design()

    # When every seed_names.json in the repository is read
    packaged = [path for path in repository_files(ROOT) if path.name == "seed_names.json"]

    # Then there is one at least, and each holds the same lists in the same order
    assert packaged, "no seed_names.json in the repository"
    for path in packaged:
        assert json.loads(path.read_text("utf-8")) == in_design, path.relative_to(ROOT)

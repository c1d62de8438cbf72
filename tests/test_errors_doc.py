"""docs/errors.md against the rule catalog: one section per rule, and every YAML example in a
section still breaks that rule, so the page cannot drift from the code.

A section's examples are the ```yaml blocks before its **Fix**; the snippets after it are
fragments of the fixed files and are not validated.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from modelcar_dsl.diagnostics.catalog import RULES
from modelcar_dsl.reading.validate_files import report_line, validate_files

DOC = Path(__file__).resolve().parent.parent / "docs" / "errors.md"
HEADING = re.compile(r"^## (.*)$", re.MULTILINE)
YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```$", re.MULTILINE | re.DOTALL)
TEXT_BLOCK = re.compile(r"^```text\n(.*?)^```$", re.MULTILINE | re.DOTALL)
FIX = "**Fix**"
FILE_HEADER = re.compile(r"\A# file: (\S+)\n")


def doc_sections() -> list[tuple[str, str]]:
    """(heading, body) of every `## ` section of docs/errors.md, in order."""
    text = DOC.read_text(encoding="utf-8")
    headings = list(HEADING.finditer(text))
    ends = [match.start() for match in headings[1:]] + [len(text)]
    return [
        (match.group(1).strip(), text[match.end() : end])
        for match, end in zip(headings, ends, strict=True)
    ]


def yaml_examples(body: str) -> list[str]:
    """The ```yaml blocks of a section that come before its **Fix**."""
    return YAML_BLOCK.findall(body.split(FIX, 1)[0])


def example_trees(body: str) -> list[dict[str, str]]:
    """Each example as file name -> text: a block of its own is `example.yaml`; the blocks
    naming their file in a first line `# file: NAME` make one example of several files."""
    trees: list[dict[str, str]] = []
    named: dict[str, str] = {}
    for example in yaml_examples(body):
        header = FILE_HEADER.match(example)
        if header:
            named[header[1]] = example
        else:
            trees.append({"example.yaml": example})
    return trees + ([named] if named else [])


SECTIONS = doc_sections()


def test_every_rule_has_exactly_one_section() -> None:
    """A problem's `[rule-id]` must lead the reader to one section: none missing, none twice,
    none for a rule that does not exist."""
    headings = [heading for heading, _ in SECTIONS]
    assert sorted({heading for heading in headings if headings.count(heading) > 1}) == []
    assert sorted(set(RULES) - set(headings)) == [], "rules without a section"
    assert sorted(set(headings) - set(RULES)) == [], "sections for unknown rules"


def test_sections_follow_the_catalog() -> None:
    """The page lists the rules in the catalog's order, so a new rule has one obvious place."""
    assert [heading for heading, _ in SECTIONS] == list(RULES)


def test_every_section_opens_with_its_rule_title() -> None:
    """The catalog's title (also shown by tools reading the JSON) and the page say the same."""
    for heading, body in SECTIONS:
        assert body.lstrip().startswith(RULES[heading].title), heading


@pytest.mark.parametrize(("rule", "body"), SECTIONS, ids=[heading for heading, _ in SECTIONS])
def test_yaml_examples_break_their_rule(rule: str, body: str, tmp_path: Path) -> None:
    """Each YAML example, saved as a file and validated, reports the rule of its section; a
    rule only the Python DSL can break has no YAML example to run."""
    examples = yaml_examples(body)
    known = RULES.get(rule)
    if known is not None and known.origin == "dsl":
        assert examples == [], f"{rule} is a Python DSL rule; no YAML can break it"
        pytest.skip("Python DSL only: no YAML example")
    assert examples, f"section {rule} has no ```yaml example before its {FIX}"
    printed: set[str] = set()
    names = {"example.yaml"}
    for number, tree in enumerate(example_trees(body)):
        directory = tmp_path / str(number)
        for name, text in tree.items():
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            (directory / name).write_text(text, encoding="utf-8")
        names |= set(tree)
        report = validate_files([directory / "example.yaml"] if len(tree) == 1 else [directory])
        found = sorted({problem.rule for problem in report.problems})
        assert rule in found, f"example {number} of {rule} reports {found}:\n{report.as_text()}"
        printed |= {_as_printed(report_line(problem), directory) for problem in report.problems}
    shown = [
        line
        for block in TEXT_BLOCK.findall(body.split(FIX, 1)[0])
        for line in block.splitlines()
        if line.split(":", 1)[0] in names
    ]
    assert sorted(set(shown) - printed) == [], "the page shows output the tool does not print"


def _as_printed(line: str, directory: Path) -> str:
    """A problem as the page shows it: validated from the example's own directory."""
    return line.replace(f"{directory}/", "")

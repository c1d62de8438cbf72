"""Steps share code through library files: the script sources (bash) or imports (Python) them
beside it, the compiler inlines them once, and every problem still names the file and line it
was written on. The compiled scripts run on their own, and so do the files in the checkout."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from modelcar_dsl.authoring.script_source import assemble_script
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation
from tests.conftest import MiniProject

CODE = """\
from modelcar_dsl import pipeline, pipeline_run, script_step, task


@task(image="registry.example/tools:1")
def greet(who: str = "world") -> list:
    \"\"\"Greets.\"\"\"
    return [script_step("greet.sh"), script_step("greet.py", name="py")]  # <- here


@pipeline()
def flow() -> None:
    greet()


run = pipeline_run("flow-run", flow)
"""

GREET_SH = """\
#!/usr/bin/env bash
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/words.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/words.sh"
# shellcheck source=SCRIPTDIR/lib/shout.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/shout.sh"
shout "$(greeting "${WHO:-world}")"
"""
WORDS_SH = """\
# shellcheck shell=bash
greeting() { printf 'hello %s' "$1"; }
"""
SHOUT_SH = """\
# shellcheck shell=bash
# shellcheck source=SCRIPTDIR/words.sh
source "$(dirname "${BASH_SOURCE[0]}")/words.sh"
shout() { printf '%s!\\n' "${1^^}"; }
"""
GREET_PY = """\
#!/usr/bin/env python3
\"\"\"Greets from Python.\"\"\"

from __future__ import annotations

import os

from flows.lib.words import (
    greeting,
)

if __name__ == "__main__":
    print(greeting(os.environ.get("WHO", "world")))
"""
WORDS_PY = """\
\"\"\"Words the steps share.\"\"\"

import textwrap


def greeting(who: str) -> str:
    return textwrap.dedent(f"hello {who} from python")
"""


def _project(mini_project: Callable[..., MiniProject], **files: str) -> MiniProject:
    project = mini_project(CODE)
    flows = project.root / "flows"
    (flows / "lib").mkdir()
    (flows / "lib" / "__init__.py").write_text("")
    contents = {
        "greet.sh": GREET_SH,
        "greet.py": GREET_PY,
        "lib/words.sh": WORDS_SH,
        "lib/shout.sh": SHOUT_SH,
        "lib/words.py": WORDS_PY,
        **files,
    }
    for name, text in contents.items():
        (flows / name).write_text(text)
    return project


def _scripts(project: MiniProject) -> list[str]:
    task = yaml.safe_load((project.out / "01-tasks" / "task-greet.yaml").read_text())
    return [step["script"] for step in task["spec"]["steps"]]


def test_libraries_are_inlined_once_and_the_result_runs_alone(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    project = _project(mini_project)
    result = project.compile()
    assert result.exit_code == 0, result.stderr
    bash, python = _scripts(project)
    assert "source " not in bash
    assert bash.count("greeting() {") == 1, "words.sh is sourced twice but inlined once"
    assert "# modelcar-dsl: inlined lib/shout.sh here" in bash
    assert "from flows.lib" not in python
    assert "# modelcar-dsl: inlined lib/words.py here" in python
    alone = tmp_path / "alone"
    alone.mkdir()
    for name, script, interpreter in (("s.sh", bash, "bash"), ("s.py", python, sys.executable)):
        (alone / name).write_text(script)
        completed = subprocess.run(
            [interpreter, str(alone / name)],
            capture_output=True,
            text=True,
            cwd=alone,
            env={"WHO": "pod", "PATH": "/usr/bin:/bin"},
            check=True,
        )
        assert completed.stdout in ("HELLO POD!\n", "hello pod from python\n")


def test_the_script_in_the_checkout_runs_with_its_libraries(
    mini_project: Callable[..., MiniProject],
) -> None:
    """The same file runs on a laptop: bash sources the library beside it."""
    project = _project(mini_project)
    completed = subprocess.run(
        ["bash", str(project.root / "flows" / "greet.sh")],
        capture_output=True,
        text=True,
        env={"WHO": "laptop", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert completed.stdout == "HELLO LAPTOP!\n"


def test_a_problem_in_a_library_names_the_library_line(
    mini_project: Callable[..., MiniProject],
) -> None:
    project = _project(
        mini_project,
        **{"lib/shout.sh": SHOUT_SH + 'echo "$(params.who)"\n'},
    )
    result = project.compile()
    assert result.exit_code == 2
    assert f"flows/main.py:{project.line_of('# <- here')}:" in result.stderr
    assert "flows/lib/shout.sh:5 contains $(params.who)" in result.stderr


def test_a_missing_library_is_named_with_the_script(
    mini_project: Callable[..., MiniProject],
) -> None:
    project = _project(
        mini_project, **{"greet.sh": GREET_SH.replace("lib/words.sh", "lib/missing.sh")}
    )
    result = project.compile()
    assert result.exit_code == 2
    assert "flows/greet.sh:4: sources lib/missing.sh, which is not a file beside it" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_a_python_library_with_a_future_import_is_refused(
    mini_project: Callable[..., MiniProject],
) -> None:
    project = _project(
        mini_project, **{"lib/words.py": "from __future__ import annotations\n" + WORDS_PY}
    )
    result = project.compile()
    assert result.exit_code == 2
    assert "flows/lib/words.py:1: a `from __future__` import cannot follow" in result.stderr


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("greet.py", GREET_PY.replace("import (\n    greeting,\n)", "import greeting as hi"), 8),
        ("greet.py", GREET_PY.replace("from flows.lib.words import", "from flows.lib import"), 8),
        (
            "greet.py",
            GREET_PY + "\ndef later() -> None:\n    from flows.lib.words import greeting\n",
            16,
        ),
        (
            "greet.py",
            GREET_PY.replace(
                "from flows.lib.words import (",
                "import flows.lib.words\nfrom flows.lib.words import (",
            ),
            8,
        ),
        ("greet.sh", GREET_SH.replace("set -euo pipefail\n", "set -euo pipefail\necho start\n"), 5),
        ("greet.sh", GREET_SH.replace('"${BASH_SOURCE[0]}"', '"$0"', 1), 4),
        (
            "greet.sh",
            GREET_SH + 'helper() {\n  source "$(dirname "${BASH_SOURCE[0]}")/lib/words.sh"\n}\n',
            9,
        ),
    ],
    ids=[
        "python alias",
        "python module object",
        "python import in a function",
        "python plain import",
        "bash after a command",
        "bash $0",
        "bash in a function",
    ],
)
def test_a_library_used_in_a_form_inlining_would_change_is_refused(
    mini_project: Callable[..., MiniProject], name: str, text: str, line: int
) -> None:
    """Each works in the checkout; inlined, each would fail in the pod or run differently."""
    project = _project(mini_project, **{name: text})
    result = project.compile()
    assert result.exit_code == 2, result.stderr
    assert f"flows/{name}:{line}: " in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "text", "clash"),
    [
        ("greet.py", GREET_PY + "\n\ndef greeting(who: str) -> str:\n    return who\n", "greeting"),
        ("greet.py", GREET_PY.replace("import os\n", "import os\n\nLIMIT = 10\n"), None),
        ("greet.sh", GREET_SH + "greeting() { :; }\n", "greeting"),
    ],
    ids=["python function", "python constant beside a library without it", "bash function"],
)
def test_a_name_defined_by_the_script_and_a_library_is_refused(
    mini_project: Callable[..., MiniProject], name: str, text: str, clash: str | None
) -> None:
    """Inlined into one file, the later definition would silently replace the library's."""
    project = _project(mini_project, **{name: text})
    result = project.compile()
    if clash is None:
        assert result.exit_code == 0, result.stderr
        return
    assert result.exit_code == 2, result.stderr
    assert f"both define {clash!r}; inlined into one script, one would replace" in result.stderr


def test_a_parenthesised_import_with_comments_and_a_versioned_shebang_is_inlined(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    script = GREET_PY.replace("#!/usr/bin/env python3", "#!/usr/bin/env python3.11").replace(
        "import (\n    greeting,\n)", "import (greeting,  # the word (see lib)\n)"
    )
    project = _project(mini_project, **{"greet.py": script})
    result = project.compile()
    assert result.exit_code == 0, result.stderr
    python = _scripts(project)[1]
    assert "from flows.lib" not in python and ")\n" not in python.split("here\n", 1)[0]
    (tmp_path / "s.py").write_text(python)
    completed = subprocess.run(
        [sys.executable, str(tmp_path / "s.py")],
        capture_output=True,
        text=True,
        env={"WHO": "pod", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert completed.stdout == "hello pod from python\n"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "greet.sh",
            GREET_SH.replace('"$(dirname "${BASH_SOURCE[0]}")', '"${BASH_SOURCE[0]%/*}', 1),
            "flows/greet.sh:4: source libraries at the top of the script",
        ),
    ],
    ids=["bash source without dirname"],
)
def test_unreadable_or_unsupported_scripts_are_definition_errors(
    mini_project: Callable[..., MiniProject], name: str, text: str, message: str
) -> None:
    project = _project(mini_project, **{name: text})
    result = project.compile()
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_python_script_python_cannot_read_is_a_definition_error(tmp_path: Path) -> None:
    """Not a traceback from deep inside the compiler: the script's file and line."""
    script = tmp_path / "broken.py"
    script.write_text("#!/usr/bin/env python3\nimport os\ndef broken(:\n")
    with pytest.raises(DefinitionError, match=r"broken.py:3: Python cannot read it"):
        assemble_script(script, SourceLocation(str(tmp_path / "tasks.py"), 7))

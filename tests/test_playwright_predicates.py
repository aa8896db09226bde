"""Every script the tests and benchmarks give Playwright to run in a page is a function, never an expression.

Playwright evaluates an expression string with ``eval`` when it has to poll (``wait_for_function``) or when the
text is not a function; the pages' CSP (rightly without ``'unsafe-eval'``) refuses that, so a test written that
way passes or fails with the browser's timing and version (issue 17: 1 run in 6 of the export-recovery test).
A function string ("() => ...", "x => ...", "function ...") is compiled as a function and never needs ``eval``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("tests", "benchmarks")
# page.wait_for_function(script), page.evaluate(script), locator.evaluate(script), evaluate_handle, and the
# selector forms whose script is their second argument.
FIRST_ARG = {"wait_for_function", "evaluate", "evaluate_handle", "evaluate_all"}
SECOND_ARG = {"eval_on_selector", "eval_on_selector_all"}
FUNCTION = re.compile(
    r"^\s*(async\s+)?(function\b|\([^()]*\)\s*=>|\[[^\]]*\]\s*=>|\{[^}]*\}\s*=>|[A-Za-z_$][\w$]*\s*=>)"
)


def is_function(script: str) -> bool:
    return bool(FUNCTION.match(script))


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "string" assignments."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _text(node: ast.AST, constants: dict[str, str]) -> str | None:
    """The script's text (an f-string's leading literal part is enough to see its start), or None if unknown."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def string_predicates(source: str, name: str = "<string>") -> list[str]:
    """Each call in ``source`` that hands Playwright a script that is not a function, as "file:line: script"."""
    tree = ast.parse(source, name)
    constants = _constants(tree)
    problems = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        index = 0 if node.func.attr in FIRST_ARG else 1 if node.func.attr in SECOND_ARG else None
        if index is None or len(node.args) <= index:
            continue
        script = _text(node.args[index], constants)
        if script is not None and not is_function(script):
            problems.append(f"{name}:{node.lineno}: {script.strip()[:60]!r}")
    # Scripts kept in constants and passed through a parameter (benchmarks' READY_CHART): every constant
    # named like a page script must be a function too, except init scripts (run as a script, not evaluated).
    init = {
        n.args[0].id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "add_init_script"
        if n.args and isinstance(n.args[0], ast.Name)
    }
    for const, script in constants.items():
        if re.search(r"(^READY_|_JS$)", const) and const not in init and not is_function(script):
            problems.append(f"{name}: {const} = {script.strip()[:60]!r}")
    return problems


def test_the_scanner_finds_an_expression_string():
    # The bad sample is assembled, so that no line of this file is itself a call with an expression string.
    call = "page.wait_for_" + "function"
    bad = f'{call}("document.title === \'x\'")\npage.evaluate(f"document.body.{{x}}")\nX_JS = "1 + 1"\n'
    assert len(string_predicates(bad)) == 3
    good = (
        'page.wait_for_function("() => document.title")\npage.evaluate("els => els.length")\n'
        'page.evaluate("([a, b]) => a + b", [1, 2])\npage.eval_on_selector_all("a", "els => els.length")\n'
        'page.evaluate("async () => 1")\nX_JS = """\n(quiet) => quiet\n"""\n'
    )
    assert string_predicates(good) == []


def test_every_playwright_script_in_tests_and_benchmarks_is_a_function():
    problems = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            problems += string_predicates(path.read_text(), str(path.relative_to(ROOT)))
    assert problems == [], "pass a function ('() => ...'), not an expression:\n" + "\n".join(problems)

"""Finding guest-facing prose in code (it belongs in the template catalog)."""

from __future__ import annotations

import ast
import re

PROSE = re.compile(r"[^\W\d_]+(?:[\s,]+[^\W\d_']+){2,}", re.UNICODE)


# Calls whose string arguments are for operators or developers, never sent to a guest.
NON_GUEST_CALLS = {
    "Field",
    "error_responses",  # OpenAPI descriptions of a route's error statuses, for API clients
    "Option",
    "Argument",
    "secho",
    "echo",
    "info",
    "warning",
    "error",
    "debug",
    "exception",
    "Counter",
    "Histogram",
    "Gauge",
}


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def prose_literals(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    exempt: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                exempt.add(id(value))  # docstring
        if isinstance(node, ast.Raise) or (
            isinstance(node, ast.Call) and _call_name(node) in NON_GUEST_CALLS
        ):
            exempt.update(id(child) for child in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in exempt
        if is_text and PROSE.search(node.value):
            found.append((node.lineno, node.value))
    return found

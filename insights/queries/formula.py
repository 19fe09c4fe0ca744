"""Trends formulas (``A/B``, ``(A+B)*100``): parsed with ``ast``, never ``eval``.

Letters name series in order (case-insensitive); operators ``+ - * / % **``, unary minus and
numeric constants. Division (and modulo) by zero gives 0, as in PostHog.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from rest_framework.exceptions import ValidationError

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}


def _invalid(formula: str) -> ValidationError:
    return ValidationError(
        {"query": {"source": {"trendsFilter": {"formula": [f"Invalid formula: {formula!r}."]}}}}
    )


def compile_formula(formula: str, series_count: int) -> Callable[[list[float]], float]:
    """A function from the per-series values (A, B, ...) at one point to the formula's value."""
    try:
        tree = ast.parse(formula.strip(), mode="eval")
    except SyntaxError:
        raise _invalid(formula) from None

    def check(node: ast.AST) -> None:
        if isinstance(node, ast.Expression):
            check(node.body)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            check(node.left)
            check(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            check(node.operand)
        elif isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            pass
        elif isinstance(node, ast.Name) and len(node.id) == 1 and node.id.isalpha():
            if ord(node.id.upper()) - ord("A") >= series_count:
                raise _invalid(formula)
        else:
            raise _invalid(formula)

    check(tree)

    def evaluate(node: ast.AST, values: list[float]) -> float:
        if isinstance(node, ast.Expression):
            return evaluate(node.body, values)
        if isinstance(node, ast.BinOp):
            left, right = evaluate(node.left, values), evaluate(node.right, values)
            if isinstance(node.op, ast.Div | ast.Mod) and right == 0:
                return 0.0
            try:
                return float(_BINARY[type(node.op)](left, right))
            except (OverflowError, ZeroDivisionError):
                return 0.0
        if isinstance(node, ast.UnaryOp):
            inner = evaluate(node.operand, values)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.Constant):
            return float(node.value)  # type: ignore[arg-type]
        assert isinstance(node, ast.Name)
        return float(values[ord(node.id.upper()) - ord("A")])

    return lambda values: evaluate(tree, values)


def formulas_of(trends_filter: Any) -> list[tuple[str, str | None]]:
    """(formula, custom_name) pairs: formulaNodes, else formulas, else formula."""
    if trends_filter is None:
        return []
    if trends_filter.formulaNodes:
        return [(node.formula, node.custom_name) for node in trends_filter.formulaNodes]
    if trends_filter.formulas:
        return [(text, None) for text in trends_filter.formulas if text]
    if trends_filter.formula:
        return [(trends_filter.formula, None)]
    return []

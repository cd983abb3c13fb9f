"""The kernel imports the standard library and itself, nothing else (import-linter's
contract can only forbid a list; this checks the rule as stated)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import rempart.kernel

KERNEL = Path(rempart.kernel.__file__).parent


def test_kernel_modules_import_only_the_standard_library() -> None:
    offenders = []
    for module in sorted(KERNEL.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if (
                    top != "__future__"
                    and top not in sys.stdlib_module_names
                    and not (name.startswith("rempart.kernel"))
                ):
                    offenders.append(f"{module.name}: {name}")
    assert offenders == []

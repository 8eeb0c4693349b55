"""A script environment for diagram conditions and scripts compiled with RestrictedPython."""
from __future__ import annotations

import ast
import operator
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_globals
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, safer_getattr
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

_INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
            "//=": operator.ifloordiv, "%=": operator.imod}
_EXTRA_BUILTINS = {"len": len, "min": min, "max": max, "any": any, "all": all, "sum": sum, "sorted": sorted,
                   "list": list, "dict": dict, "set": set, "tuple": tuple}


def _inplace(op: str, x: Any, y: Any) -> Any:
    return _INPLACE[op](x, y)


class RestrictedEnvironment(TaskDataEnvironment):
    """Compile with RestrictedPython (no imports, no open, no dunder walks) and cache compiled code.

    Plain ``eval(str)`` recompiles on every call; the cache also makes conditions several times faster.
    """

    def __init__(self, functions: dict[str, Any] | None = None):
        env = dict(safe_globals)
        env["__builtins__"] = {**safe_globals["__builtins__"], **_EXTRA_BUILTINS}
        env.update(_getattr_=safer_getattr, _getitem_=default_guarded_getitem, _getiter_=default_guarded_getiter,
                   _iter_unpack_sequence_=guarded_iter_unpack_sequence, _write_=full_write_guard,
                   _inplacevar_=_inplace)
        env.update(functions or {})
        super().__init__(env)
        self._code: dict[tuple[str, str], Any] = {}

    def compile(self, source: str, mode: str):
        """Return compiled code for an expression (``eval``) or a script (``exec``).

        :raises SyntaxError: when the source is not valid restricted Python.
        """
        key = (source, mode)
        code = self._code.get(key)
        if code is None:
            result = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(source)
            if result.errors or result.code is None:
                raise SyntaxError("; ".join(result.errors) or "cannot compile")
            code = self._code[key] = result.code
        return code

    def evaluate(self, expression, context, external_context=None):
        env = dict(self.globals)
        env.update(external_context or {})
        env.update(context)
        return eval(self.compile(expression, "eval"), env)  # noqa: S307 - restricted bytecode

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        context.update(self.globals)
        context.update(external_context or {})
        try:
            exec(self.compile(script, "exec"), context)  # noqa: S102 - restricted bytecode
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


_ENVIRONMENT = RestrictedEnvironment()
SCRIPT_ENGINE = PythonScriptEngine(environment=_ENVIRONMENT)


def compile_check(source: str, mode: str) -> str | None:
    """Return an error message when ``source`` does not compile in the restricted environment, else None.

    Imports and dunder names are refused here too: at run time they would only fail later, on a citizen's ticket.
    """
    try:
        _ENVIRONMENT.compile(source, mode)
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        return str(exc)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return "imports are not allowed in diagram scripts"
        name = getattr(node, "id", None) or getattr(node, "attr", None)
        if isinstance(name, str) and name.startswith("__"):
            return f"name {name!r} is not allowed in diagram scripts"
    return None

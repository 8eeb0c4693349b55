"""A script environment for diagram conditions and scripts compiled with RestrictedPython, bounded in time and size.

Bounds, so no diagram can hang a web worker or the dry run:
- **size**: ``**``, ``*``, ``<<`` and ``pow`` are compiled into guarded calls that refuse a result past
  ``MAX_INT_BITS`` bits or ``MAX_ITEMS`` items before computing it (one such C operation could run for hours and
  cannot be interrupted); ``range`` is bounded; ``%`` formatting of text and format widths are refused;
- **time**: every evaluation runs under a watchdog that stops it after ``TIME_LIMIT_SECONDS``;
- **validation** folds constant expressions, so ``9**9**9`` is refused when the diagram is checked, never deployed.
A stopped evaluation fails the action with a message naming the element; the action rolls back.
"""
from __future__ import annotations

import ast
import ctypes
import math
import operator
import threading
import time
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_globals
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, safer_getattr
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

TIME_LIMIT_SECONDS = 1.0
MAX_INT_BITS = 4096
MAX_ITEMS = 10_000  # characters of a text, items of a list


class ScriptLimitError(Exception):
    """A script or condition went past a bound; ``message_zh`` says so to the process owner."""

    def __init__(self, message: str, message_zh: str):
        super().__init__(message)
        self.message_zh = message_zh


class _Timeout(BaseException):
    """Raised asynchronously in an evaluation past its time (a BaseException, so no script can catch it)."""


WHAT_ZH = {"a power": "乘方", "a product": "乘积", "a repetition": "重复", "a shift": "移位", "a range": "range",
            "a concatenation": "拼接"}


def _too_big(what: str) -> ScriptLimitError:
    return ScriptLimitError(f"{what} would exceed {MAX_INT_BITS} bits or {MAX_ITEMS} items",
                            f"的运算结果过大（{WHAT_ZH[what]}），超出大小限制")


def _bits(x: Any) -> float:
    return abs(x).bit_length() if isinstance(x, int) else 0


def _size(x: Any) -> int:
    return len(x) if isinstance(x, (str, bytes, list, tuple)) else 0


def _pow(x: Any, y: Any, z: Any = None) -> Any:
    if z is None and isinstance(x, int) and isinstance(y, int) and y > 0 and abs(x) > 1:
        if y * math.log2(abs(x)) > MAX_INT_BITS:
            raise _too_big("a power")
    return pow(x, y) if z is None else pow(x, y, z)


def _mul(x: Any, y: Any) -> Any:
    if isinstance(x, int) and isinstance(y, int) and _bits(x) + _bits(y) > MAX_INT_BITS:
        raise _too_big("a product")
    for seq, n in ((x, y), (y, x)):
        if _size(seq) and isinstance(n, int) and _size(seq) * n > MAX_ITEMS:
            raise _too_big("a repetition")
    return x * y


def _lshift(x: Any, y: Any) -> Any:
    if isinstance(x, int) and isinstance(y, int) and _bits(x) + y > MAX_INT_BITS:
        raise _too_big("a shift")
    return x << y


def _add(x: Any, y: Any) -> Any:
    if _size(x) + _size(y) > MAX_ITEMS:
        raise _too_big("a concatenation")
    return x + y


def _mod(x: Any, y: Any) -> Any:
    if isinstance(x, (str, bytes)):
        raise ScriptLimitError("%-formatting of text is not allowed in diagram scripts", "脚本中不能用 % 格式化文本")
    return x % y


_GUARDED = {ast.Pow: "**", ast.Mult: "*", ast.LShift: "<<", ast.Mod: "%", ast.Add: "+"}
_BINOP = {"**": _pow, "*": _mul, "<<": _lshift, "%": _mod, "+": _add}


def _binop(op: str, x: Any, y: Any) -> Any:
    return _BINOP[op](x, y)


def _range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_ITEMS:
        raise _too_big("a range")
    return r


_INPLACE = {"+=": _add, "-=": operator.isub, "*=": _mul, "/=": operator.itruediv,
            "//=": operator.ifloordiv, "%=": _mod, "**=": _pow, "<<=": _lshift}
_EXTRA_BUILTINS = {"len": len, "min": min, "max": max, "any": any, "all": all, "sum": sum, "sorted": sorted,
                   "list": list, "dict": dict, "set": set, "tuple": tuple, "pow": _pow, "range": _range}
# Methods of text that allocate as much as a number asks for, in one C call.
_PADDING = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "format", "format_map"})


def _inplace(op: str, x: Any, y: Any) -> Any:
    return _INPLACE[op](x, y)


def _getattr(obj: Any, name: str, *default: Any) -> Any:
    if name in _PADDING and isinstance(obj, (str, bytes)):
        raise ScriptLimitError(f"str.{name} is not allowed in diagram scripts", f"脚本中不能使用文本的 {name} 方法")
    return safer_getattr(obj, name, *default)


class _BoundedPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus guarded ``** * << % +`` and no format specifications."""

    def visit_BinOp(self, node: ast.BinOp):
        node = self.node_contents_visit(node)
        op = _GUARDED.get(type(node.op))
        if op is None:
            return node
        call = ast.Call(func=ast.Name("_binop_", ast.Load()), args=[ast.Constant(op), node.left, node.right],
                        keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_FormattedValue(self, node: ast.FormattedValue):
        if node.format_spec is not None:
            self.error(node, "format specifications are not allowed in diagram scripts")
        return self.node_contents_visit(node)


class _Watchdog:
    """One thread stopping evaluations past their deadline (an asynchronous exception in the evaluating thread)."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._active: dict[int, list] = {}  # token -> [thread id, deadline, fired]
        self._next = 0
        self._thread: threading.Thread | None = None
        self._sleeping_until = 0.0  # when the watchdog wakes next; a later deadline need not wake it

    def start(self, seconds: float) -> int:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="script-watchdog", daemon=True)
                self._thread.start()
            self._next += 1
            deadline = time.monotonic() + seconds
            self._active[self._next] = [threading.get_ident(), deadline, False]
            if deadline < self._sleeping_until:
                self._lock.notify()
            return self._next

    def stop(self, token: int) -> bool:
        """Forget ``token``; True when it was stopped (a pending stop not yet raised is cancelled)."""
        with self._lock:
            entry = self._active.pop(token, None)
            if entry is not None and entry[2]:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(entry[0]), None)
            return bool(entry and entry[2])

    def _run(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                for entry in self._active.values():
                    if entry[1] <= now:  # again every 50 ms until it stops: a bare except may swallow one
                        entry[1], entry[2] = now + 0.05, True
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(entry[0]),
                                                                   ctypes.py_object(_Timeout))
                # Idle, it still wakes now and then, so starting an evaluation never needs to wake it.
                wake = min([e[1] for e in self._active.values()], default=now + 0.25)
                self._sleeping_until = wake
                self._lock.wait(max(0.001, wake - now))


WATCHDOG = _Watchdog()


def bounded(fn, *args, seconds: float | None = None):
    """Run ``fn(*args)``, stopped after ``seconds`` (default ``TIME_LIMIT_SECONDS``).

    :raises ScriptLimitError: when it ran out of time.
    """
    limit = TIME_LIMIT_SECONDS if seconds is None else seconds
    token, stopped = None, False
    try:
        token = WATCHDOG.start(limit)
        try:
            result = fn(*args)
        finally:
            stopped = WATCHDOG.stop(token)
            token = None
    except _Timeout:
        stopped = True
        if token is not None:
            WATCHDOG.stop(token)
    if stopped:
        raise ScriptLimitError(f"stopped after {limit:g} s", f"运行超过{limit:g}秒，已被终止")
    return result


class RestrictedEnvironment(TaskDataEnvironment):
    """Compile with RestrictedPython (no imports, no open, no dunder walks) and cache compiled code.

    Plain ``eval(str)`` recompiles on every call; the cache also makes conditions several times faster.
    """

    def __init__(self, functions: dict[str, Any] | None = None):
        env = dict(safe_globals)
        env["__builtins__"] = {**safe_globals["__builtins__"], **_EXTRA_BUILTINS}
        env.update(_getattr_=_getattr, _getitem_=default_guarded_getitem, _getiter_=default_guarded_getiter,
                   _iter_unpack_sequence_=guarded_iter_unpack_sequence, _write_=full_write_guard,
                   _inplacevar_=_inplace, _binop_=_binop)
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
            compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
            result = compiler(source, policy=_BoundedPolicy)
            if result.errors or result.code is None:
                raise SyntaxError("; ".join(result.errors) or "cannot compile")
            code = self._code[key] = result.code
        return code

    def evaluate(self, expression, context, external_context=None):
        env = dict(self.globals)
        env.update(external_context or {})
        env.update(context)
        return bounded(eval, self.compile(expression, "eval"), env)  # noqa: S307 - restricted bytecode

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        context.update(self.globals)
        context.update(external_context or {})
        try:
            bounded(exec, self.compile(script, "exec"), context)  # noqa: S102 - restricted bytecode
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


class BoundedScriptEngine(PythonScriptEngine):
    """The script engine: a bound that stops a script or condition is reported with the element that ran it."""

    def evaluate(self, task, expression, external_context=None):
        try:
            return super().evaluate(task, expression, external_context)
        except WorkflowTaskException as exc:
            raise _named(exc, task, "condition") from exc

    def execute(self, task, script, external_context=None):
        try:
            return super().execute(task, script, external_context)
        except WorkflowTaskException as exc:
            raise _named(exc, task, "script") from exc


def _named(exc: WorkflowTaskException, task, what: str) -> WorkflowTaskException:
    cause = exc.__cause__ or exc.__context__
    if not isinstance(cause, ScriptLimitError):
        return exc
    spec = task.task_spec
    element = getattr(spec, "bpmn_id", None) or spec.name
    label = getattr(spec, "bpmn_name", None) or element
    named = WorkflowTaskException(f"{what} of element {element} ({label}) stopped: {cause}", task=task,
                                  exception=cause)
    named.message_zh = f"流程环节“{label}”（{element}）的{'条件' if what == 'condition' else '脚本'}{cause.message_zh}"
    return named


_ENVIRONMENT = RestrictedEnvironment()
SCRIPT_ENGINE = BoundedScriptEngine(environment=_ENVIRONMENT)


def compile_check(source: str, mode: str) -> str | None:
    """Return an error message when ``source`` does not compile in the restricted environment, else None.

    Imports and dunder names are refused here too: at run time they would only fail later, on a citizen's ticket.
    So are constant expressions past the size bounds (``9**9**9``): they would be refused on every evaluation.
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
    try:
        _fold(tree)
    except ScriptLimitError as exc:
        return f"constant expression too large: {exc}"
    return None


_UNKNOWN = object()
_FOLD = {ast.Pow: _pow, ast.Mult: _mul, ast.LShift: _lshift, ast.Add: _add, ast.Sub: operator.sub}


def _fold(node: ast.AST) -> Any:
    """The value of a constant expression (within the bounds), or ``_UNKNOWN``; visits every subexpression.

    :raises ScriptLimitError: for a constant subexpression past the bounds.
    """
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _fold(node.operand)
        return -value if isinstance(value, (int, float)) and not isinstance(value, bool) else _UNKNOWN
    if isinstance(node, ast.BinOp):
        left, right = _fold(node.left), _fold(node.right)
        fn = _FOLD.get(type(node.op))
        if fn is None or left is _UNKNOWN or right is _UNKNOWN:
            return _UNKNOWN
        try:
            return fn(left, right)
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):
            return _UNKNOWN
    for child in ast.iter_child_nodes(node):
        _fold(child)
    return _UNKNOWN

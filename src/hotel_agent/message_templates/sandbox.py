"""The Jinja2 sandbox guest texts are rendered in. Operators edit templates, so templates are untrusted.

A template can read the variables it is given, use a curated set of Jinja filters and tests, the
locale filters (`date`, `time`, `datetime`, `money`, `number`, `plural`, `weekday`, `join_list`) and
the globals `plural`, `weekday`, `join_list`, `range`, `dict`, `cycler`, `joiner`. It cannot reach
Python internals (`SandboxedEnvironment`), mutate lists or dicts (`ImmutableSandboxedEnvironment`),
load other templates (no loader) or print `None` to a guest.

Resource limits (`RenderLimits`), enforced while rendering and not after the fact:
- `range()` is capped, and every loop iteration and every call spends from a per-render step budget,
  so nested loops over long strings or recursive macros stop instead of spinning a worker;
- `*`, `**`, `+`, `~` refuse results beyond `max_value_length` *before* computing them where the
  size is predictable (`'x' * 10**12`, `10**10**10`). Intercepting them also stops Jinja folding such
  constants at compile time, which would otherwise hang the compiler itself;
- string `%` formatting, `str.format` and the padding/replacing string methods and filters
  (`center`, `format`, `replace`, `batch`, `slice`, ...) are not available: each can turn a short
  template into gigabytes;
- output is counted as it streams out of the template, and the final text must fit WhatsApp's
  4096 characters.

Whitespace: a line holding only block tags (`{% for %}`, `{% endif %}`) disappears entirely
(`trim_blocks` + `lstrip_blocks`), but a line with text *and* a tag at its end keeps its newline.
Plain `trim_blocks` eats the newline after any block tag, so a line ending in
`total{% if few %} (1 left){% endif %}` would glue the next line onto it; `preprocess` marks such
trailing tags `+%}` (which authors may also write themselves).

- every block that Jinja joins into a value (`{% set a %}...{% endset %}`, macro bodies, `{% call %}`,
  `{% filter %}`) goes through `bounded_join`: a value longer than `max_value_length` is refused, so
  `{% set a %}{{ a }}{{ a }}{% endset %}` repeated line after line (doubling) stops at 64 KiB instead of
  exhausting memory. Jinja's own sandbox documentation leaves output size and work to the embedder; these
  limits are ours;
- an expression nested too deeply for the parser (500 parentheses) is a syntax error, not a
  RecursionError.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from types import FunctionType, MethodType
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, nodes, pass_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError
from jinja2.runtime import Context, LoopContext, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Cycler, Joiner

from hotel_agent.message_templates.errors import TemplateRenderError
from hotel_agent.message_templates.formatting import ListStyle, LocaleFormatter, Number


@dataclass(frozen=True, slots=True)
class RenderLimits:
    max_output_length: int = 4096  # WhatsApp's limit for a text message body
    max_range: int = 1000
    max_steps: int = 10_000  # loop iterations plus calls, per render
    max_value_length: int = 65_536  # longest string or list an operator may build


class LimitExceededError(SecurityError):
    """A template asked for more than `RenderLimits` allow."""


class NoneOutputError(TemplateError):
    """A placeholder evaluated to None: the guest would read "None"."""


# Builtin filters that cannot multiply the size of their input or loop on an argument.
# fmt: off
SAFE_BUILTIN_FILTERS = frozenset({
    "abs", "attr", "capitalize", "count", "d", "default", "dictsort", "first", "float", "groupby",
    "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject",
    "rejectattr", "reverse", "round", "select", "selectattr", "sort", "string", "sum", "title",
    "trim", "truncate", "unique", "upper", "wordcount",
})

# String methods a template may call: none of them makes a string longer than its input.
SAFE_STR_METHODS = frozenset({
    "capitalize", "casefold", "count", "endswith", "find", "index", "isalnum", "isalpha",
    "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "lower",
    "lstrip", "partition", "removeprefix", "removesuffix", "rfind", "rindex", "rpartition",
    "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper",
})
# fmt: on


class _RenderScope:
    __slots__ = ("formatter", "limits", "steps_left")

    def __init__(self, formatter: LocaleFormatter, limits: RenderLimits) -> None:
        self.formatter = formatter
        self.limits = limits
        self.steps_left = limits.max_steps


# Set around each render; the locale filters read their formatter from it, loops and calls spend
# from its budget. A ContextVar rather than a context variable: templates cannot see or replace it.
_SCOPE: ContextVar[_RenderScope] = ContextVar("hotel_agent_template_render")


def _spend(steps: int) -> None:
    scope = _SCOPE.get()
    scope.steps_left -= steps
    if scope.steps_left < 0:
        raise LimitExceededError(
            f"the template ran more than {scope.limits.max_steps} loop iterations and calls"
        )


def _format(method: Callable[..., str], *args: Any, **kwargs: Any) -> str:
    """Call a LocaleFormatter method with the active render's formatter."""
    try:
        return method(_SCOPE.get().formatter, *args, **kwargs)
    except Exception:
        # Name the missing variable rather than complain that "StrictUndefined is not a number".
        for argument in (*args, *kwargs.values()):
            if isinstance(argument, Undefined):
                argument._fail_with_undefined_error()
        raise


# Locale filters take the context only so Jinja never folds them into constants at compile time:
# a compiled template is shared by every locale that renders it.


@pass_context
def _date_filter(_context: Context, value: dt.date | str, format: str = "medium") -> str:
    return _format(LocaleFormatter.date, value, format)


@pass_context
def _time_filter(_context: Context, value: dt.time | dt.datetime | str, format: str = "short") -> str:
    return _format(LocaleFormatter.time, value, format)


@pass_context
def _datetime_filter(_context: Context, value: dt.datetime | str, format: str = "medium") -> str:
    return _format(LocaleFormatter.datetime, value, format)


@pass_context
def _money_filter(
    _context: Context, value: Number | str, currency: str | None = None, cents: bool = True
) -> str:
    return _format(LocaleFormatter.money, value, currency, cents=cents)


@pass_context
def _number_filter(_context: Context, value: Number | str, format: str | None = None) -> str:
    return _format(LocaleFormatter.number, value, format)


@pass_context
def _plural_filter(_context: Context, n: Number | str, **forms: str) -> str:
    return _format(LocaleFormatter.plural, n, **forms)


@pass_context
def _weekday_filter(_context: Context, value: dt.date | str, width: str = "wide") -> str:
    return _format(LocaleFormatter.weekday, value, width)


@pass_context
def _join_list_filter(_context: Context, items: Iterable[Any], style: ListStyle = "standard") -> str:
    return _format(LocaleFormatter.join_list, items, style)


def _plural(n: Number | str, **forms: str) -> str:
    return _format(LocaleFormatter.plural, n, **forms)


def _weekday(value: dt.date | str, width: str = "wide") -> str:
    return _format(LocaleFormatter.weekday, value, width)


def _join_list(items: Iterable[Any], style: ListStyle = "standard") -> str:
    return _format(LocaleFormatter.join_list, items, style)


_OWN_FUNCTIONS: frozenset[object] = frozenset((_plural, _weekday, _join_list))
_MISSING = object()
# LoopContext's public, read-only attributes.
# fmt: off
_LOOP_ATTRIBUTES = frozenset({
    "index", "index0", "revindex", "revindex0", "first", "last", "length", "depth", "depth0",
    "previtem", "nextitem", "cycle", "changed",
})
# fmt: on

LOCALE_FILTERS = {
    "date": _date_filter,
    "time": _time_filter,
    "datetime": _datetime_filter,
    "money": _money_filter,
    "number": _number_filter,
    "plural": _plural_filter,
    "weekday": _weekday_filter,
    "join_list": _join_list_filter,
}


def _refuse_none(value: Any) -> Any:
    if value is None:
        raise NoneOutputError("a placeholder evaluated to None; give it a value or use `|default('', true)`")
    return value


class _BoundedCodeGenerator(CodeGenerator):
    """Routes every for-loop's iterable and every `~` through the environment's limit checks."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        node.iter = nodes.Call(
            nodes.EnvironmentAttribute("bounded_iter"), [node.iter], [], None, None, lineno=node.lineno
        )
        super().visit_For(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class MessageEnvironment(ImmutableSandboxedEnvironment):
    """Plain-text, strict, size-bounded Jinja2 sandbox for guest messages."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, limits: RenderLimits | None = None) -> None:
        super().__init__(
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            finalize=_refuse_none,
            cache_size=0,
            auto_reload=False,
        )
        self.limits = limits or RenderLimits()
        # Generated code joins every block buffer with `environment.concat`.
        self.concat = self.bounded_join  # type: ignore[method-assign]
        self.filters = {name: f for name, f in self.filters.items() if name in SAFE_BUILTIN_FILTERS}
        self.filters.update(LOCALE_FILTERS)
        self.globals = {
            "range": self.bounded_range,
            "dict": dict,
            "cycler": Cycler,
            "joiner": Joiner,
            "plural": _plural,
            "weekday": _weekday,
            "join_list": _join_list,
        }

    # Compiling and rendering

    def preprocess(self, source: str, name: str | None = None, filename: str | None = None) -> str:
        return super().preprocess(_keep_newlines_after_inline_tags(source), name, filename)

    def compile_entry(self, text: str, *, key: str, language: str) -> Template:
        """Compile once; the result is shared by every locale that renders this text."""
        name = f"{language}/{key}"
        try:
            code = self.compile(text, name=name, filename=f"<template {name}>")
        except TemplateSyntaxError as exc:
            raise TemplateRenderError(key, language, f"syntax error: {exc.message}", line=exc.lineno) from exc
        except RecursionError as exc:
            reason = "syntax error: the template is nested too deeply"
            raise TemplateRenderError(key, language, reason) from exc
        # A plain dict, not make_globals()' ChainMap: every render copies it into a new context.
        return self.template_class.from_code(self, code, dict(self.globals), None)

    def render_entry(
        self,
        template: Template,
        context: Mapping[str, Any] | None,
        formatter: LocaleFormatter,
        *,
        key: str,
        language: str,
    ) -> str:
        """Render with `formatter`'s locale; any failure becomes a TemplateRenderError with its line."""
        limit = self.limits.max_output_length
        token = _SCOPE.set(_RenderScope(formatter, self.limits))
        try:
            chunks: list[str] = []
            size = 0
            variables = {**template.globals, **context} if context else dict(template.globals)
            for chunk in template.root_render_func(template.new_context(variables, shared=True)):
                size += len(chunk)
                # Streaming guard against runaway output; the exact check is on the stripped text.
                if size > 2 * limit:
                    raise LimitExceededError(f"the message is longer than {limit} characters")
                chunks.append(chunk)
        except Exception as exc:
            raise TemplateRenderError(
                key, language, _describe(exc), line=_template_line(exc, template)
            ) from exc
        finally:
            _SCOPE.reset(token)
        text = "".join(chunks).strip()
        if len(text) > limit:
            raise TemplateRenderError(
                key, language, f"the message is {len(text)} characters, longer than {limit}"
            )
        return text

    # Sandbox policy

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str):
            return attr in SAFE_STR_METHODS
        if isinstance(obj, int | float | Decimal):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value: Any) -> None:
        # `str.format` is refused by is_safe_attribute; Jinja would otherwise hand out a wrapper first.
        return None

    def call(
        __self,
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        _spend(1)
        own_function = type(__obj) is FunctionType and __obj in _OWN_FUNCTIONS
        if own_function or (type(__obj) is MethodType and __obj.__self__ is __self):
            # Our own globals and limit hooks: skip the safety checks and context plumbing.
            kwargs.pop("_loop_vars", None)
            kwargs.pop("_block_vars", None)
            return __obj(*args, **kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Template data arrives as dicts: `offer.name` reads the key first, without the
        # AttributeError round trip Jinja takes (a key named like a dict method wins over it).
        if type(obj) is dict:
            value = obj.get(attribute, _MISSING)
            if value is not _MISSING:
                return value
        elif type(obj) is LoopContext and attribute in _LOOP_ATTRIBUTES:
            return getattr(obj, attribute)
        return super().getattr(obj, attribute)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        max_length = self.limits.max_value_length
        if operator == "%" and isinstance(left, str):
            raise SecurityError("'%' string formatting is not available in templates; use filters")
        if operator == "**":
            _check_power(left, right, max_length)
        elif operator == "*":
            _check_product(left, right, max_length)
        result = self.binop_table[operator](left, right)
        if operator == "+" and isinstance(result, str | list | tuple) and len(result) > max_length:
            raise LimitExceededError(f"a value longer than {max_length} items or characters")
        return result

    def bounded_range(self, *args: int) -> range:
        numbers = range(*args)
        try:
            too_long = len(numbers) > self.limits.max_range
        except OverflowError:  # longer than sys.maxsize
            too_long = True
        if too_long:
            raise LimitExceededError(f"range() is limited to {self.limits.max_range} items")
        return numbers

    def bounded_iter(self, iterable: Iterable[Any]) -> Iterable[Any]:
        """Spend one step per loop iteration: up front for sized iterables, as it goes otherwise."""
        if isinstance(iterable, Sized):
            _spend(len(iterable))
            return iterable
        return _counted(iterable)

    def bounded_join(self, values: Iterable[Any]) -> str:
        """Join a block's output (a `{% set %}` block, a macro): refused beyond `max_value_length`."""
        text = "".join(values)
        if len(text) > self.limits.max_value_length:
            raise LimitExceededError(f"a value longer than {self.limits.max_value_length} characters")
        return text

    def bounded_concat(self, values: tuple[Any, ...]) -> str:
        text = "".join([str(value) for value in values])
        if len(text) > self.limits.max_value_length:
            raise LimitExceededError(f"a value longer than {self.limits.max_value_length} characters")
        return text


_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}")


def _keep_newlines_after_inline_tags(source: str) -> str:
    lines = source.split("\n")
    for number, line in enumerate(lines[:-1]):  # the last line has no newline to keep
        if not line.endswith(("%}", "#}")) or line.endswith(("-%}", "+%}", "-#}", "+#}")):
            continue
        tags = list(_TAG.finditer(line))
        # The tag must open on this line, and something other than tags must share the line.
        if tags and tags[-1].end() == len(line) and _TAG.sub("", line).strip():
            lines[number] = f"{line[:-2]}+{line[-2:]}"
    return "\n".join(lines)


def _counted(iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        _spend(1)
        yield item


def _check_power(base: Any, exponent: Any, max_length: int) -> None:
    # The result has about exponent * bits(base) bits; 10**10**10 would never finish.
    if isinstance(base, int) and isinstance(exponent, int) and exponent * abs(base).bit_length() > max_length:
        raise LimitExceededError("a power that large is not available in templates")


def _check_product(left: Any, right: Any, max_length: int) -> None:
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, str | list | tuple) and isinstance(times, int):
            if len(sequence) * times > max_length:
                raise LimitExceededError(f"a value longer than {max_length} items or characters")
            return
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and left.bit_length() + right.bit_length() > max_length
    ):
        raise LimitExceededError("a number that large is not available in templates")


def _describe(exc: BaseException) -> str:
    """The operator-facing reason for a render failure."""
    if isinstance(exc, LimitExceededError):
        return f"limit exceeded: {exc}"
    if isinstance(exc, SecurityError):
        return f"not allowed in templates: {exc}"
    if isinstance(exc, UndefinedError):
        return f"undefined variable: {exc}"
    if isinstance(exc, NoneOutputError):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "recursion too deep (a macro calling itself?)"
    return f"{type(exc).__name__}: {exc}"


def _template_line(exc: BaseException, template: Template) -> int | None:
    """The template line of the innermost template frame in the traceback."""
    line = None
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == template.filename:
            line = template.get_corresponding_lineno(traceback.tb_lineno)
        traceback = traceback.tb_next
    return line

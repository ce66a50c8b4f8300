"""Read YAML and tabular inventories while remembering where every value came from.

The result is plain data plus a :class:`SourceMap` from a field path such as
``("workloads", 3, "demand")`` to ``(file, line)``, so validation errors can point at the line
the user wrote.

Reading is defensive: syntax errors are explained in plain words, aliases that expand to huge
documents ("billion laughs"), self-referencing anchors, absurd nesting, control characters and
non-UTF-8 bytes all become one :class:`~advisor.errors.Issue`, never a traceback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from advisor.errors import InvalidScenario, Issue
from advisor.safeio.paths import UnsafePath, check_input_file, clip, read_input_bytes

Loc = tuple[str | int, ...]

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted (a scenario needs about 6)."""
MAX_FILE_BYTES = 5_000_000
"""Largest scenario file read (about 20,000 workloads); big fleets belong in CSV inventories."""
MAX_ALIAS_EXPANSION = 100_000
"""How many values aliases (``*name``) may add to a document by repeating anchored blocks."""

_SYNTAX_HINT = "check indentation (spaces, not tabs) and that ':' is followed by a space"


@dataclass
class SourceMap:
    """Where each path of the loaded data came from."""

    default_file: str
    where: dict[Loc, tuple[str, int]] = field(default_factory=dict)

    def locate(self, loc: Loc) -> tuple[str, int | None]:
        """The file and line of ``loc``, or of its nearest recorded parent."""
        for n in range(len(loc), -1, -1):
            hit = self.where.get(tuple(loc[:n]))
            if hit is not None:
                return hit
        return self.default_file, None

    def add(self, other: SourceMap, prefix: Loc) -> None:
        for loc, hit in other.where.items():
            self.where[prefix + loc] = hit

    def path_for(self, loc: Loc, file: str) -> str:
        """The field path to show for ``loc`` when the issue is reported in ``file``.

        Workloads read from a CSV/Excel inventory are shown by column (``demand.replicas``),
        since the file and line already say which row; everything else as ``format_loc``.
        """
        if file != self.default_file and len(loc) > 2 and loc[0] == "workloads":
            return _fmt(loc[2:])
        return _fmt(loc)


_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_C_LOADER = _Base is not yaml.SafeLoader


class _Loader(_Base):
    """Safe loader (libyaml when available); composition only, values are built by us."""


class _Refused(Exception):
    """A structural problem found before building values (alias bombs, cycles, depth)."""

    def __init__(self, node: yaml.Node, message: str, hint: str):
        super().__init__(message)
        self.node, self.message, self.hint = node, message, hint


def _check_graph(root: yaml.Node) -> None:
    """Refuse node graphs that are cyclic, too deep, or that aliases blow up.

    Aliases make the composed graph a DAG; its expanded size is computed with memoisation in
    time linear in the number of distinct nodes, so a bomb is refused before it expands.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()
    repeated = 0

    def visit(node: yaml.Node, depth: int) -> int:
        nonlocal repeated
        key = id(node)
        if key in sizes:
            repeated += sizes[key]
            if repeated > MAX_ALIAS_EXPANSION:
                raise _Refused(
                    node,
                    f"aliases (*name) expand the document to more than {MAX_ALIAS_EXPANSION} "
                    "values",
                    "an alias repeats the block its anchor (&name) marks; use them for small "
                    "shared blocks, and put large repeated data in a CSV workload inventory",
                )
            return sizes[key]
        if key in active:
            raise _Refused(
                node,
                "an anchor (&name) contains an alias (*name) to itself",
                "a block cannot include itself; remove the alias",
            )
        if depth > MAX_DEPTH:
            raise _Refused(
                node,
                f"the document is nested more than {MAX_DEPTH} levels deep",
                "a scenario needs only a few levels; check for runaway brackets or indentation",
            )
        active.add(key)
        size = 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                size += visit(key_node, depth + 1) + visit(value_node, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for child in node.value:
                size += visit(child, depth + 1)
        active.discard(key)
        sizes[key] = size
        return size

    visit(root, 0)


def _construct(node: yaml.Node, loc: Loc, smap: SourceMap, file: str, loader: _Loader) -> Any:
    smap.where[loc] = (file, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "":
                raise _issue(
                    file,
                    key_node,
                    _fmt(loc),
                    "a mapping key must be a plain word",
                    hint="write keys as 'name: value'; lists and mappings cannot be keys",
                )
            # Keys are kept as written: 'no:' or '1:' stay text (YAML 1.1 would make them
            # false / 1), so an unknown key is reported exactly as the user typed it.
            key = key_node.value
            if key in out:
                raise _issue(
                    file,
                    key_node,
                    _fmt((*loc, key)),
                    f"duplicate key '{key}'",
                    hint="YAML keeps only the last value; remove or rename one of them",
                )
            out[key] = _construct(value_node, (*loc, key), smap, file, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(child, (*loc, i), smap, file, loader) for i, child in enumerate(node.value)
        ]
    try:
        value = loader.construct_object(node, deep=True)
    except ValueError:  # e.g. an integer of more than 4,300 digits
        raise _issue(
            file,
            node,
            _fmt(loc),
            f"'{clip(node.value, 40)}' is not a usable value ({len(node.value)} characters)",
            hint="write a number of sensible size",
        ) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise _issue(
            file,
            node,
            _fmt(loc),
            f"'{node.value}' is not a usable number",
            hint="write a finite number; leave the field out where the default means unlimited",
        )
    return value


def _fmt(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _issue(file: str, node: yaml.Node, path: str, message: str, hint: str = "") -> InvalidScenario:
    return InvalidScenario([Issue(file, node.start_mark.line + 1, path, message, hint=hint)])


def _one(display: str, line: int | None, message: str, expected: str = "", hint: str = ""):
    return InvalidScenario([Issue(display, line, "", message, expected, hint)])


def _line_at_byte(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def read_yaml(path: Path, display: str) -> tuple[Any, SourceMap]:
    """Parse a YAML file into plain data and its source map. Raises InvalidScenario."""
    smap = SourceMap(display)
    if not path.exists() and not path.is_symlink():
        raise _one(display, None, "file not found", hint="check the path and working directory")
    if path.is_dir():
        raise _one(display, None, "this is a directory, not a file", hint="name the .yaml file")
    try:
        size = check_input_file(path, what="file")
        if size > MAX_FILE_BYTES:
            raise _one(
                display,
                None,
                f"the file is {size / 1e6:.1f} MB, more than the "
                f"{MAX_FILE_BYTES / 1e6:.0f} MB a scenario file may have",
                hint="list large fleets in a CSV workload inventory (workload_inventories)",
            )
        raw = read_input_bytes(path, MAX_FILE_BYTES)
    except UnsafePath as exc:
        raise _one(display, None, str(exc), hint="name a scenario .yaml file") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _one(
            display,
            _line_at_byte(raw, exc.start),
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be decoded)",
            expected="a UTF-8 encoded YAML text file",
            hint="save the file as UTF-8; if it is not a scenario, check the file name",
        ) from None
    if not text.strip():
        raise _empty(display)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise _empty(display, comments_only=True)
        if not isinstance(node, yaml.MappingNode):
            raise _not_a_mapping(display, node)
        _check_graph(node)
        data = _construct(node, (), smap, display, loader)
    except _Refused as exc:
        raise _issue(display, exc.node, "", exc.message, hint=exc.hint) from None
    except yaml.MarkedYAMLError as exc:
        raise InvalidScenario([_syntax_issue(display, text, exc)]) from None
    except yaml.reader.ReaderError as exc:
        if _C_LOADER:
            line = _line_at_byte(text.encode("utf-8"), exc.position)
        else:
            line = text.count("\n", 0, exc.position) + 1
        raise _one(
            display,
            line,
            f"the file contains a control character (code {exc.character:#04x})",
            expected="printable text",
            hint="remove the character; if this is not a scenario, check the file name",
        ) from None
    except yaml.YAMLError as exc:
        raise _one(display, None, f"YAML error: {exc}", hint=_SYNTAX_HINT) from None
    except RecursionError:
        raise _one(
            display,
            None,
            f"the document is nested more than {MAX_DEPTH} levels deep",
            hint="check for runaway brackets or indentation",
        ) from None
    finally:
        loader.dispose()
    return data, smap


def _empty(display: str, comments_only: bool = False) -> InvalidScenario:
    return _one(
        display,
        1,
        "the file has only comments" if comments_only else "the file is empty",
        expected="a YAML mapping with at least 'name' and 'workloads'",
        hint="run 'advisor init' to write a starter scenario",
    )


def _not_a_mapping(display: str, node: yaml.Node) -> InvalidScenario:
    is_list = isinstance(node, yaml.SequenceNode)
    return _one(
        display,
        node.start_mark.line + 1,
        "the file is a list, not a mapping"
        if is_list
        else "the file is a single value, not a mapping",
        expected="'key: value' lines such as 'name: my-scenario' and 'workloads:'",
        hint="if these are workloads, put them under 'workloads:' and add a 'name:'"
        if is_list
        else "start from 'advisor init', which writes a starter scenario",
    )


def _syntax_issue(display: str, text: str, exc: yaml.MarkedYAMLError) -> Issue:
    """Explain a PyYAML/libyaml error in plain words (the same words for either parser)."""
    problem = exc.problem or ""
    context = exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    start = exc.context_mark.line + 1 if exc.context_mark is not None else line
    lines = text.splitlines()
    char = ""
    if mark is not None and mark.line < len(lines) and mark.column < len(lines[mark.line]):
        char = lines[mark.line][mark.column]

    def issue(at: int | None, message: str, expected: str = "", hint: str = "") -> Issue:
        return Issue(display, at, "", message, expected, hint)

    if "nesting depth" in problem:
        return issue(
            line,
            f"the document is nested more than {MAX_DEPTH} levels deep",
            hint="a scenario needs only a few levels; check for runaway brackets or indentation",
        )
    if "tab" in problem or char == "\t":
        return issue(
            line,
            "a tab character is used for indentation",
            expected="spaces for indentation",
            hint="replace the tab with spaces; YAML does not allow tabs for indentation",
        )
    if "mapping values are not allowed" in problem:
        return issue(
            line,
            f"unexpected ':' at column {column}",
            expected="keys of one mapping to start in the same column",
            hint="check the indentation of this line against the line above; "
            "quote a value that contains ': '",
        )
    for kind, opener, closer in (("sequence", "[", "]"), ("mapping", "{", "}")):
        if f"flow {kind}" in context:
            what = "list" if kind == "sequence" else "mapping"
            return issue(
                start,
                f"the {what} opened with '{opener}' is not closed",
                expected=f"',' between items and a closing '{closer}'",
                hint="close every '[' with ']' and every '{' with '}'",
            )
    if "block collection" in context or "block mapping" in context:
        return issue(
            line,
            "this line is not aligned with the lines above it",
            expected="list items ('- ') and keys of one mapping to start in the same column",
            hint=_SYNTAX_HINT,
        )
    if "quoted scalar" in context:
        return issue(
            start,
            "a quoted value is not closed",
            expected="a closing quote on the same value",
            hint="add the missing quote, or remove the opening one",
        )
    if "undefined alias" in problem:
        return issue(
            line,
            "an alias (*name) refers to an anchor that is not defined",
            expected="an anchor (&name) defined above the alias",
            hint="define the anchor first, or quote a value that starts with '*'",
        )
    if "duplicate anchor" in context:
        return issue(line, "an anchor (&name) is defined twice", hint="rename one of the anchors")
    if "single document" in context:
        return issue(
            line,
            "the file holds more than one YAML document ('---')",
            expected="one scenario per file",
            hint="remove the extra '---' line, or split the file",
        )
    if "cannot start any token" in problem:
        shown = f"'{char}'" if char else "this character"
        return issue(
            line,
            f"{shown} cannot start a value (column {column})",
            hint="put the value in quotes",
        )
    if isinstance(exc, yaml.constructor.ConstructorError):
        return issue(
            line,
            "unsupported YAML tag or value",
            expected="plain text, numbers, lists and mappings",
            hint="remove the '!' tag or quote the value",
        )
    ctx = f" ({context})" if context else ""
    return issue(line, f"YAML syntax error: {problem or 'invalid YAML'}{ctx}", hint=_SYNTAX_HINT)


def format_loc(loc: Loc) -> str:
    """``("workloads", 3, "demand")`` -> ``workloads[3].demand``."""
    return _fmt(loc)

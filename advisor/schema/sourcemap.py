"""Read YAML and tabular inventories while remembering where every value came from.

The result is plain data plus a :class:`SourceMap` from a field path such as
``("workloads", 3, "demand")`` to ``(file, line)``, so validation errors can point at the line
the user wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from advisor.errors import Issue, InvalidScenario

Loc = tuple[str | int, ...]


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


class _Loader(yaml.SafeLoader):
    """Safe loader; composition only (we build Python values ourselves to keep lines)."""


def _construct(node: yaml.Node, loc: Loc, smap: SourceMap, file: str, loader: _Loader) -> Any:
    smap.where[loc] = (file, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise _issue(file, key_node, ".".join(map(str, loc)), "a mapping key must be text")
            if key in out:
                raise _issue(
                    file,
                    key_node,
                    _fmt(loc + (key,)),
                    f"duplicate key '{key}'",
                    hint="YAML keeps only the last value; remove or rename one of them",
                )
            out[key] = _construct(value_node, loc + (str(key),), smap, file, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(child, loc + (i,), smap, file, loader) for i, child in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def _fmt(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _issue(file: str, node: yaml.Node, path: str, message: str, hint: str = "") -> InvalidScenario:
    return InvalidScenario([Issue(file, node.start_mark.line + 1, path, message, hint=hint)])


def read_yaml(path: Path, display: str) -> tuple[Any, SourceMap]:
    """Parse a YAML file into plain data and its source map. Raises InvalidScenario."""
    smap = SourceMap(display)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidScenario(
            [Issue(display, None, "", "file not found", hint="check the path and working directory")]
        ) from None
    except UnicodeDecodeError as exc:
        raise InvalidScenario(
            [Issue(display, None, "", f"not UTF-8 text ({exc.reason})", hint="save as UTF-8")]
        ) from None
    if not text.strip():
        raise InvalidScenario(
            [
                Issue(
                    display,
                    1,
                    "",
                    "the file is empty",
                    expected="a YAML mapping with at least 'name' and 'workloads'",
                    hint="run 'advisor init' to write a starter scenario",
                )
            ]
        )
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            data: Any = None
        else:
            data = _construct(node, (), smap, display, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or "invalid YAML"
        ctx = f" ({exc.context})" if exc.context else ""
        raise InvalidScenario(
            [
                Issue(
                    display,
                    line,
                    "",
                    f"YAML syntax error: {problem}{ctx}",
                    hint="check indentation (spaces, not tabs) and that ':' is followed by a space",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise InvalidScenario([Issue(display, None, "", f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()
    return data, smap


def format_loc(loc: Loc) -> str:
    """``("workloads", 3, "demand")`` -> ``workloads[3].demand``."""
    return _fmt(loc)

"""Read a YAML formula file into plain values, keeping the line of every field.

PyYAML's ``compose`` gives a node tree whose nodes carry their position
(``start_mark``); the values are built from that tree here (with PyYAML's safe
constructor for scalars), and each field's dotted path (``components.hi.share``,
``cost_curves.acute.weights[2]``) is recorded with its 1-based line, so that error
messages can say where to look, as they do for TOML files.
"""

from __future__ import annotations

from typing import Any

import yaml

from healthgap.allocate._locate import split_path
from healthgap.errors import InputError


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def load_yaml(text: str, source: str) -> tuple[Any, dict[str, int]]:
    """The document's value and ``{dotted path: line}`` for every key and list item."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            f"{source} must be valid YAML; got: {problem}{where}. Check indentation, "
            "colons and quotes."
        ) from None
    lines: dict[str, int] = {}
    if root is None:
        return {}, lines
    constructor = yaml.SafeLoader("")

    def build(node: yaml.Node, path: str) -> Any:
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = constructor.construct_object(key_node, deep=True)
                if isinstance(key_node, yaml.MappingNode | yaml.SequenceNode):
                    raise InputError(
                        f"{source} must use plain names as keys; got a "
                        f"{'mapping' if isinstance(key_node, yaml.MappingNode) else 'list'} "
                        f"as a key at line {_line(key_node)}. Write keys as simple words."
                    )
                name = str(key)
                full = f"{path}.{name}" if path else name
                if name in out:
                    raise InputError(
                        f"{source} must be valid YAML with each key written once; got "
                        f"{full!r} twice (line {lines[full]} and line {_line(key_node)}). "
                        "Remove one of them."
                    )
                lines[full] = _line(key_node)
                out[name] = build(value_node, full)
            return out
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                lines[f"{path}[{i}]"] = _line(item)
                items.append(build(item, f"{path}[{i}]"))
            return items
        return constructor.construct_object(node, deep=True)

    try:
        data = build(root, "")
    except yaml.YAMLError as exc:
        raise InputError(
            f"{source} must be valid YAML; got: {exc}. Check the values' syntax."
        ) from None
    return data, lines


def yaml_line(lines: dict[str, int], path: str) -> int | None:
    """The line of ``path`` or, failing that, of its nearest parent that has one."""
    parts = split_path(path)
    while parts:
        key = ""
        for p in parts:
            key += f"[{p}]" if isinstance(p, int) else (f".{p}" if key else p)
        if key in lines:
            return lines[key]
        parts = parts[:-1]
    return None

"""Config files (TOML or YAML) read in one place, with the line of every field.

Allocation formulas, outcomes frameworks, targets and policy simulation specs are written
by people in TOML or YAML. :func:`read_config` (a file) and :func:`parse_config` (text)
read both, and the :class:`ConfigFile` they return can say on which line any field is,
so that every message names the file, the line and the field:
``components.hi.share (line 9 of icb.toml)``.

* YAML: PyYAML's ``compose`` gives a node tree whose nodes carry their position; the
  values are built from that tree (with PyYAML's safe constructor for scalars), each
  field's dotted path (``components.hi.share``, ``indicators[2].target``) recorded with its
  1-based line. A key written twice is an error (plain ``yaml.safe_load`` keeps the last).
* TOML: ``tomllib`` returns plain dictionaries without positions, so a field's dotted path
  is looked up again in the raw text: the table header that starts the path (the i-th
  ``[[array]]`` header for ``array[i]``), then each remaining key in turn (``key =``, also
  inside inline tables and dotted keys), and for a list item ``[i]`` the ``i``-th inline
  table ``{`` after the list's key. This is a best effort for messages only: when a field
  cannot be found the nearest enclosing field that can is used, and failing that no line
  is given.

A file that is not valid TOML or YAML raises :class:`ConfigError` (an ``InputError``)
naming the file, the line and what to check.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from healthgap.errors import InputError

Format = Literal["toml", "yaml"]

#: What to check, by format, when a file does not parse.
HINTS: dict[str, str] = {
    "toml": "Check quotes, brackets and that each key is written once.",
    "yaml": "Check indentation, colons and quotes.",
}


class ConfigError(InputError):
    """A config file problem; ``file``, ``line`` and ``field`` say where (when known)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.file = file
        self.line = line
        self.field = field


def config_format(name: str | Path) -> Format | None:
    """``"toml"`` for ``.toml``, ``"yaml"`` for ``.yaml``/``.yml``, else ``None``."""
    suffix = Path(name).suffix.lower()
    if suffix == ".toml":
        return "toml"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return None


@dataclass(frozen=True)
class ConfigFile:
    """A parsed config file: its ``data`` and how to find the line of a field."""

    data: Any
    source: str
    format: Format
    text: str = field(repr=False)
    yaml_lines: Mapping[str, int] | None = field(default=None, repr=False)

    def line(self, path: str) -> int | None:
        """The 1-based line of the dotted ``path`` (``indicators[2].target``) or of its
        nearest parent that has one; ``None`` when none is found."""
        if self.yaml_lines is not None:
            return yaml_line(dict(self.yaml_lines), path)
        return line_of(self.text, path)

    def error(self, message: str, path: str | None = None) -> ConfigError:
        """A :class:`ConfigError` with ``message`` (as written) about the field ``path``:
        its file, line and field set for callers that act on them (e.g. a form)."""
        line = self.line(path) if path else None
        return ConfigError(message, file=self.source, line=line, field=path)

    def where(self, path: str) -> str:
        """``"components.hi.share (line 9 of icb.toml)"``: how messages point at a field."""
        line = self.line(path)
        if line is None:
            return f"{path} (in {self.source})"
        return f"{path} (line {line} of {self.source})"


def _syntax_error(
    fmt: Format, subject: str, source: str, problem: str, line: int | None, hint: str | None
) -> ConfigError:
    where = f" at line {line}" if line is not None and f"line {line}" not in problem else ""
    if source not in subject:
        where += f" in {source}"
    return ConfigError(
        f"{subject} must be valid {fmt.upper()}; got: {problem}{where}. {hint or HINTS[fmt]}",
        file=source,
        line=line,
    )


def parse_config(
    text: str,
    fmt: Format,
    source: str,
    *,
    subject: str | None = None,
    hint: str | None = None,
) -> ConfigFile:
    """Parse ``text`` as ``fmt``; ``source`` names the file in messages.

    ``subject`` is how a syntax error names the file (default ``source``, e.g.
    ``"framework file f.toml"``) and ``hint`` what it asks the reader to check.
    """
    who = subject or source
    if fmt == "toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            line = int(m.group(1)) if m else None
            raise _syntax_error("toml", who, source, str(exc), line, hint) from None
        return ConfigFile(data, source, "toml", text)
    data, lines = load_yaml(text, source, subject=who, hint=hint)
    return ConfigFile(data, source, "yaml", text, lines)


def read_config(
    path: str | Path,
    *,
    subject: str | None = None,
    hint: str | None = None,
    fmt: Format | None = None,
) -> ConfigFile:
    """Read the TOML or YAML file ``path`` (format from its suffix unless ``fmt``).

    The file must exist and be UTF-8 (a byte-order mark is allowed).
    """
    p = Path(path)
    kind = fmt or config_format(p)
    if kind is None:
        raise ConfigError(
            f"{subject or 'config file'} must end in .toml, .yaml or .yml; got {p.name!r}. "
            "Rename it or convert it.",
            file=p.name,
        )
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{p.name} must be UTF-8 text; got bytes that are not (at byte {exc.start}). "
            "Save the file as UTF-8.",
            file=p.name,
        ) from None
    return parse_config(text, kind, p.name, subject=subject, hint=hint)


# ---- TOML: where a field is written -------------------------------------------------------

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def split_path(path: str) -> list[str | int]:
    """``"a.b[2].c"`` -> ``["a", "b", 2, "c"]``."""
    parts: list[str | int] = []
    for name, index in _PART.findall(path):
        parts.append(int(index) if index else name)
    return parts


def _split_key(key: str) -> list[str]:
    """A TOML key (dotted, bare or quoted) as its parts."""
    parts, buf, quote = [], "", ""
    for ch in key:
        if quote:
            if ch == quote:
                quote = ""
            else:
                buf += ch
        elif ch in "\"'":
            quote = ch
        elif ch == ".":
            parts.append(buf.strip())
            buf = ""
        else:
            buf += ch
    parts.append(buf.strip())
    return parts


def _blank_comments_and_strings(text: str) -> str:
    """The text with comments and string contents replaced by spaces (same offsets).

    Quotes themselves are kept so that quoted keys can still be found; multi-line
    strings are blanked whole.
    """
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
            continue
        if ch in "\"'":
            triple = text[i : i + 3] == ch * 3
            end_mark = ch * 3 if triple else ch
            j = i + len(end_mark)
            while j < n:
                if ch == '"' and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(end_mark, j):
                    break
                if not triple and text[j] == "\n":
                    break
                j += 1
            # Keep short strings (they may be quoted keys); blank long or multi-line ones.
            if triple or "\n" in text[i:j]:
                for k in range(i, min(j + len(end_mark), n)):
                    if out[k] != "\n":
                        out[k] = " "
            i = j + len(end_mark)
            continue
        i += 1
    return "".join(out)


def _headers(clean: str) -> list[tuple[int, int, list[str]]]:
    """Every ``[table]`` / ``[[array]]`` header: (start offset, end of line, key parts)."""
    found = []
    for m in re.finditer(r"(?m)^[ \t]*\[\[?([^\[\]\n]+)\]\]?[ \t]*$", clean):
        found.append((m.start(), m.end(), _split_key(m.group(1))))
    return found


def _array_item(
    clean: str, headers: list[tuple[int, int, list[str]]], best: int, parts: list[str | int]
) -> int:
    """For ``array[i]`` paths: the header of the i-th ``[[array]]`` table, else ``best``."""
    key = headers[best][2]
    names_seen, position = 0, 0
    while position < len(parts) and names_seen < len(key):
        if isinstance(parts[position], str):
            names_seen += 1
        position += 1
    index = parts[position] if position < len(parts) else None
    if not isinstance(index, int) or not clean[headers[best][0] :].lstrip().startswith("[["):
        return best
    same = [k for k, (_s, _e, other) in enumerate(headers) if other == key]
    return same[index] if index < len(same) else best


def line_of(text: str, path: str) -> int | None:
    """The 1-based line where ``path`` is defined in ``text``, or of its nearest parent."""
    parts = split_path(path)
    clean = _blank_comments_and_strings(text)
    headers = _headers(clean)
    while parts:
        found = _find(clean, headers, parts)
        if found is not None:
            return clean.count("\n", 0, found) + 1
        parts = parts[:-1]
    return None


def _find(
    clean: str, headers: list[tuple[int, int, list[str]]], parts: list[str | int]
) -> int | None:
    names = [p for p in parts if isinstance(p, str)]
    # The header that matches the longest prefix of the path (indices dropped).
    best, best_len = None, 0
    for k, (_start, _end, key) in enumerate(headers):
        if len(key) <= len(names) and names[: len(key)] == key and len(key) > best_len:
            best, best_len = k, len(key)
    if best is None:
        for start, _end, key in headers:  # e.g. "components" -> [components.core]
            if names and key[: len(names)] == names:
                return start
        start, stop = 0, headers[0][0] if headers else len(clean)
        rest = list(parts)
    else:
        best = _array_item(clean, headers, best, parts)
        start = headers[best][0]
        stop = headers[best + 1][0] if best + 1 < len(headers) else len(clean)
        # Drop the header's own key parts; an index straight after the header (an
        # [[array]] item) is reported at the header line.
        rest = list(parts)
        consumed = 0
        while rest and consumed < best_len:
            if isinstance(rest.pop(0), str):
                consumed += 1
        while rest and isinstance(rest[0], int):
            rest.pop(0)
        if not rest:
            return start
    pos = start
    for p in rest:
        if isinstance(p, int):
            # The p-th inline table after the list's key.
            seen = -1
            j = pos
            while j < stop:
                if clean[j] == "{":
                    seen += 1
                    if seen == p:
                        break
                j += 1
            if j >= stop:
                return None
            pos = j
            continue
        esc = re.escape(p)
        pattern = re.compile(rf"(?:^|[\s{{,.])(?:{esc}|\"{esc}\"|'{esc}')\s*(?:=|\.)", re.MULTILINE)
        m = pattern.search(clean, pos, stop)
        if m is None:
            return None
        pos = m.start() + (1 if clean[m.start()] in " \t\n{,." else 0)
    return pos


# ---- YAML: values and the line of every field ---------------------------------------------


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def load_yaml(
    text: str, source: str, *, subject: str | None = None, hint: str | None = None
) -> tuple[Any, dict[str, int]]:
    """The document's value and ``{dotted path: line}`` for every key and list item."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise _syntax_error("yaml", subject or source, source, problem, line, hint) from None
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
                    raise ConfigError(
                        f"{source} must use plain names as keys; got a "
                        f"{'mapping' if isinstance(key_node, yaml.MappingNode) else 'list'} "
                        f"as a key at line {_line(key_node)}. Write keys as simple words."
                    )
                name = str(key)
                full = f"{path}.{name}" if path else name
                if name in out:
                    raise ConfigError(
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
        raise ConfigError(
            f"{subject or source} must be valid YAML; got: {exc}. Check the values' syntax.",
            file=source,
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

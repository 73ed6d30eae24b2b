"""Find the line of a field in a TOML file, so that errors can say where to look.

``tomllib`` returns plain dictionaries without positions. When a formula is wrong, the
field's dotted path (``components.hi.share``, ``cost_curves.acute.weights[3]``) is looked
up again in the raw text: the longest table header that starts the path, then each
remaining key in turn (``key =``, also inside inline tables and dotted keys), and for a
list item ``[i]`` the ``i``-th inline table ``{`` after the list's key.

This is a best effort for the error message only: when a field cannot be found the
nearest enclosing field that can is used, and failing that no line is given.
"""

from __future__ import annotations

import re

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

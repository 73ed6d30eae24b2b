"""Wide tables scroll inside their own box, not the page.

Every page's tables pass through :func:`scrolling_tables` when a page is rendered (see
:func:`healthgap.web.render.render`), so no template has to remember the wrapper: each
``<table>`` not already inside a scrolling region is put in
``<div class="hg-table-wrap" tabindex="0" role="region" aria-label="...">``. The region
is keyboard-focusable (so a keyboard user can scroll it, WCAG 2.1.1) and named after the
table's caption (so a screen-reader user hears which table the region holds).
"""

from __future__ import annotations

import html
import re

#: A table, the text just before it (to see whether it is already wrapped) and its caption.
_TABLE = re.compile(r"<table\b[^>]*>\s*(?:<caption\b[^>]*>(?P<caption>.*?)</caption>)?", re.S)
_ALREADY = re.compile(r'role="region"[^<>]*>\s*$')
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
#: The longest region name kept (a caption can be a sentence).
MAX_LABEL = 120


def table_label(caption: str | None) -> str:
    """The accessible name of the scrolling region around a table with ``caption`` (HTML).

    Examples
    --------
    >>> table_label('Healthy life expectancy <span class="x">by region</span>, 2022 &amp; 2023')
    'Healthy life expectancy by region, 2022 & 2023 (table, scrolls sideways)'
    >>> table_label(None)
    'Table (scrolls sideways)'
    """
    text = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", caption or ""))).strip()
    text = re.sub(r" ([,.;:])", r"\1", text)
    if not text:
        return "Table (scrolls sideways)"
    if len(text) > MAX_LABEL:
        text = text[: MAX_LABEL - 1].rstrip() + "\u2026"
    return f"{text} (table, scrolls sideways)"


def scrolling_tables(page: str) -> str:
    """``page`` (HTML) with every table not already in a ``role="region"`` box wrapped in one.

    Examples
    --------
    >>> out = scrolling_tables('<p>x</p><table><caption>Gap</caption></table>')
    >>> out.startswith('<p>x</p><div class="hg-table-wrap" tabindex="0" role="region"')
    True
    >>> 'aria-label="Gap (table, scrolls sideways)"><table>' in out
    True
    >>> out.endswith("</table></div>")
    True
    >>> done = '<div role="region" aria-label="A"><table><caption>A</caption></table></div>'
    >>> scrolling_tables(done) == done
    True
    """
    out: list[str] = []
    pos = 0
    for match in _TABLE.finditer(page):
        start = match.start()
        if start < pos:  # a table nested in a table already wrapped with its parent
            continue
        end = page.find("</table>", start)
        if end < 0:
            break
        end += len("</table>")
        out.append(page[pos:start])
        if _ALREADY.search(page[max(0, start - 400) : start]):
            out.append(page[start:end])
        else:
            label = html.escape(table_label(match.group("caption")), quote=True)
            out.append(
                f'<div class="hg-table-wrap" tabindex="0" role="region" aria-label="{label}">'
                f"{page[start:end]}</div>"
            )
        pos = end
    out.append(page[pos:])
    return "".join(out)

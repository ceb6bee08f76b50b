"""Inline SVG charts for the archive report: pure functions from numbers to markup.

No script and no external file: a chart is an ``<svg>`` element whose marks (``rect`` or
``path`` or ``circle`` with class ``mark``) carry their value in ``data-value`` and a
``<title>`` a browser shows on hover. Every label is escaped here, whatever it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 960, 190
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 30
ROW = 22  # height of one bar of a horizontal bar chart


def esc(value: object) -> str:
    """Text or attribute value, escaped for HTML and SVG alike.

    >>> esc('<script>"&\\'')
    '&lt;script&gt;&quot;&amp;&#x27;'
    """
    return escape(str(value), quote=True)


def fmt(value: float) -> str:
    """A number as a reader wants it: thousands grouped, at most one decimal.

    >>> fmt(1234567), fmt(2.25), fmt(3.0)
    ('1,234,567', '2.2', '3')
    """
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def nice_top(value: float) -> tuple[float, float]:
    """The axis top (≥ value) and its tick step, on 1-2-5 steps, four or five ticks.

    >>> nice_top(0), nice_top(7), nice_top(1234)
    ((1, 1), (8, 2), (1500, 500))
    """
    if value <= 0:
        return 1, 1
    step = 1.0
    while value / step > 5:
        for factor in (2, 2.5, 2):  # 1 → 2 → 5 → 10 …
            step *= factor
            if value / step <= 5:
                break
    top = step * -(-value // step)
    return (int(top), int(step)) if step.is_integer() else (top, step)


def _svg(name: str, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg class="chart" data-chart="{esc(name)}" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{esc(label)}" preserveAspectRatio="xMinYMin meet">'
        + "".join(body)
        + "</svg>"
    )


def _y_axis(top: float, step: float, plot_h: int) -> list[str]:
    out = []
    tick = 0.0
    while tick <= top + 1e-9:
        y = TOP + plot_h - plot_h * tick / top
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{fmt(tick)}</text>"
        )
        tick += step
    return out


def _x_labels(labels: Sequence[str], x_of, most: int = 8) -> list[str]:
    if not labels:
        return []
    every = max(1, -(-len(labels) // most))
    y = HEIGHT - BOTTOM + 18
    out = []
    for i in range(0, len(labels), every):
        half = 3.4 * len(labels[i])  # (11px digits: kept inside the chart at both ends)
        x = min(max(x_of(i), LEFT + half), WIDTH - RIGHT - half)
        out.append(
            f'<text class="tick" x="{x:.1f}" y="{y}" text-anchor="middle">{esc(labels[i])}</text>'
        )
    return out


def empty(name: str, note: str) -> str:
    """A chart with nothing to draw says so instead (and has no marks)."""
    return _svg(
        name,
        60,
        [f'<text class="note" x="{WIDTH / 2}" y="34" text-anchor="middle">{esc(note)}</text>'],
        note,
    )


def columns(
    name: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    flags: dict[int, str] | None = None,
    unit: str = "",
    palette: int = 0,
) -> str:
    """Vertical bars, one per label, the series stacked in order (class ``s0``, ``s1``…,
    from ``s<palette>``).

    ``flags`` marks some bars (failed runs) with a red triangle above them, titled with why.
    """
    if not labels or not any(any(v for v in values) for _, values in series):
        return empty(name, "nothing in this period")
    totals = [sum(values[i] for _, values in series) for i in range(len(labels))]
    top, step = nice_top(max(totals))
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(labels)
    bar = max(slot * 0.8, 0.6)

    def x_of(i: int) -> float:
        return LEFT + slot * (i + 0.5)

    body = _y_axis(top, step, plot_h)
    for i, label in enumerate(labels):
        base = 0.0
        for k, (sname, values) in enumerate(series):
            value = values[i]
            if not value:
                continue
            h = plot_h * value / top
            y = TOP + plot_h - plot_h * base / top - h
            body.append(
                f'<rect class="mark s{k + palette}" data-series="{esc(sname)}" '
                f'data-value="{value:g}" '
                f'x="{x_of(i) - bar / 2:.2f}" y="{y:.2f}" width="{bar:.2f}" height="{h:.2f}">'
                f"<title>{esc(label)}: {fmt(value)}{esc(unit)} {esc(sname)}</title></rect>"
            )
            base += value
    for i, why in (flags or {}).items():
        x, y = x_of(i), TOP + plot_h - plot_h * totals[i] / top - 3
        body.append(
            f'<path class="mark flag" data-value="1" d="M{x - 5:.1f},{y - 8:.1f} '
            f'h10 l-5,8 z"><title>{esc(labels[i])}: {esc(why)}</title></path>'
        )
    body += _x_labels(labels, x_of)
    return _svg(name, HEIGHT, body, name)


def line(
    name: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    flags: dict[int, str] | None = None,
    unit: str = "",
) -> str:
    """A line through the values (None leaves a gap), a dot on each, flagged ones red."""
    known = [v for v in values if v is not None]
    if not known:
        return empty(name, "nothing in this period")
    top, step = nice_top(max(known))
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(labels)

    def x_of(i: int) -> float:
        return LEFT + slot * (i + 0.5)

    def y_of(v: float) -> float:
        return TOP + plot_h - plot_h * v / top

    body = _y_axis(top, step, plot_h)
    pieces, pen = [], "M"
    for i, v in enumerate(values):
        if v is None:
            pen = "M"
            continue
        pieces.append(f"{pen}{x_of(i):.1f},{y_of(v):.1f}")
        pen = "L"
    body.append(f'<path class="mark trace" data-value="{len(known)}" d="{" ".join(pieces)}"/>')
    dots = len(values) <= 400
    for i, v in enumerate(values):
        if v is None:
            continue
        why = (flags or {}).get(i)
        if why is None and not dots:
            continue
        cls = "mark dot bad" if why is not None else "mark dot"
        tip = f"{labels[i]}: {fmt(v)}{unit}" + (f" — {why}" if why else "")
        body.append(
            f'<circle class="{cls}" data-value="{v:g}" cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" '
            f'r="{4 if why else 2.5}"><title>{esc(tip)}</title></circle>'
        )
    body += _x_labels(labels, x_of)
    return _svg(name, HEIGHT, body, name)


def bars(name: str, items: Sequence[tuple[str, float]], unit: str = "") -> str:
    """Horizontal bars, one per (label, value), largest first as given, value at the end."""
    items = [(label, value) for label, value in items if value]
    if not items:
        return empty(name, "nothing in this period")
    label_w, value_w = 240, 90
    span = WIDTH - label_w - value_w
    most = max(v for _, v in items)
    height = ROW * len(items) + 8
    body = []
    for i, (label, value) in enumerate(items):
        y = 4 + ROW * i
        w = max(span * value / most, 1)
        body.append(
            f'<text class="label" x="{label_w - 8}" y="{y + 15}" text-anchor="end">'
            f"{esc(label)}</text>"
            f'<rect class="mark s0" data-label="{esc(label)}" data-value="{value:g}" '
            f'x="{label_w}" y="{y + 3}" width="{w:.2f}" height="{ROW - 6}">'
            f"<title>{esc(label)}: {fmt(value)}{esc(unit)}</title></rect>"
            f'<text class="value" x="{label_w + w + 6:.2f}" y="{y + 15}">'
            f"{fmt(value)}{esc(unit)}</text>"
        )
    return _svg(name, height, body, name)

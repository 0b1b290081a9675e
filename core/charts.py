"""The geometry of server-rendered SVG charts (no JavaScript, nothing from a CDN).

Here rather than in one app because both the petitions (signatures) and the campaigns
(responses) draw charts, and ``campaigns`` must not import ``petitions``. Python computes the
geometry; ``petitions/_bar_chart.html`` and ``includes/chart_columns.html`` draw it with a
``<title>`` and a ``<desc>``, and each page puts a data table beside the chart. Coordinates are
handed to templates as strings so that number localisation can never write "12,5" into SVG.
"""

from dataclasses import dataclass

WIDTH = 600
ROW_HEIGHT = 34  # a label line and its bar
BAR_HEIGHT = 14
VALUE_GAP = 6
VALUE_SPACE = 70  # room right of the longest bar for its number
COLUMN_CHART_HEIGHT = 200
AXIS_LEFT = 48
AXIS_BOTTOM = 24
CHART_TOP = 12


def _num(value):
    """An SVG coordinate: at most two decimals, a dot as separator, whatever the language."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Bar:
    """One bar of a chart, with the places of its label and value (SVG user units)."""

    label: str
    value: int
    x: str
    y: str
    width: str
    height: str
    label_y: str = "0"
    value_x: str = "0"
    value_y: str = "0"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list
    max_value: int
    axis: dict  # label positions of a chart with axes (column charts)


def bar_chart(rows):
    """Horizontal bars for ``(label, value)`` rows, in their order, label above each bar."""
    rows = list(rows)
    max_value = max((value for _label, value in rows), default=0)
    scale = (WIDTH - VALUE_SPACE) / max_value if max_value else 0
    bars = []
    for index, (label, value) in enumerate(rows):
        top = index * ROW_HEIGHT
        length = max(value * scale, 1)  # a hairline keeps a tiny count visible
        bars.append(
            Bar(
                label=str(label),
                value=value,
                x="0",
                y=_num(top + ROW_HEIGHT - BAR_HEIGHT - 4),
                width=_num(length),
                height=_num(BAR_HEIGHT),
                label_y=_num(top + 14),
                value_x=_num(length + VALUE_GAP),
                value_y=_num(top + ROW_HEIGHT - 6),
            )
        )
    return Chart(WIDTH, max(len(rows) * ROW_HEIGHT, 1), bars, max_value, {})


def column_chart(rows):
    """Columns for ``(label, value)`` rows, in their order, the tallest at full height.

    The caller passes every period (days, weeks, years), empty ones with 0, so that the
    spacing shows the real pace; the first and last labels go under the axis.
    """
    rows = list(rows)
    max_value = max((value for _label, value in rows), default=0)
    plot_width = WIDTH - AXIS_LEFT
    plot_height = COLUMN_CHART_HEIGHT - AXIS_BOTTOM - CHART_TOP
    step = plot_width / max(len(rows), 1)
    bars = []
    for index, (label, value) in enumerate(rows):
        height = plot_height * value / max_value if max_value else 0
        bars.append(
            Bar(
                label=str(label),
                value=value,
                x=_num(AXIS_LEFT + index * step + step * 0.1),
                y=_num(CHART_TOP + plot_height - height),
                width=_num(step * 0.8),
                height=_num(height),
            )
        )
    axis = {
        "left": _num(AXIS_LEFT),
        "right": _num(WIDTH),
        "top": _num(CHART_TOP),
        "bottom": _num(CHART_TOP + plot_height),
        "label_x": _num(AXIS_LEFT - VALUE_GAP),
        "top_label_y": _num(CHART_TOP + 10),
        "date_y": _num(COLUMN_CHART_HEIGHT - 6),
        "first_label": bars[0].label if bars else "",
        "last_label": bars[-1].label if bars else "",
    }
    return Chart(WIDTH, COLUMN_CHART_HEIGHT, bars, max_value, axis)


def year_chart(rows):
    """Columns for ``(year, value)`` rows, with every year from the first to the last."""
    values = dict(rows)
    years = range(min(values), max(values) + 1) if values else ()
    return column_chart((str(year), values.get(year, 0)) for year in years)

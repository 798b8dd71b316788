"""The dashboard's charts: plotly figures drawn from the rows of sparkify.dashdata.

Figures are plain dicts in plotly's JSON form: building plotly.graph_objects validates every
property and costs 20 to 30 ms a chart, which the page's seven charts would wait for in turn.
"""

from collections.abc import Sequence
from datetime import date

Figure = dict

LEVEL_COLORS = {"free": "#f2a65a", "paid": "#3a6ea5"}
MATCHED_COLOR, UNMATCHED_COLOR = "#2a9d8f", "#c7d0d9"
BAR_COLOR = "#3a6ea5"
# Light to dark blue (ColorBrewer Blues): plotly.js reads the name "Blues" otherwise than plotly.
BLUES = [[0, "#f7fbff"], [0.25, "#c6dbef"], [0.5, "#6baed6"], [0.75, "#2171b5"], [1, "#08306b"]]
AXIS_COLOR = "#e5e9ee"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HEIGHT = 330
LABEL_CHARS = 38  # longer song, artist and location names are cut in the axis labels


def axis(**settings: object) -> dict:
    """An axis in the house style."""
    return {"gridcolor": AXIS_COLOR, "zerolinecolor": AXIS_COLOR, "automargin": True, **settings}


def figure(traces: list[dict], view: str, height: int = HEIGHT, **layout: object) -> Figure:
    """The house layout; meta names the view drawn, so that tests can tell which one is shown."""
    base = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 36, "b": 10},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        "meta": {"view": view},
        "font": {"family": "system-ui, sans-serif", "size": 12, "color": "#1d2733"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": axis(),
        "yaxis": axis(),
    }
    return {"data": traces, "layout": {**base, **layout}}


def empty(text: str, view: str) -> Figure:
    """A chart with nothing to draw: the reason, in its middle."""
    note = {"text": text, "showarrow": False, "font": {"size": 14, "color": "#667"},
            "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}  # fmt: skip
    return figure([], view, annotations=[note], xaxis={"visible": False},
                  yaxis={"visible": False})  # fmt: skip


def cut(label: str | None, chars: int = LABEL_CHARS) -> str:
    """A label short enough for an axis; None reads as unknown."""
    if label is None:
        return "(unknown)"
    return label if len(label) <= chars else label[: chars - 1] + "…"


def plays_per_day(rows: Sequence[tuple[date, str, int]], view: str) -> Figure:
    """Stacked bars of each day's plays, free and paid."""
    if not rows:
        return empty("no plays in this view", view)
    traces = []
    for level, color in LEVEL_COLORS.items():
        days = [(day.isoformat(), plays) for day, row_level, plays in rows if row_level == level]
        traces.append({
            "type": "bar", "name": level, "marker": {"color": color},
            "x": [day for day, _ in days], "y": [plays for _, plays in days],
            "hovertemplate": "%{x|%a %Y-%m-%d}: %{y:,} plays<extra>" + level + "</extra>",
        })  # fmt: skip
    return figure(traces, view, barmode="stack", xaxis=axis(type="date", tickformat="%b %d"),
                  yaxis=axis(title={"text": "plays"}))  # fmt: skip


def weekday_hour(rows: Sequence[tuple[int, int, int, int]], view: str) -> Figure:
    """A heatmap of the average plays per day at each weekday and hour (UTC)."""
    if not rows:
        return empty("no plays in this view", view)
    average = [[0.0] * 24 for _ in WEEKDAYS]
    plays = [[0] * 24 for _ in WEEKDAYS]
    for weekday, hour, count, days in rows:
        average[weekday][hour] = round(count / days, 2)
        plays[weekday][hour] = count
    heatmap = {
        "type": "heatmap", "z": average, "x": list(range(24)), "y": list(WEEKDAYS),
        "customdata": plays, "colorscale": BLUES,
        "colorbar": {"title": {"text": "plays<br>a day"}},
        "hovertemplate": "%{y} %{x}:00 UTC: %{z:.1f} plays a day (%{customdata:,} in all)"
        "<extra></extra>",
    }  # fmt: skip
    return figure([heatmap], view, xaxis=axis(title={"text": "hour of the day (UTC)"}, dtick=2),
                  yaxis=axis(autorange="reversed"))  # fmt: skip


def levels(rows: Sequence[tuple[str, int, int]], view: str) -> Figure:
    """Listeners and plays of each level, side by side."""
    if not any(plays for _, _, plays in rows):
        return empty("no plays in this view", view)
    traces = []
    for axes, index in (("x", 1), ("x2", 2)):
        for level, *values in rows:
            value = values[index - 1]
            traces.append({
                "type": "bar", "x": [level], "y": [value], "name": level, "showlegend": False,
                "marker": {"color": LEVEL_COLORS[level]}, "text": [f"{value:,}"],
                "textposition": "auto", "xaxis": axes, "yaxis": axes.replace("x", "y"),
                "hovertemplate": f"{level}: %{{y:,}}<extra></extra>",
            })  # fmt: skip
    titles = [{"text": text, "showarrow": False, "xref": "paper", "yref": "paper", "x": x,
               "y": 1.0, "yanchor": "bottom", "font": {"size": 14}}
              for text, x in (("listeners", 0.225), ("plays", 0.775))]  # fmt: skip
    return figure(traces, view, annotations=titles, xaxis=axis(domain=[0, 0.45]),
                  xaxis2=axis(domain=[0.55, 1], anchor="y2"), yaxis2=axis(anchor="x2"))  # fmt: skip


def ranked(rows: Sequence[tuple], labels: list[str], view: str, what: str) -> Figure:
    """Horizontal bars, the first row on top: plays, split into matched and not matched."""
    if not rows:
        return empty(f"no {what} in this view", view)
    matched = [row[-1] for row in rows]
    others = [row[-2] - row[-1] for row in rows]
    traces = [
        {"type": "bar", "orientation": "h", "y": labels, "x": matched,
         "name": "matched to song_data", "marker": {"color": MATCHED_COLOR},
         "hovertemplate": "%{y}: %{x:,} matched<extra></extra>"},
        {"type": "bar", "orientation": "h", "y": labels, "x": others,
         "name": "not in song_data", "marker": {"color": UNMATCHED_COLOR},
         "hovertemplate": "%{y}: %{x:,} not matched<extra></extra>"},
    ]  # fmt: skip
    return figure(traces, view, height=HEIGHT + 40, barmode="stack",
                  yaxis=axis(autorange="reversed"),
                  xaxis=axis(title={"text": "plays"}))  # fmt: skip


def counted(rows: Sequence[tuple[str, int, int]], view: str, what: str) -> Figure:
    """Horizontal bars of plays per label, the first row on top, listeners in the hover."""
    if not rows:
        return empty(f"no {what} in this view", view)
    bars = {
        "type": "bar", "orientation": "h", "marker": {"color": BAR_COLOR},
        "y": [cut(label) for label, _, _ in rows], "x": [plays for _, plays, _ in rows],
        "customdata": [listeners for _, _, listeners in rows],
        "hovertemplate": "%{y}: %{x:,} plays by %{customdata:,} listeners<extra></extra>",
    }  # fmt: skip
    return figure([bars], view, yaxis=axis(autorange="reversed"),
                  xaxis=axis(title={"text": "plays"}))  # fmt: skip


def top_songs(rows: Sequence[tuple[str, str | None, int, int]], view: str) -> Figure:
    """The most played songs, labelled title, artist."""
    labels = [f"{cut(title, 30)} · {cut(artist, 22)}" for title, artist, _, _ in rows]
    return ranked(rows, labels, view, "songs")


def top_artists(rows: Sequence[tuple[str, int, int]], view: str) -> Figure:
    """The most played artists."""
    return ranked(rows, [cut(artist) for artist, _, _ in rows], view, "artists")


def locations(rows: Sequence[tuple[str, int, int]], view: str) -> Figure:
    """The locations with the most plays."""
    return counted(rows, view, "locations")


def platforms(rows: Sequence[tuple[str, int, int]], view: str) -> Figure:
    """Plays by platform."""
    return counted(rows, view, "platforms")

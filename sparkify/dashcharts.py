"""The dashboard's charts: plotly figures drawn from the rows of sparkify.dashdata."""

from collections.abc import Sequence
from datetime import date

import plotly.graph_objects as go
from plotly.subplots import make_subplots

LEVEL_COLORS = {"free": "#f2a65a", "paid": "#3a6ea5"}
MATCHED_COLOR, UNMATCHED_COLOR = "#2a9d8f", "#c7d0d9"
BAR_COLOR = "#3a6ea5"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HEIGHT = 330
LABEL_CHARS = 38  # longer song, artist and location names are cut in the axis labels


def finish(fig: go.Figure, view: str, height: int = HEIGHT) -> go.Figure:
    """The house layout; meta names the view drawn, so that tests can tell which one is shown."""
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 10, "r": 10, "t": 36, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        meta={"view": view},
        font={"family": "system-ui, sans-serif", "size": 12},
    )
    return fig


def empty(text: str, view: str) -> go.Figure:
    """A chart with nothing to draw: the reason, in its middle."""
    fig = go.Figure()
    fig.add_annotation(text=text, showarrow=False, font={"size": 14, "color": "#667"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return finish(fig, view)


def cut(label: str | None, chars: int = LABEL_CHARS) -> str:
    """A label short enough for an axis; None reads as unknown."""
    if label is None:
        return "(unknown)"
    return label if len(label) <= chars else label[: chars - 1] + "…"


def plays_per_day(rows: Sequence[tuple[date, str, int]], view: str) -> go.Figure:
    """Stacked bars of each day's plays, free and paid."""
    if not rows:
        return empty("no plays in this view", view)
    fig = go.Figure()
    for level, color in LEVEL_COLORS.items():
        days = [(day, plays) for day, row_level, plays in rows if row_level == level]
        fig.add_bar(
            x=[day for day, _ in days], y=[plays for _, plays in days], name=level,
            marker_color=color, hovertemplate="%{x|%a %Y-%m-%d}: %{y:,} plays<extra>"
            + level + "</extra>",
        )  # fmt: skip
    fig.update_layout(barmode="stack", xaxis={"tickformat": "%b %d"}, yaxis={"title": "plays"})
    return finish(fig, view)


def weekday_hour(rows: Sequence[tuple[int, int, int, int]], view: str) -> go.Figure:
    """A heatmap of the average plays per day at each weekday and hour (UTC)."""
    if not rows:
        return empty("no plays in this view", view)
    average = [[0.0] * 24 for _ in WEEKDAYS]
    plays = [[0] * 24 for _ in WEEKDAYS]
    for weekday, hour, count, days in rows:
        average[weekday][hour] = count / days
        plays[weekday][hour] = count
    fig = go.Figure(
        go.Heatmap(
            z=average, x=list(range(24)), y=list(WEEKDAYS), customdata=plays,
            colorscale="Blues", colorbar={"title": "plays<br>a day"},
            hovertemplate="%{y} %{x}:00 UTC: %{z:.1f} plays a day (%{customdata:,} in all)"
            "<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(
        xaxis={"title": "hour of the day (UTC)", "dtick": 2},
        yaxis={"autorange": "reversed"},
    )
    return finish(fig, view)


def levels(rows: Sequence[tuple[str, int, int]], view: str) -> go.Figure:
    """Listeners and plays of each level, side by side."""
    if not any(plays for _, _, plays in rows):
        return empty("no plays in this view", view)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("listeners", "plays"))
    for level, listeners, plays in rows:
        color = LEVEL_COLORS[level]
        for col, value in ((1, listeners), (2, plays)):
            fig.add_bar(
                x=[level], y=[value], name=level, marker_color=color, showlegend=False,
                text=[f"{value:,}"], textposition="auto", row=1, col=col,
                hovertemplate=f"{level}: %{{y:,}}<extra></extra>",
            )  # fmt: skip
    return finish(fig, view)


def ranked(rows: Sequence[tuple], labels: list[str], view: str, what: str) -> go.Figure:
    """Horizontal bars, the first row on top: plays, split into matched and not matched."""
    if not rows:
        return empty(f"no {what} in this view", view)
    matched = [row[-1] for row in rows]
    others = [row[-2] - row[-1] for row in rows]
    fig = go.Figure()
    fig.add_bar(
        y=labels, x=matched, orientation="h", name="matched to song_data",
        marker_color=MATCHED_COLOR, hovertemplate="%{y}: %{x:,} matched<extra></extra>",
    )  # fmt: skip
    fig.add_bar(
        y=labels, x=others, orientation="h", name="not in song_data",
        marker_color=UNMATCHED_COLOR, hovertemplate="%{y}: %{x:,} not matched<extra></extra>",
    )  # fmt: skip
    fig.update_layout(barmode="stack", yaxis={"autorange": "reversed"}, xaxis={"title": "plays"})
    return finish(fig, view, height=HEIGHT + 40)


def counted(rows: Sequence[tuple[str, int, int]], view: str, what: str) -> go.Figure:
    """Horizontal bars of plays per label, the first row on top, listeners in the hover."""
    if not rows:
        return empty(f"no {what} in this view", view)
    fig = go.Figure(
        go.Bar(
            y=[cut(label) for label, _, _ in rows], x=[plays for _, plays, _ in rows],
            customdata=[listeners for _, _, listeners in rows], orientation="h",
            marker_color=BAR_COLOR,
            hovertemplate="%{y}: %{x:,} plays by %{customdata:,} listeners<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(yaxis={"autorange": "reversed"}, xaxis={"title": "plays"})
    return finish(fig, view)


def top_songs(rows: Sequence[tuple[str, str | None, int, int]], view: str) -> go.Figure:
    """The most played songs, labelled title, artist."""
    labels = [f"{cut(title, 30)} · {cut(artist, 22)}" for title, artist, _, _ in rows]
    return ranked(rows, labels, view, "songs")


def top_artists(rows: Sequence[tuple[str, int, int]], view: str) -> go.Figure:
    """The most played artists."""
    return ranked(rows, [cut(artist) for artist, _, _ in rows], view, "artists")


def locations(rows: Sequence[tuple[str, int, int]], view: str) -> go.Figure:
    """The locations with the most plays."""
    return counted(rows, view, "locations")


def platforms(rows: Sequence[tuple[str, int, int]], view: str) -> go.Figure:
    """Plays by platform."""
    return counted(rows, view, "platforms")

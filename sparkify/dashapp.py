"""The dashboard's page: its layout, and the callbacks that fill it from the URL's filters.

The URL's query string is the one source of the filters: the controls write it, and the
headline reads it, so a view can be bookmarked and shared. Each chart is a callback of its own
that follows the headline's view: the browser asks for them all at once, once the numbers are
shown, and draws each as it arrives.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

import psycopg2
from dash import Dash, Input, Output, ctx, dcc, html, no_update
from psycopg2.extensions import cursor

from sparkify import dashcharts as charts
from sparkify import dashdata as data
from sparkify.errors import DatabaseError
from sparkify.filters import Filters, parse_query

logger = logging.getLogger(__name__)

ALL = "all"  # the controls' value for "no filter"
TITLE = "Sparkify: what our users play"


@dataclass(frozen=True)
class Panel:
    """One chart: its element id, the question it answers, how to read it, its data, its figure."""

    id: str
    question: str
    note: str
    rows: Callable[[cursor, Filters], list]
    draw: Callable[[list, str], charts.Figure]


PANELS = [
    Panel("chart-days", "How much is played each day?",
          "Song plays per day (UTC), free and paid stacked.",
          data.plays_per_day, charts.plays_per_day),
    Panel("chart-heatmap", "When do they listen?",
          "Average plays per day at each weekday and hour (UTC): a weekday that occurs five "
          "times in the period counts five days.", data.weekday_hour, charts.weekday_hour),
    Panel("chart-levels", "Free or paid: who listens, and how much?",
          "Listeners and plays by the level they played at; a user who changed level in the "
          "period counts at both.", data.levels, charts.levels),
    Panel("chart-songs", "Which songs do they play most?",
          "The ten songs played most, as the events name them (title and artist), and how many "
          "of those plays matched a song of song_data.", data.top_songs, charts.top_songs),
    Panel("chart-artists", "Which artists do they play most?",
          "The ten artists played most, as the events name them, and how many of those plays "
          "matched song_data.", data.top_artists, charts.top_artists),
    Panel("chart-locations", "Where do the plays come from?",
          "The ten locations with the most plays, as the app reports them.",
          data.top_locations, charts.locations),
    Panel("chart-platforms", "What do they listen on?",
          "Plays by the platform of the user agent (iPhone and iPad before Mac, Android "
          "before Linux).", data.platforms, charts.platforms),
]  # fmt: skip


def iso(day: date | None) -> str | None:
    """A date as the date picker takes it."""
    return day.isoformat() if day else None


def from_controls(start: str | None, end: str | None, level: str, gender: str) -> Filters:
    """The filters the controls show."""
    return Filters(
        date.fromisoformat(start[:10]) if start else None,
        date.fromisoformat(end[:10]) if end else None,
        None if level in (None, ALL) else level,
        None if gender in (None, ALL) else gender,
    )


def card(label: str, value: str, detail: str, element_id: str, small: bool = False) -> html.Div:
    """One headline number with its label and a line of detail; small for dates."""
    return html.Div(
        [
            html.Div(label, className="label"),
            html.Div(value, id=element_id, className="value small" if small else "value"),
            html.Div(detail, className="detail"),
        ],
        className="card",
    )


def cards(numbers: data.Headline) -> list[html.Div]:
    """The headline numbers as cards."""
    period = "no plays in this view"
    if numbers.first_day:
        period = f"{numbers.first_day:%Y-%m-%d} to {numbers.last_day:%Y-%m-%d}"
    loaded = "never"
    if numbers.last_loaded:
        loaded = f"{numbers.last_loaded.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return [
        card("song plays", f"{numbers.plays:,}", "in this view", "kpi-plays"),
        card("listeners", f"{numbers.listeners:,}", "users who played a song", "kpi-listeners"),
        card("paid listeners", f"{numbers.paid_listeners:,}",
             f"{numbers.paid_share:.1%} of the plays are paid", "kpi-paid"),
        card("songs known", f"{numbers.songs:,}", f"{numbers.artists:,} artists in song_data",
             "kpi-songs"),
        card("matched to song_data", f"{numbers.matched_share:.2%}",
             f"{numbers.matched:,} plays", "kpi-matched"),
        card("period", period, "first and last day with plays (UTC)", "kpi-period", small=True),
        card("last loaded", loaded, "when etl.py last committed a load", "kpi-loaded",
             small=True),
    ]  # fmt: skip


def notice(messages: list[str], kind: str) -> list[html.Div]:
    """Messages above the numbers: what was ignored, or what to run."""
    return [html.Div(message, className=f"notice {kind}") for message in messages]


def filter_bar(first: date | None, last: date | None) -> html.Div:
    """The controls: days, level, gender; they write the URL's query string."""
    choices = [{"label": ALL, "value": ALL}]
    return html.Div(
        [
            html.Label(["days (UTC)", dcc.DatePickerRange(
                id="days", start_date_id="days-from", end_date_id="days-to", clearable=True,
                display_format="YYYY-MM-DD", updatemode="bothdates",
                min_date_allowed=iso(first), max_date_allowed=iso(last),
                initial_visible_month=iso(first), start_date_placeholder_text="from",
                end_date_placeholder_text="to",
            )]),
            html.Label(["level", dcc.RadioItems(
                id="level", value=ALL, inline=True,
                options=choices + [{"label": v, "value": v} for v in ("free", "paid")],
            )]),
            html.Label(["gender", dcc.RadioItems(
                id="gender", value=ALL, inline=True,
                options=choices + [{"label": v, "value": v} for v in ("F", "M")],
            )]),
            html.A("show everything", href="/", className="reset"),
        ],
        className="filters",
    )  # fmt: skip


def panel_section(panel: Panel) -> html.Section:
    """A chart with its question and how to read it."""
    return html.Section(
        [
            html.H2(panel.question),
            html.P(panel.note, className="note"),
            dcc.Graph(id=panel.id, config={"displaylogo": False, "displayModeBar": False}),
        ],
        className="panel",
    )


def layout(reader: data.Reader) -> html.Div:
    """The page; the date picker is bounded by the days that have plays, when they are known."""
    first = last = None
    try:
        with reader.cursor() as cur:
            if data.status(cur).advice() is None:
                first, last = data.period(cur)
    except (psycopg2.Error, DatabaseError) as exc:
        logger.warning("the page opens without date bounds: %s", data.problem(exc))
    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            # Written by the controls only: the panels read "url", which no callback writes,
            # so they do not wait for the controls on a page load. "callback-nav" tells "url".
            dcc.Location(id="url-write", refresh="callback-nav"),
            html.Header([html.H1(TITLE), html.P("Song plays loaded by etl.py. Times are UTC.")]),
            filter_bar(first, last),
            html.Div(id="notice"),
            html.Div(id="headline", className="cards"),
            html.Div([panel_section(panel) for panel in PANELS], className="panels"),
        ],
        className="page",
    )


def sync(search: str | None, start: str | None, end: str | None, level: str, gender: str) -> tuple:
    """Keep the controls and the URL's query string in step: whichever changed wins."""
    if ctx.triggered_id in (None, "url"):
        filters, _ = parse_query(search)
        return (no_update, iso(filters.start), iso(filters.end),
                filters.level or ALL, filters.gender or ALL)  # fmt: skip
    wanted = from_controls(start, end, level, gender).query_string()
    return (wanted if wanted != (search or "") else no_update, *[no_update] * 4)


def show_headline(reader: data.Reader, search: str | None) -> tuple[list, list, str]:
    """The messages, the headline cards and the view they show, for a query string."""
    filters, problems = parse_query(search)
    view = filters.query_string()
    try:
        with reader.cursor() as cur:
            advice = data.status(cur).advice()
            numbers = None if advice else data.headline(cur, filters)
    except (psycopg2.Error, DatabaseError) as exc:
        logger.warning("headline: %s", data.problem(exc))
        return notice([data.problem(exc)], "error"), [], view
    if advice:
        return notice([advice], "advice") + notice(problems, "warning"), [], view
    return notice(problems, "warning"), cards(numbers), view


def show_panel(reader: data.Reader, panel: Panel, view: str | None) -> charts.Figure:
    """One chart for the view the headline shows, or the reason it has nothing to draw."""
    filters, _ = parse_query(view)
    view = filters.query_string()
    try:
        with reader.cursor() as cur:
            if data.status(cur).advice():
                return charts.empty("nothing loaded yet: see above", view)
            return panel.draw(panel.rows(cur, filters), view)
    except (psycopg2.Error, DatabaseError) as exc:
        logger.warning("%s: %s", panel.id, data.problem(exc))
        return charts.empty("the database did not answer: see above", view)


def create_app(reader: data.Reader) -> Dash:
    """The Dash app of the dashboard, reading through reader."""
    app = Dash(__name__, title="Sparkify dashboard", update_title=None)
    app.layout = lambda: layout(reader)
    controls = [("days", "start_date"), ("days", "end_date"), ("level", "value"),
                ("gender", "value")]  # fmt: skip
    app.callback(
        Output("url-write", "search"),
        *[Output(*control) for control in controls],
        Input("url", "search"),
        *[Input(*control) for control in controls],
    )(sync)

    @app.callback(
        Output("notice", "children"),
        Output("headline", "children"),
        Output("headline", "data-view"),
        Input("url", "search"),
    )
    def headline(search: str | None) -> tuple:
        return show_headline(reader, search)

    for panel in PANELS:
        register_panel(app, reader, panel)
    return app


def register_panel(app: Dash, reader: data.Reader, panel: Panel) -> None:
    """Draw panel for the view the headline has just shown.

    The charts follow the numbers rather than race them: the headline's queries then have the
    database and the server to themselves, and the numbers come first.
    """

    def draw(view: str | None) -> Any:
        return show_panel(reader, panel, view)

    app.callback(Output(panel.id, "figure"), Input("headline", "data-view"))(draw)

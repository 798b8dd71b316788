"""Charts of the insight queries, drawn on axes the caller owns (a notebook or a script)."""

import pandas as pd
from matplotlib.axes import Axes

BAR_COLOR = "#1db954"


def plays_by_hour(ax: Axes, frame: pd.DataFrame) -> Axes:
    """Bars of plays per hour of the day (UTC), from the plays_by_hour query."""
    ax.bar(frame["hour"], frame["plays"], color=BAR_COLOR)
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlim(-0.6, 23.6)
    ax.set(title="Song plays by hour of the day", xlabel="hour (UTC)", ylabel="plays")
    return ax


def plays_by_weekday(ax: Axes, frame: pd.DataFrame) -> Axes:
    """Bars of the average plays per day for each weekday, from the plays_by_weekday query."""
    ax.bar(frame["day_name"].str[:3], frame["plays_per_day"], color=BAR_COLOR)
    ax.set(title="Song plays per day, by weekday", xlabel="weekday", ylabel="plays per day")
    return ax


def platform_mix(ax: Axes, frame: pd.DataFrame) -> Axes:
    """Horizontal bars of plays per platform, the largest on top, from platform_mix."""
    ordered = frame.sort_values("plays")
    ax.barh(ordered["platform"], ordered["plays"], color=BAR_COLOR)
    ax.set(title="Song plays by platform", xlabel="plays", ylabel="")
    return ax


def plays_by_level(axes: tuple[Axes, Axes], frame: pd.DataFrame) -> tuple[Axes, Axes]:
    """Users and plays of free and paid levels side by side, from plays_by_level."""
    users_ax, plays_ax = axes
    users_ax.bar(frame["level"], frame["users"], color=BAR_COLOR)
    users_ax.set(title="Users by current level", ylabel="users")
    plays_ax.bar(frame["level"], frame["plays"], color=BAR_COLOR)
    plays_ax.set(title="Song plays by level", ylabel="plays")
    return axes


def top_played(ax: Axes, frame: pd.DataFrame, label: str, title: str) -> Axes:
    """Horizontal bars of plays, the most played on top, the plays matched to song_data darker."""
    ordered = frame.iloc[::-1]
    ax.barh(ordered[label], ordered["plays"], color=BAR_COLOR, alpha=0.45, label="played")
    ax.barh(ordered[label], ordered["matched_plays"], color=BAR_COLOR, label="matched song_data")
    ax.set(title=title, xlabel="plays", ylabel="")
    ax.legend(loc="lower right")
    return ax

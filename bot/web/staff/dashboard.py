"""The dashboard: per week, intakes by client type (stacked bars) and how often staff agreed
with the bot (a line), drawn server-side as SVG (no script), with the same figures in a table."""
from __future__ import annotations

from flask import Blueprint, render_template

from bot.storage import staff
from bot.vocabulary import CLIENT_TYPES
from bot.web.staff import db_session

bp = Blueprint("dashboard", __name__)

WEEKS = 12
#: The chart's geometry, in SVG user units.
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 260, 44, 44, 16, 40
COLOURS = {"medical": "#1f5f99", "relaxation": "#3d8a5a", "unclear": "#8a8a8a"}


def chart(weeks: list[dict]) -> dict:
    """Bars (one stack per week) and the agreement line, in SVG coordinates."""
    most = max([w["total"] for w in weeks] + [1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(weeks)
    bars, points = [], []
    for index, week in enumerate(weeks):
        x = LEFT + index * slot + slot * 0.2
        y = TOP + plot_h
        for kind in CLIENT_TYPES:
            count = week["by_type"][kind]
            if count:
                height = plot_h * count / most
                y -= height
                bars.append({"x": round(x, 1), "y": round(y, 1), "width": round(slot * 0.6, 1),
                             "height": round(height, 1), "fill": COLOURS[kind],
                             "title": f"{week['week']:%d %b}: {count} {kind}"})
        if week["agreement"] is not None:
            points.append((round(LEFT + index * slot + slot / 2, 1),
                           round(TOP + plot_h * (1 - week["agreement"]), 1),
                           f"{week['week']:%d %b}: agreed with {week['agreed']} of "
                           f"{week['reviewed']} reviewed"))
    ticks = sorted({0, most // 2, most})
    return {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "top": TOP,
        "bottom": TOP + plot_h, "bars": bars, "points": points,
        "line": " ".join(f"{x},{y}" for x, y, _ in points),
        "ticks": [{"y": round(TOP + plot_h * (1 - t / most), 1), "label": t} for t in ticks],
        "labels": [{"x": round(LEFT + i * slot + slot / 2, 1), "text": f"{w['week']:%d %b}"}
                   for i, w in enumerate(weeks)],
        "colours": COLOURS,
    }


@bp.get("/dashboard")
def index():
    weeks = staff.weekly_figures(db_session(), WEEKS)
    return render_template("staff/dashboard.html", weeks=weeks, chart=chart(weeks),
                           client_types=CLIENT_TYPES)

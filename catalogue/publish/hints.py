"""The score's hints as a publisher reads them: one line per thing to do.

The MQA method counts some facts twice (a distribution whose link answers earns points under
both "access URL answers" and "download URL answers"), so the score's own list can say the same
thing twice with two amounts. Shown to a publisher, those lines are one action: merged here,
their points added. Pure: hint text in, hint text out.
"""

from __future__ import annotations

import re

HINT = re.compile(r"^(?P<text>.*?):\s*(?P<upto>up to )?\+(?P<points>\d+)$")


def hints_merged(hints: list[str]) -> list[str]:
    """Hints with the same advice merged into one line with the points added, in the order
    they first appear. Advice that another line repeats and extends ("Say how the data was
    collected" beside "Say how the data was collected, and if it is derived, name its
    sources") is folded into the longer line."""
    order: list[str] = []
    points: dict[str, int] = {}
    up_to: dict[str, bool] = {}
    plain: list[str] = []
    for hint in hints:
        match = HINT.match(hint)
        if match is None:
            if hint not in plain:
                plain.append(hint)
                order.append(hint)
            continue
        text = match["text"]
        if text not in points:
            order.append(text)
            points[text], up_to[text] = 0, False
        points[text] += int(match["points"])
        up_to[text] = up_to[text] or bool(match["upto"])
    for short in [t for t in order if t in points]:
        longer = next((t for t in order if t in points and t != short and t.startswith(short + ",")), None)
        if longer is not None:
            points[longer] += points.pop(short)
            up_to[longer] = up_to[longer] or up_to.pop(short)
            order.remove(short)
    return [t if t not in points else f"{t}: {'up to ' if up_to[t] else ''}+{points[t]}" for t in order]

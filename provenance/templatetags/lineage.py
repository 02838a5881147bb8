"""Lineage on pages: {% lineage_panel dataset %} and {% upstream_failure_alerts %}.

The picture is an SVG drawn on the server (laid out by provenance.lineage_picture): sources
above, the dataset in the middle, what is built from it below. Each box is a link with a
name a screen reader announces ("Source: <title> (<publisher>), 2 steps upstream") and
moves the picture to that dataset. A small script (static/js/lineage.js) adds pan and zoom;
without it the picture is whole and still works. The same lineage is given as a list grouped
by distance, which is the text alternative and, at phone width, replaces the picture.

An edge made from data shared under a sharing agreement (the recipient derived its dataset
from the provider's) is drawn in another colour and listed in text as "shared under <the
agreement>", linking to the agreement's page, for readers who may read the agreement.
"""

from datetime import UTC, datetime, time

from django import template
from django.utils.dateparse import parse_date

from provenance import lineage_picture, queries

register = template.Library()

PANEL_DEPTH = 3  # levels each side; the API and list give more


def _as_of(request) -> datetime | None:
    raw = request.GET.get("lineage_as_of", "") if request is not None else ""
    day = parse_date(raw) if raw else None
    return datetime.combine(day, time.max, tzinfo=UTC) if day else None


def _picture(up: queries.LineageAnswer, down: queries.LineageAnswer, plans: dict) -> lineage_picture.Picture:
    """The picture's layout, with each edge made under a sharing agreement named by it."""
    keys = {node.pk: node.key for node in [up.root, *up.nodes, *down.nodes] if node.visible}
    shared = {
        (keys[source], keys[derived]): agreement.name
        for (source, derived), agreement in plans.items()
        if source in keys and derived in keys
    }
    return lineage_picture.layout(up.root, up.nodes, down.nodes, {*up.edges, *down.edges}, shared)


def _by_depth(nodes: list[queries.LineageNode]) -> list[dict]:
    """The list under the picture: nodes grouped by how many steps away they are."""
    groups: dict[int, list[queries.LineageNode]] = {}
    for node in nodes:
        groups.setdefault(node.depth, []).append(node)
    return [{"depth": depth, "nodes": groups[depth]} for depth in sorted(groups)]


@register.inclusion_tag("provenance/lineage_panel.html", takes_context=True)
def lineage_panel(context, dataset):
    request = context.get("request")
    user = getattr(request, "user", None)
    as_of = _as_of(request)
    up = queries.upstream(user, dataset, depth=PANEL_DEPTH, as_of=as_of, limit=60)
    down = queries.downstream(user, dataset, depth=PANEL_DEPTH, as_of=as_of, limit=60)
    plans = _plans(user, up, down)
    return {
        "dataset": dataset,
        "up": up,
        "down": down,
        "failures": queries.upstream_failures(user, dataset),
        "picture": _picture(up, down, plans) if (up.nodes or down.nodes) else None,
        "up_levels": _by_depth(up.nodes),
        "down_levels": _by_depth(down.nodes),
        "shared_edges": _shared_edges(up, down, plans),
        "as_of": as_of,
        "depth": PANEL_DEPTH,
    }


def _plans(user, up: queries.LineageAnswer, down: queries.LineageAnswer) -> dict:
    """The agreements the shown derivations were made under (one query; none without edges)."""
    pairs = sorted({*up.visible_derivations, *down.visible_derivations})
    return queries.derivation_plans(user, pairs) if pairs else {}


def _shared_edges(up: queries.LineageAnswer, down: queries.LineageAnswer, plans: dict) -> list[dict]:
    """The edges crossing an agreement, upstream first, as text: source, derived, agreement."""
    nodes = {node.pk: node for node in [up.root, *up.nodes, *down.nodes] if node.visible}
    shared = []
    for source_id, derived_id, _ in sorted({*up.visible_derivations, *down.visible_derivations}):
        agreement = plans.get((source_id, derived_id))
        if agreement is not None and source_id in nodes and derived_id in nodes:
            shared.append({"source": nodes[source_id], "derived": nodes[derived_id], "agreement": agreement})
    return sorted(shared, key=lambda edge: (edge["derived"].depth, edge["source"].title))


@register.inclusion_tag("provenance/upstream_failure_alerts.html", takes_context=True)
def upstream_failure_alerts(context):
    request = context.get("request")
    return {"alerts": queries.upstream_failure_alerts(getattr(request, "user", None))}

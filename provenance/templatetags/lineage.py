"""Lineage on pages: {% lineage_panel dataset %} and {% upstream_failure_alerts %}.

The picture is an SVG drawn on the server (no script, nothing fetched): upstream datasets in
columns to the left by distance, downstream to the right, the dataset itself in the middle.
Each node links to its dataset page, so clicking one moves the picture there. The same
lineage is given as a text list, which is what screen readers read.

An edge made from data shared under a sharing agreement (the recipient derived its dataset
from the provider's) is drawn in another colour and listed in text as "shared under <the
agreement>", linking to the agreement's page, for readers who may read the agreement.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time

from django import template
from django.utils.dateparse import parse_date

from provenance import queries

register = template.Library()

PANEL_DEPTH = 3  # columns each side; the API and list give more
PER_COLUMN = 6
NODE_W, NODE_H = 176, 40
COL_GAP, ROW_GAP = 54, 14
LABEL_CHARS = 24


@dataclass
class Box:
    node: queries.LineageNode
    x: int
    y: int
    label: str
    is_root: bool = False


def _label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _as_of(request) -> datetime | None:
    raw = request.GET.get("lineage_as_of", "") if request is not None else ""
    day = parse_date(raw) if raw else None
    return datetime.combine(day, time.max, tzinfo=UTC) if day else None


def _layout(up: queries.LineageAnswer, down: queries.LineageAnswer, plans: dict) -> dict:
    columns: dict[int, list[queries.LineageNode]] = {}
    for node in up.nodes:
        columns.setdefault(-node.depth, []).append(node)
    for node in down.nodes:
        columns.setdefault(node.depth, []).append(node)
    columns[0] = [up.root]
    left = min(columns)
    right = max(columns)
    tallest = max(min(len(nodes), PER_COLUMN + 1) for nodes in columns.values())
    height = tallest * (NODE_H + ROW_GAP) + ROW_GAP
    boxes: dict[str, Box] = {}
    more = []
    for column, nodes in columns.items():
        x = (column - left) * (NODE_W + COL_GAP) + 10
        shown = nodes[:PER_COLUMN]
        rows = len(shown) + (1 if len(nodes) > PER_COLUMN else 0)
        top = (height - rows * (NODE_H + ROW_GAP) + ROW_GAP) // 2
        for i, node in enumerate(shown):
            label = _label(node.title) if node.visible else "Dataset you cannot see"
            boxes[node.key] = Box(node, x, top + i * (NODE_H + ROW_GAP), label, is_root=column == 0)
        if len(nodes) > PER_COLUMN:
            more.append(
                {
                    "x": x + NODE_W // 2,
                    "y": top + PER_COLUMN * (NODE_H + ROW_GAP) + NODE_H // 2,
                    "count": len(nodes) - PER_COLUMN,
                }
            )
    edges = []
    for source_key, derived_key in {*up.edges, *down.edges}:
        source, derived = boxes.get(source_key), boxes.get(derived_key)
        if source is None or derived is None:
            continue
        x1, y1 = source.x + NODE_W, source.y + NODE_H // 2
        x2, y2 = derived.x, derived.y + NODE_H // 2
        mid = (x1 + x2) // 2
        shared = (source.node.pk, derived.node.pk) in plans
        edges.append({"d": f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}", "shared": shared})
    width = (right - left + 1) * (NODE_W + COL_GAP) - COL_GAP + 20
    return {
        "boxes": list(boxes.values()),
        "edges": sorted(edges, key=lambda edge: (edge["shared"], edge["d"])),
        "more": more,
        "width": width,
        "height": height,
        "node_w": NODE_W,
        "node_h": NODE_H,
    }


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
        "picture": _layout(up, down, plans) if (up.nodes or down.nodes) else None,
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

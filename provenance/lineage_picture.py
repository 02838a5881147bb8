"""The lineage picture's layout: where each box, line of text and edge goes, computed on the server.

The picture is laid out top to bottom: the furthest sources at the top, the dataset in the
middle, what is built from it below. That direction fits a page column: the width is fixed
(``WIDTH``, about the dataset page's main column at 1280 px, so the SVG is drawn at its own
size and text is never scaled below its set size), and deeper lineage only makes it taller.

Titles are wrapped onto up to ``TITLE_LINES`` lines by an estimate of their width in DejaVu
Sans (the widest common sans-serif, and Debian's default), so the estimate errs on the wide
side and text stays inside its box in narrower fonts too. A title cut after its last line
ends with "…"; its full text stays in the box's accessible name, its tooltip and the list.

A level (the datasets the same number of steps away) wider than ``LEVEL_LIMIT`` shows its
first ``LEVEL_LIMIT - 1`` boxes and an "and 12 more" box that links to that level in the
list under the picture; edges from the boxes left out end at that box.

Pure Python, no Django: the template tag hands it lineage nodes and draws what it returns.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

WIDTH = 760  # user units; the SVG is drawn at this many CSS pixels (smaller only below 702 px)
MARGIN = 12
PER_ROW = 4
GAP_X = 16
NODE_W = (WIDTH - 2 * MARGIN - (PER_ROW - 1) * GAP_X) // PER_ROW  # 172
ROOT_W = 2 * NODE_W + GAP_X
PAD_X = 10
TITLE_SIZE = 15
TITLE_LINE = 19
SUB_SIZE = 13
LEVEL_LABEL_SIZE = 13
TITLE_LINES = 3
LEVEL_LIMIT = 8
ROW_GAP = 20
LEVEL_LABEL_H = 24  # room above a level for its label ("2 steps upstream")
LEVEL_GAP = 34  # between one level's last row and the next level's label: room for the edges

# Advance widths of DejaVu Sans in ems (from the font's hmtx table), grouped by width.
_WIDTHS = {
    0.278: "'ijlIJ",
    0.318: " ,.’‘",
    0.337: "/:;\\|",
    0.352: "f",
    0.361: "-",
    0.39: "()[]t",
    0.411: "!r",
    0.5: '"*_`–“”',
    0.55: "sz?c",
    0.6: "LFkvxyPTYoae",
    0.64: "Ehnu$Sbdgpq0123456789{}K",
    0.7: "AVXZBRC",
    0.78: "UNHDG&OQ",
    0.84: "w#+<=>^~M",
    1.0: "%mW@…—⚠",
}
_CHAR_EM = {char: em for em, chars in _WIDTHS.items() for char in chars}
_OTHER_EM = 0.7  # letters with accents and other scripts: a little wider than most Latin letters


def text_width(text: str, size: float) -> float:
    """An estimate, on the wide side, of ``text``'s width in CSS pixels at ``size`` px."""
    return size * sum(_CHAR_EM.get(char, _OTHER_EM) for char in text)


def _fit(text: str, width: float, size: float) -> str:
    """``text`` cut to ``width`` with a "…" when it does not fit whole."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text.rstrip() + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(text: str, width: float, size: float = TITLE_SIZE, lines: int = TITLE_LINES) -> list[str]:
    """``text`` broken at spaces into at most ``lines`` lines, each narrower than ``width``.

    A word wider than a line is broken inside; what is left after the last line is cut with
    "…" (callers keep the whole text elsewhere)."""
    result: list[str] = []
    current = ""
    words = text.split()
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size) <= width:
            current = candidate
            continue
        if current:
            result.append(current)
            current = ""
        while text_width(word, size) > width:  # a word longer than a line: break it
            cut = len(word)
            while cut > 1 and text_width(word[:cut], size) > width:
                cut -= 1
            result.append(word[:cut])
            word = word[cut:]
        current = word
        if len(result) >= lines:
            rest = " ".join([current, *words[index + 1 :]])
            result = result[:lines]
            result[-1] = _fit(result[-1] + " " + rest, width, size)
            return result
    if current:
        result.append(current)
    if len(result) > lines:
        result = result[: lines - 1] + [_fit(" ".join(result[lines - 1 :]), width, size)]
    return result or [""]


class Node(Protocol):
    """What the layout needs of a lineage node (provenance.queries.LineageNode)."""

    key: str
    depth: int
    visible: bool
    title: str
    url: str
    publisher: str
    failed_check: bool


@dataclass(eq=False)  # compared and hashed by identity: edges are sets of boxes
class Box:
    """One dataset in the picture."""

    node: Node
    level: int  # negative upstream, 0 the dataset itself, positive downstream
    x: int = 0
    y: int = 0
    w: int = NODE_W
    h: int = 0
    lines: list[str] = field(default_factory=list)
    sub: str = ""
    edges_in: int = 0
    edges_out: int = 0
    first_row: bool = True  # of its level: edges into it need not pass a row of its level
    last_row: bool = True  # of its level: edges out of it need not pass a row of its level

    @property
    def is_root(self) -> bool:
        return self.level == 0

    @property
    def label(self) -> str:
        """The accessible name: what a screen reader announces when the box takes focus."""
        node = self.node
        steps = f"{abs(self.level)} step{'' if abs(self.level) == 1 else 's'}"
        where = f"{steps} upstream" if self.level < 0 else f"{steps} downstream"
        failed = ", latest check failed" if node.failed_check else ""
        if self.is_root:
            return f"This dataset: {node.title}{failed}"
        if not node.visible:
            return f"A dataset you do not have access to, {where}{failed}"
        role = "Source" if self.level < 0 else "Built from this"
        return f"{role}: {node.title} ({node.publisher}), {where}{failed}"

    @property
    def title_y(self) -> int:
        return self.y + 8 + TITLE_SIZE

    @property
    def sub_y(self) -> int:
        return self.y + 8 + len(self.lines) * TITLE_LINE + SUB_SIZE + 3

    @property
    def text_x(self) -> int:
        return self.x + PAD_X


@dataclass(eq=False)
class More:
    """The box standing for a level's datasets left out of the picture."""

    level: int
    count: int
    x: int = 0
    y: int = 0
    w: int = NODE_W
    h: int = 0
    edges_in: int = 0
    edges_out: int = 0
    first_row: bool = True
    last_row: bool = True

    @property
    def anchor(self) -> str:
        """The id of this level's part of the list under the picture."""
        return f"lineage-{'up' if self.level < 0 else 'down'}-{abs(self.level)}"

    @property
    def text(self) -> str:
        return f"and {self.count} more"

    @property
    def label(self) -> str:
        steps = f"{abs(self.level)} step{'' if abs(self.level) == 1 else 's'}"
        where = f"{steps} upstream" if self.level < 0 else f"{steps} downstream"
        return f"and {self.count} more datasets {where}: see them in the list"

    @property
    def centre_x(self) -> int:
        return self.x + self.w // 2

    @property
    def text_y(self) -> int:
        return self.y + self.h // 2 + TITLE_SIZE // 3


@dataclass
class Edge:
    d: str
    shared_under: str = ""  # the sharing agreement's name when the derivation crossed one


@dataclass
class LevelLabel:
    x: int
    y: int
    text: str


@dataclass
class Picture:
    width: int
    height: int
    boxes: list[Box]
    more: list[More]
    edges: list[Edge]
    levels: list[LevelLabel]

    @property
    def has_redacted(self) -> bool:
        """Whether a box stands for a dataset the reader may not see (the caption explains those)."""
        return any(not box.node.visible for box in self.boxes)

    @property
    def title_size(self) -> int:
        return TITLE_SIZE

    @property
    def title_line(self) -> int:
        return TITLE_LINE

    @property
    def sub_size(self) -> int:
        return SUB_SIZE

    @property
    def level_label_size(self) -> int:
        return LEVEL_LABEL_SIZE


def _level_name(level: int) -> str:
    if level == 0:
        return "This dataset"
    steps = f"{abs(level)} step{'' if abs(level) == 1 else 's'}"
    return f"Sources, {steps} upstream" if level < 0 else f"Built from it, {steps} downstream"


def _order(levels: dict[int, list[Node]], edges: Iterable[tuple[str, str]]) -> None:
    """Order each level by where its neighbours nearer the dataset sit (fewer crossing edges),
    working outwards from the dataset; ties by title, so the order is stable."""
    neighbours: dict[str, set[str]] = {}
    for source, derived in edges:
        neighbours.setdefault(source, set()).add(derived)
        neighbours.setdefault(derived, set()).add(source)
    for direction in (-1, 1):
        level = direction
        while level in levels:
            nearer = {node.key: i for i, node in enumerate(levels[level - direction])}

            def position(node: Node, nearer: dict[str, int] = nearer) -> tuple[float, str]:
                places = [nearer[key] for key in neighbours.get(node.key, ()) if key in nearer]
                return (sum(places) / len(places) if places else float(len(nearer)), node.title or node.key)

            levels[level].sort(key=position)
            level += direction


def layout(
    root: Node,
    upstream: Sequence[Node],
    downstream: Sequence[Node],
    edges: Iterable[tuple[str, str]],
    shared: dict[tuple[str, str], str] | None = None,
) -> Picture:
    """Place the dataset ``root``, what feeds it and what is built from it.

    ``edges`` are (source key, derived key); ``shared`` names the sharing agreement an edge
    was made under, for the edges that crossed one."""
    edges = sorted(set(edges))
    shared = shared or {}
    levels: dict[int, list[Node]] = {0: [root]}
    for node in upstream:
        levels.setdefault(-node.depth, []).append(node)
    for node in downstream:
        levels.setdefault(node.depth, []).append(node)
    _order(levels, edges)

    boxes: dict[str, Box] = {}
    placed: dict[str, Box | More] = {}
    more: list[More] = []
    labels: list[LevelLabel] = []
    bands: dict[int, tuple[int, int]] = {}  # level: (top of its first row, bottom of its last)
    y = MARGIN
    for level in sorted(levels):
        nodes = levels[level]
        labels.append(LevelLabel(MARGIN, y + LEVEL_LABEL_SIZE + 2, _level_name(level)))
        y += LEVEL_LABEL_H
        shown = nodes if len(nodes) <= LEVEL_LIMIT else nodes[: LEVEL_LIMIT - 1]
        level_boxes: list[Box | More] = [_box(node, level) for node in shown]
        if len(nodes) > len(shown):
            left_out = More(level=level, count=len(nodes) - len(shown))
            more.append(left_out)
            level_boxes.append(left_out)
            for node in nodes[len(shown) :]:
                placed[node.key] = left_out
        for item in level_boxes:
            if isinstance(item, Box):
                boxes[item.node.key] = item
                placed[item.node.key] = item
        top = y
        per_row = 1 if level == 0 else PER_ROW
        rows = [level_boxes[start : start + per_row] for start in range(0, len(level_boxes), per_row)]
        for index, row in enumerate(rows):
            row_h = max(_height(item) for item in row)
            row_w = sum(item.w for item in row) + GAP_X * (len(row) - 1)
            x = (WIDTH - row_w) // 2
            if len(rows) > 1:  # on the grid of the full rows, so the gaps between boxes line up
                x = MARGIN + (per_row - len(row)) // 2 * (NODE_W + GAP_X)
            for item in row:
                item.x, item.y, item.h = x, y, row_h
                item.first_row, item.last_row = index == 0, index == len(rows) - 1
                x += item.w + GAP_X
            y += row_h + ROW_GAP
        bands[level] = (top, y - ROW_GAP)
        y += LEVEL_GAP - ROW_GAP
    height = y - LEVEL_GAP + MARGIN

    drawn = sorted(
        {(placed[s], placed[d], shared.get((s, d), "")) for s, d in edges if s in placed and d in placed},
        key=_edge_key,
    )
    for source, derived, _ in drawn:
        source.edges_out += 1
        derived.edges_in += 1
    ends_out: dict[int, int] = {}
    ends_in: dict[int, int] = {}
    result = []
    for source, derived, agreement in drawn:
        start = (_spread(source, ends_out, source.edges_out), source.y + source.h)
        end = (_spread(derived, ends_in, derived.edges_in), derived.y)
        result.append(Edge(_route(start, end, source, derived, bands), agreement))
    result.sort(key=lambda edge: (bool(edge.shared_under), edge.d))  # shared edges drawn on top
    return Picture(WIDTH, height, list(boxes.values()), more, result, labels)


def _gap_beside(item: "Box | More", toward: int) -> int:
    """The x of the gap left or right of ``item`` nearer ``toward``: where an edge passes a row."""
    left, right = item.x - GAP_X // 2, item.x + item.w + GAP_X // 2
    return left if abs(left - toward) <= abs(right - toward) else right


def _route(
    start: tuple[int, int],
    end: tuple[int, int],
    source: "Box | More",
    derived: "Box | More",
    bands: dict[int, tuple[int, int]],
) -> str:
    """An edge's path: out of the source's bottom, down through the gaps between the boxes of
    the rows below it in its level, across, and down through the gaps of the rows above the
    derived dataset in its level, into its top. Lines never pass behind a box of those levels."""
    x, y = start
    path = [f"M{x},{y}"]
    half = ROW_GAP // 2
    if not source.last_row:
        gap = _gap_beside(source, end[0])
        path.append(f"C{x},{y + half} {gap},{y} {gap},{y + half}")
        x, y = gap, bands[source.level][1] + 2
        path.append(f"L{x},{y}")
    end_x, end_y = end
    if not derived.first_row:
        gap = _gap_beside(derived, x)
        top = bands[derived.level][0] - 2
        mid = (y + top) // 2
        path.append(f"C{x},{mid} {gap},{mid} {gap},{top}")
        path.append(f"L{gap},{end_y - half}")
        path.append(f"C{gap},{end_y} {end_x},{end_y - half} {end_x},{end_y}")
    else:
        mid = (y + end_y) // 2
        path.append(f"C{x},{mid} {end_x},{mid} {end_x},{end_y}")
    return " ".join(path)


def _edge_key(edge: tuple[Box | More, Box | More, str]) -> tuple[int, int, int, int]:
    source, derived, _ = edge
    return (derived.y, derived.x, source.y, source.x)


def _spread(item: Box | More, used: dict[int, int], total: int) -> int:
    """Where the next of ``total`` edges meets the box: spread over its middle half."""
    index = used.get(id(item), 0)
    used[id(item)] = index + 1
    if total == 1:
        return item.x + item.w // 2
    return item.x + item.w // 4 + (item.w // 2) * index // (total - 1)


def _box(node: Node, level: int) -> Box:
    box = Box(node=node, level=level, w=ROOT_W if level == 0 else NODE_W)
    inner = box.w - 2 * PAD_X
    if node.visible:
        box.lines = wrap(node.title, inner)
    else:
        box.lines = ["Dataset you", "cannot see"] if level else [node.title]
    if node.failed_check:
        box.sub = "⚠ check failed"
    elif level == 0:
        box.sub = "this dataset"
    elif node.visible:
        box.sub = _fit(node.publisher, inner, SUB_SIZE)
    else:
        box.sub = "restricted"
    return box


def _height(item: Box | More) -> int:
    if isinstance(item, More):
        return 8 + TITLE_LINE + 8
    return 8 + len(item.lines) * TITLE_LINE + SUB_SIZE + 10

"""The lineage picture's layout (provenance.lineage_picture) and the panel that draws it.

The layout is pure: these tests hand it nodes and check where things go. The browser tests
(tests/browser/test_lineage_picture_browser.py) measure what Chromium actually renders."""

import re
from dataclasses import dataclass

import pytest

from catalogue.models import Dataset
from provenance import lineage_picture
from provenance.lineage_picture import LEVEL_LIMIT, NODE_W, PAD_X, ROOT_W, TITLE_LINES, WIDTH, layout, text_width, wrap

INNER = NODE_W - 2 * PAD_X


@dataclass
class Node:
    key: str
    depth: int
    title: str = ""
    visible: bool = True
    url: str = ""
    publisher: str = "Office for National Statistics"
    failed_check: bool = False


def node(key: str, depth: int, **extra) -> Node:
    return Node(key=key, depth=depth, title=extra.pop("title", key.replace("-", " ").capitalize()), **extra)


def boxes_by_key(picture) -> dict:
    return {box.node.key: box for box in picture.boxes}


# -- wrapping titles -------------------------------------------------------------------------


def test_a_long_title_wraps_onto_lines_that_fit_the_box_and_keeps_every_word():
    title = "Annual Population Survey: local labour market indicators"
    lines = wrap(title, INNER)
    assert len(lines) == 3
    assert " ".join(lines) == title
    assert all(text_width(line, lineage_picture.TITLE_SIZE) <= INNER for line in lines)


def test_a_short_title_stays_on_one_line():
    assert wrap("Census", INNER) == ["Census"]


def test_a_title_too_long_for_three_lines_ends_with_an_ellipsis_inside_the_box():
    title = "Statutory homelessness: detailed local authority tables with temporary accommodation by household type"
    lines = wrap(title, INNER)
    assert len(lines) == TITLE_LINES
    assert lines[-1].endswith("…")
    assert all(text_width(line, lineage_picture.TITLE_SIZE) <= INNER for line in lines)
    # What is shown is the start of the title, word for word.
    assert title.startswith(" ".join(lines)[:-1].rstrip())


def test_a_word_longer_than_a_line_is_broken_inside_it():
    lines = wrap("Pneumonoultramicroscopicsilicovolcanoconiosis register", INNER)
    assert len(lines) >= 2
    assert all(text_width(line, lineage_picture.TITLE_SIZE) <= INNER for line in lines)
    assert "".join(lines).startswith("Pneumonoultramicroscopicsilicovolcanoconiosis")


def test_width_estimates_tell_wide_letters_from_narrow_ones():
    assert text_width("WWWW", 15) > text_width("iiii", 15) * 3
    assert text_width("é", 15) >= text_width("e", 15)  # letters outside the table are not taken as narrow


# -- levels, sizes and collapsing --------------------------------------------------------------


def test_sources_sit_above_the_dataset_and_what_is_built_from_it_below():
    root = node("root", 0)
    up = [node("parent", 1), node("grandparent", 2)]
    down = [node("child", 1)]
    edges = [("grandparent", "parent"), ("parent", "root"), ("root", "child")]
    picture = layout(root, up, down, edges)
    placed = boxes_by_key(picture)
    assert placed["grandparent"].y < placed["parent"].y < placed["root"].y < placed["child"].y
    assert [label.text for label in picture.levels] == [
        "Sources, 2 steps upstream",
        "Sources, 1 step upstream",
        "This dataset",
        "Built from it, 1 step downstream",
    ]
    assert placed["root"].w == ROOT_W and placed["parent"].w == NODE_W
    assert len(picture.edges) == 3


def test_every_box_is_inside_the_picture_and_no_two_boxes_overlap():
    root = node("root", 0)
    up = [node(f"source-{i}", 1 + i % 3, title=f"Source dataset number {i} with a longer title") for i in range(20)]
    down = [node(f"product-{i}", 1 + i % 2) for i in range(9)]
    edges = [(n.key, "root") for n in up if n.depth == 1] + [("root", n.key) for n in down if n.depth == 1]
    picture = layout(root, up, down, edges)
    shapes = [*picture.boxes, *picture.more]
    assert picture.width == WIDTH
    for shape in shapes:
        assert 0 <= shape.x and shape.x + shape.w <= picture.width
        assert 0 <= shape.y and shape.y + shape.h <= picture.height
    for i, a in enumerate(shapes):
        for b in shapes[i + 1 :]:
            apart = a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y
            assert apart, (a, b)


def test_every_line_of_text_fits_inside_its_box():
    root = node("root", 0, title="Census 2021: usual resident population by output area")
    up = [
        node(
            "a",
            1,
            title="Hospital admission rates per 100,000 population",
            publisher="Ministry of Housing, Communities and Local Government",
        )
    ]
    picture = layout(root, up, [], [("a", "root")])
    for box in picture.boxes:
        inner = box.w - 2 * PAD_X
        assert all(text_width(line, lineage_picture.TITLE_SIZE) <= inner for line in box.lines)
        assert text_width(box.sub, lineage_picture.SUB_SIZE) <= inner
        assert box.sub_y < box.y + box.h  # the second line of text is inside the box too
    assert boxes_by_key(picture)["a"].sub.endswith("…")


def test_a_level_wider_than_the_limit_collapses_into_and_n_more():
    root = node("root", 0)
    sources = [node(f"source-{i:02}", 1) for i in range(40)]
    picture = layout(root, sources, [], [(n.key, "root") for n in sources])
    assert len(picture.boxes) == 1 + LEVEL_LIMIT - 1
    (more,) = picture.more
    assert more.count == 40 - (LEVEL_LIMIT - 1)
    assert more.text == "and 33 more"
    assert more.anchor == "lineage-up-1"  # the list's group of that level
    assert more.label == "and 33 more datasets 1 step upstream: see them in the list"
    # The 33 left out draw one edge, from their box; the 7 shown, one each.
    assert len(picture.edges) == LEVEL_LIMIT


def test_a_level_at_the_limit_is_shown_whole():
    root = node("root", 0)
    products = [node(f"product-{i}", 1) for i in range(LEVEL_LIMIT)]
    picture = layout(root, [], products, [("root", n.key) for n in products])
    assert picture.more == [] and len(picture.boxes) == LEVEL_LIMIT + 1


def test_edges_never_run_behind_a_box():
    """Edges from a box in a level's first row pass the rows below it through the gaps."""
    root = node("root", 0)
    products = [node(f"product-{i}", 1) for i in range(6)]
    further = [node(f"further-{i}", 2) for i in range(6)]
    edges = [("root", n.key) for n in products] + [(p.key, f.key) for p, f in zip(products, further, strict=True)]
    picture = layout(root, [], [*products, *further], edges)
    shapes = [*picture.boxes, *picture.more]
    vertical = 0
    for edge in picture.edges:
        kinds, ends = re.findall(r"[MLC]", edge.d), _ends(edge.d)
        for i, kind in enumerate(kinds):
            if kind != "L":
                continue
            (x0, y0), (x, y) = ends[i - 1], ends[i]
            assert x0 == x  # straight down through a gap
            vertical += 1
            for shape in shapes:
                inside_x = shape.x < x < shape.x + shape.w
                assert not (inside_x and min(y0, y) < shape.y + shape.h and shape.y < max(y0, y)), (edge.d, shape)
    assert vertical >= 6  # the edges out of the first row and into the second each pass one


def _ends(d: str) -> list[tuple[int, int]]:
    """The end point of each command of a path."""
    ends = []
    for command in re.findall(r"[MLC][^MLC]*", d):
        x, y = re.findall(r"(-?\d+),(-?\d+)", command)[-1]
        ends.append((int(x), int(y)))
    return ends


def test_shared_edges_carry_the_agreement_and_are_drawn_last():
    root = node("root", 0)
    up = [node("a", 1), node("b", 1)]
    picture = layout(root, up, [], [("a", "root"), ("b", "root")], {("a", "root"): "Death registrations for health"})
    assert [edge.shared_under for edge in picture.edges] == ["", "Death registrations for health"]


# -- what a screen reader announces ------------------------------------------------------------


def test_boxes_are_named_by_role_title_publisher_and_distance():
    root = node("root", 0, title="Mid-year population estimates")
    up = [node("census", 2, title="Census"), node("hidden", 1, visible=False, title="")]
    down = [node("rates", 1, title="Health rates", publisher="Office for Health Statistics", failed_check=True)]
    picture = layout(root, up, down, [("census", "hidden"), ("hidden", "root"), ("root", "rates")])
    labels = {key: box.label for key, box in boxes_by_key(picture).items()}
    assert labels == {
        "census": "Source: Census (Office for National Statistics), 2 steps upstream",
        "hidden": "A dataset you do not have access to, 1 step upstream",
        "root": "This dataset: Mid-year population estimates",
        "rates": "Built from this: Health rates (Office for Health Statistics), 1 step downstream, latest check failed",
    }
    assert picture.has_redacted
    assert not layout(root, [node("census", 1)], [], [("census", "root")]).has_redacted
    hidden = boxes_by_key(picture)["hidden"]
    assert hidden.lines == ["Dataset you", "cannot see"] and hidden.sub == "restricted"


# -- the panel on the dataset page ---------------------------------------------------------------


@pytest.fixture
def wide(make_dataset, derive):
    """A dataset made from 12 sources, one of which another organisation keeps restricted."""
    dataset = make_dataset("Regional health summary")
    sources = [make_dataset(f"Source register {i:02}") for i in range(11)]
    return dataset, sources


def test_the_panel_links_every_box_with_its_name_and_collapses_the_wide_level(
    wide, derive, make_dataset, dft, client_for, anon
):
    dataset, sources = wide
    hidden = make_dataset("Enforcement list", publisher=dft, access_rights=Dataset.AccessRights.RESTRICTED)
    derive(*[(source, dataset) for source in [*sources, hidden]])
    html = client_for(anon).get(f"/datasets/{dataset.slug}/").content.decode()
    figure = html[html.index('<figure class="lineage-figure"') : html.index("</figure>")]
    shown = re.findall(r'<a href="(/datasets/[^"]+/#lineage)" class="lineage-node" aria-label="([^"]+)"', figure)
    assert len(shown) == LEVEL_LIMIT - 1
    assert all(
        re.fullmatch(r"Source: Source register \d\d \(Office for Health Statistics\), 1 step upstream", label)
        for _, label in shown
    )
    assert (
        '<a href="#lineage-up-1" class="lineage-more" aria-label="and 5 more datasets 1 step upstream: see them in the list">'
        in figure
    )
    assert 'tabindex="0" role="img" aria-label="This dataset: Regional health summary"' in figure
    # Every dataset is in the list, grouped by distance, under the heading the box links to.
    lists = html[html.index('class="lineage-lists"') :]
    assert '<h4 id="lineage-up-1">1 step upstream</h4>' in lists
    assert all(f'<a href="/datasets/{source.slug}/">{source.title}</a>' in lists for source in sources)
    assert "A dataset you do not have access to" in lists and "Enforcement list" not in html


def test_the_panel_loads_its_own_stylesheet_and_script_from_this_site(wide, derive, client_for, anon):
    dataset, sources = wide
    derive((sources[0], dataset))
    html = client_for(anon).get(f"/datasets/{dataset.slug}/").content.decode()
    assert '<link rel="stylesheet" href="/static/css/lineage.css">' in html
    assert '<script src="/static/js/lineage.js" defer></script>' in html
    assert '<div class="lineage-tools" hidden>' in html  # shown by the script; without it, nothing to click

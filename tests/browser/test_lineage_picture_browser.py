"""The lineage picture as Chromium draws it, at 1280 px and at 390 px (issue 15, point 2).

On the demo catalogue's widest lineage (mid-year population estimates: 3 sources, 15 datasets
built from it over 3 steps, two of them under a sharing agreement) and on a big synthetic one
(40 sources, one restricted): text is at least 12 px as rendered, titles stay inside their
boxes, every box is reached by Tab and announced, focus is visible, a level wider than 8 boxes
collapses into "and N more" leading to the list, pan and zoom answer buttons and keys, the
picture works without JavaScript, and at phone width a list grouped by distance replaces it."""

import pytest
from django.core.management import call_command

from catalogue import services
from catalogue.actors import system_actor
from catalogue.models import Dataset, Organisation, VocabularyTerm
from provenance.services import derivation_add
from tests.browser.conftest import axe_violations, sideways_overflow

pytestmark = pytest.mark.browser

DEMO = "/datasets/mid-year-population-estimates/"

# Every text of the picture: its font size as rendered (CSS size x the SVG's scale on screen).
RENDERED_FONT_SIZES = """() => {
  const svg = document.querySelector('svg.lineage-graph');
  const scale = svg.getScreenCTM().a;
  return [...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
}"""

# The boxes whose text runs outside their rectangle (by the browser's own measure of the text).
TEXT_OUTSIDE_BOXES = """() => [...document.querySelectorAll('svg.lineage-graph .lineage-node, svg.lineage-graph .lineage-more')]
  .filter(node => {
    const r = node.querySelector('rect').getBBox();
    return [...node.querySelectorAll('text')].some(t => {
      const b = t.getBBox();
      return b.x < r.x || b.x + b.width > r.x + r.width || b.y < r.y || b.y + b.height > r.y + r.height;
    });
  })
  .map(node => node.getAttribute('aria-label'))"""

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || !e.closest('svg.lineage-graph')) return null;
  return {label: e.getAttribute('aria-label'), fill: getComputedStyle(e.querySelector('rect')).fill};
}"""

VIEWBOX = "() => document.querySelector('svg.lineage-graph').getAttribute('viewBox').split(' ').map(Number)"


def tab_through_picture(page) -> list[dict]:
    """Tab from the last toolbar button through the picture: what each step focuses."""
    page.locator("[data-lineage-action=right]").focus()
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            break
        reached.append(focused)
    return reached


def picture_labels(page) -> list[str]:
    return page.eval_on_selector_all(
        "svg.lineage-graph .lineage-node, svg.lineage-graph .lineage-more",
        "nodes => nodes.map(n => n.getAttribute('aria-label'))",
    )


@pytest.fixture
def demo(live_server):
    call_command("load_demo")
    return live_server.url


@pytest.fixture
def big(live_server, ohs, dft):
    """A dataset made from 40 sources and used by 3 others; one source is made from data DfT
    keeps restricted, which the picture shows as a box without its title."""
    actor = system_actor("tests")
    licence = VocabularyTerm.objects.get(scheme="licence", code="OGL_3_0")

    def dataset(title: str, organisation: Organisation, **extra) -> Dataset:
        data = {
            "title": title,
            "status": Dataset.Status.PUBLISHED,
            "licence": licence,
            "description": f"{title}.",
            **extra,
        }
        return services.dataset_import(user=actor, organisation=organisation, data=data)

    centre = dataset("Hospital activity by local authority, monthly, with population denominators", ohs)
    sources = [dataset(f"Trust return {i:02}: admitted patient care episodes", ohs) for i in range(39)]
    sources.insert(0, dataset("Ambulance handover times", ohs))
    for source in sources:
        derivation_add(derived=centre, source=source, user=actor)
    hidden = dataset("Road casualty records", dft, access_rights=Dataset.AccessRights.RESTRICTED)
    derivation_add(derived=sources[1], source=hidden, user=actor)
    for title in ["Regional health dashboard", "Health inequalities briefing", "Winter pressures model"]:
        derivation_add(derived=dataset(title, ohs), source=centre, user=actor)
    return live_server.url + f"/datasets/{centre.slug}/"


def test_demo_lineage_at_desktop_width_is_readable_and_reachable_by_keyboard(demo, page, screenshot):
    page.goto(demo + DEMO)
    figure = page.locator(".lineage-figure")
    assert figure.is_visible()
    sizes = page.evaluate(RENDERED_FONT_SIZES)
    assert len(sizes) > 20 and min(sizes) >= 12, sizes
    assert page.evaluate(TEXT_OUTSIDE_BOXES) == []
    # The picture fits the column it has: nothing scrolls sideways, inside or out.
    frame = page.locator(".lineage-scroll")
    assert frame.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert sideways_overflow(page) == 0
    # Titles are whole or wrapped, not cut: this one takes three lines.
    census = page.locator("svg.lineage-graph a[aria-label^='Source: Census 2021']")
    assert census.locator("tspan").all_text_contents() == [
        "Census 2021: usual",
        "resident population",
        "by output area",
    ]
    # Shared under an agreement: two thick dashed edges, each naming the agreement.
    shared = page.locator("svg.lineage-graph path.is-shared")
    assert shared.count() == 2
    assert shared.first.locator("title").text_content().startswith("Shared under ")

    # Every box is reached by Tab, announced by role, title, publisher and distance, and shows its focus.
    labels = picture_labels(page)
    reached = tab_through_picture(page)
    assert [step["label"] for step in reached] == labels
    assert len(labels) == 19  # 3 sources, the dataset, 15 built from it
    assert "This dataset: Mid-year population estimates" in labels
    assert "Source: Births registered in England and Wales (Office for National Statistics), 1 step upstream" in labels
    assert all(step["fill"] == "rgb(255, 221, 0)" for step in reached)
    link = page.get_by_role("link", name="Built from this: Labour Force Survey: cleaned microdata", exact=False)
    assert link.get_attribute("aria-label").endswith("1 step downstream, latest check failed")
    # The picture has a text alternative: its name, its caption and the list below.
    assert page.locator("svg.lineage-graph").get_attribute("aria-label") == (
        "Lineage picture of Mid-year population estimates: 3 datasets upstream, 15 downstream"
    )
    assert axe_violations(page) == []
    screenshot(page, "lineage-01-demo-1280")

    # A box is a link: Enter on the focused one moves to that dataset's lineage.
    page.locator("svg.lineage-graph a[aria-label^='Source: Census 2021']").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/datasets/census-2021-population/#lineage")
    assert page.locator("svg.lineage-graph [aria-label^='This dataset: Census 2021']").count() == 1


def test_demo_lineage_at_phone_width_is_a_list_grouped_by_distance(demo, phone, screenshot):
    phone.goto(demo + DEMO)
    assert not phone.locator(".lineage-figure").is_visible()
    lists = phone.locator(".lineage-lists")
    assert lists.locator("h4").all_inner_texts() == [
        "1 step upstream",
        "1 step downstream",
        "2 steps downstream",
        "3 steps downstream",
    ]
    assert lists.locator("#lineage-up-1 + ul li").count() == 3
    assert lists.locator("#lineage-down-3 + ul li").count() == 5
    census = lists.get_by_role("link", name="Census 2021: usual resident population by output area")
    assert census.is_visible()
    sizes = lists.locator("a").evaluate_all("links => links.map(a => parseFloat(getComputedStyle(a).fontSize))")
    assert min(sizes) >= 16
    assert sideways_overflow(phone) == 0
    assert axe_violations(phone) == []
    phone.locator("#lineage").scroll_into_view_if_needed()
    screenshot(phone, "lineage-02-demo-390")
    census.click()
    phone.wait_for_url("**/datasets/census-2021-population/")


def test_big_lineage_collapses_the_wide_level_and_pans_and_zooms(big, page, screenshot):
    page.goto(big)
    sizes = page.evaluate(RENDERED_FONT_SIZES)
    assert min(sizes) >= 12, sizes
    assert page.evaluate(TEXT_OUTSIDE_BOXES) == []
    assert sideways_overflow(page) == 0
    labels = picture_labels(page)
    # The restricted source two steps up; 7 sources shown, then "and 33 more" for the rest;
    # the dataset; 3 built from it.
    assert len(labels) == 13
    assert labels[0] == "A dataset you do not have access to, 2 steps upstream"
    hidden = page.locator("svg.lineage-graph .is-redacted")
    assert hidden.get_attribute("role") == "img" and hidden.locator("tspan").all_text_contents() == [
        "Dataset you",
        "cannot see",
    ]
    assert hidden.locator(".lineage-sub").text_content() == "restricted"
    more = page.get_by_role("link", name="and 33 more datasets 1 step upstream: see them in the list")
    assert more.locator("text").text_content() == "and 33 more"
    root = page.locator("svg.lineage-graph .is-current tspan").all_text_contents()
    assert root == ["Hospital activity by local authority, monthly,", "with population denominators"]
    assert [step["label"] for step in tab_through_picture(page)] == labels
    assert axe_violations(page) == []
    screenshot(page, "lineage-03-big-1280")

    # Zoom and pan with the buttons: the view narrows, the text grows, the status says so.
    x, y, width, height = page.evaluate(VIEWBOX)
    page.get_by_role("button", name="Zoom in").click()
    assert page.locator("[data-lineage-zoom]").inner_text() == "Zoom 125%"
    zoomed = page.evaluate(VIEWBOX)
    assert zoomed[2] == pytest.approx(width / 1.25, abs=0.2) and zoomed[3] == pytest.approx(height / 1.25, abs=0.2)
    assert min(page.evaluate(RENDERED_FONT_SIZES)) >= 12 * 1.25 - 0.1
    page.get_by_role("button", name="Move the view right").click()
    assert page.evaluate(VIEWBOX)[0] > zoomed[0]
    # And with keys, while focus is in the picture.
    page.locator("svg.lineage-graph .is-current").focus()
    page.keyboard.press("+")
    assert page.locator("[data-lineage-zoom]").inner_text() == "Zoom 156%"
    before = page.evaluate(VIEWBOX)
    page.keyboard.press("ArrowDown")
    assert page.evaluate(VIEWBOX)[1] > before[1]
    # A box reached by Tab outside the zoomed view is brought into it.
    far = page.get_by_role("link", name="Built from this: Winter pressures model", exact=False)
    far.focus()
    vx, vy, vw, vh = page.evaluate(VIEWBOX)
    box = far.evaluate("a => { const b = a.getBBox(); return [b.x, b.y, b.width, b.height]; }")
    assert vx <= box[0] and box[0] + box[2] <= vx + vw and vy <= box[1] and box[1] + box[3] <= vy + vh
    screenshot(page, "lineage-04-big-zoomed-1280")
    page.keyboard.press("0")
    assert page.evaluate(VIEWBOX) == [x, y, width, height]
    assert page.locator("[data-lineage-zoom]").inner_text() == "Zoom 100%"

    # "and 33 more" leads to the list, where all 40 are, the restricted one as restricted.
    more.click()
    assert page.url.endswith("#lineage-up-1")
    group = page.locator("#lineage-up-1 + ul li")
    assert group.count() == 40
    assert page.locator("#lineage-up-2 + ul li").all_inner_texts() == ["A dataset you do not have access to"]
    assert "Road casualty records" not in page.content()


def test_big_lineage_at_phone_width_lists_every_source(big, phone, screenshot):
    phone.goto(big)
    assert not phone.locator(".lineage-figure").is_visible()
    assert phone.locator("#lineage-up-1 + ul li").count() == 40
    assert phone.locator("#lineage-up-2 + ul li").all_inner_texts() == ["A dataset you do not have access to"]
    assert phone.locator("#lineage-down-1 + ul li").count() == 3
    assert sideways_overflow(phone) == 0
    assert axe_violations(phone) == []
    phone.locator("#lineage").scroll_into_view_if_needed()
    screenshot(phone, "lineage-05-big-390")


def test_the_picture_works_without_javascript(big, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(big)
        assert page.locator("svg.lineage-graph").is_visible()
        assert not page.locator(".lineage-tools").is_visible()  # no buttons that would do nothing
        page.get_by_role("link", name="Built from this: Winter pressures model", exact=False).click()
        page.wait_for_url("**/datasets/winter-pressures-model/#lineage")
        assert page.locator("svg.lineage-graph [aria-label^='This dataset: Winter pressures model']").count() == 1
    finally:
        context.close()

"""Flowcharts a person can read: every box's whole text, nothing printed under 8 pt, a chart taller
than a page cut into pictures with connectors, swimlanes by Responsible role, and alt text that
tells each path. The SVGs Graphviz writes are read back: their text and font sizes, scaled to the
size each picture is placed at in the document."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from flows import LONG, ROLES, long_flow
from helpers_docx import make_sop, step
from lxml import etree

from binder.document import dot_runner, flowchart
from binder.document.alt_text import flowchart_alt
from binder.document.flowchart import MIN_PRINT_PT, draw_flowchart
from binder.document.labels import labels_for
from binder.workbook.flow import flow_graph


@pytest.fixture(autouse=True, scope="module")
def _graphviz_kept():
    """The charts of this module share their Graphviz, as those a build draws in one process do
    (``dot_runner.kept``; ``test_dot_runner.py`` draws them alone too, and compares)."""
    with dot_runner.kept():
        yield


SVG = "{http://www.w3.org/2000/svg}"
PT_MM = 25.4 / 72
BOX = (170.0, 200.0)
pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz (dot) is required: ./run setup")


def svg_lines(path: Path) -> tuple[list[str], list[float]]:
    """The text lines of an SVG and the font size of each."""
    root = etree.parse(str(path)).getroot()
    texts = list(root.iter(f"{SVG}text"))
    return [t.text or "" for t in texts], [float(t.get("font-size")) for t in texts]


def svg_size_pt(path: Path) -> tuple[float, float]:
    root = etree.parse(str(path)).getroot()
    return float(root.get("width").removesuffix("pt")), float(root.get("height").removesuffix("pt"))


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


@pytest.fixture(scope="module", params=["flow", "swimlanes"])
def drawn(request, tmp_path_factory):
    sop = long_flow()
    chart = draw_flowchart(sop, labels_for("en"), tmp_path_factory.mktemp(request.param), box_mm=BOX,
                           swimlanes=request.param == "swimlanes")  # fmt: skip
    return sop, chart, request.param


def test_every_box_prints_its_whole_action_long_words_broken_not_cut(drawn):
    sop, chart, _ = drawn
    text = " ".join(line for p in chart.pictures for line in svg_lines(p.svg)[0])
    flat = "".join(words(text))
    for s in sop.steps:
        assert "".join(words(f"{s.number}. {s.action}")) in flat, f"step {s.number} is not printed in full"
    assert "…" not in text and "..." not in text
    longest = max(len(line) for p in chart.pictures for line in svg_lines(p.svg)[0])
    assert longest <= 46  # the 72-letter word was broken across lines


def test_no_text_is_printed_smaller_than_8_pt_and_no_picture_is_wider_or_taller_than_its_space(drawn):
    _, chart, _ = drawn
    for picture in chart.pictures:
        width_pt, height_pt = svg_size_pt(picture.svg)
        scale = picture.width_mm / (width_pt * PT_MM)  # as placed in the document
        assert abs(picture.height_mm / (height_pt * PT_MM) - scale) < 0.01  # proportions kept
        assert picture.width_mm <= BOX[0] + 0.01 and picture.height_mm <= BOX[1] + 0.01
        sizes = svg_lines(picture.svg)[1]
        assert min(sizes) * scale >= MIN_PRINT_PT - 0.01, (picture.svg.name, min(sizes), scale)


def test_a_chart_taller_than_a_page_is_cut_into_pictures_joined_by_connectors(drawn):
    sop, chart, mode = drawn
    assert len(chart.pictures) >= 2
    assert chart.continued_next == "Continued on next page"
    assert chart.continued_from == "Continued from previous page"
    texts = [" ".join(svg_lines(p.svg)[0]) for p in chart.pictures]
    assert "Start" in texts[0] and "End" in texts[-1]
    for text in texts[:-1]:
        assert re.search(r"to step \d+", text), "a part that goes on has a connector to the step it goes on to"
    for text in texts[1:]:
        assert re.search(r"from step \d+", text), "a part that goes on from another says where from"
    # each step is drawn once, in one of the pictures
    for s in sop.steps:
        assert sum(bool(re.search(rf"(^| ){re.escape(s.number)}\. ", t)) for t in texts) == 1, s.number
    for picture in chart.pictures:
        assert picture.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


SIX_ROLES = ("Receiver", "Stock controller", "Warehouse supervisor", "Quality inspector", "Driver",
             "Purchasing officer")  # fmt: skip
LANDSCAPE = (235.0, 125.0)


def wide_swimlanes() -> object:
    steps = tuple(step(str(i), f"Do the part that belongs to role {i}.", SIX_ROLES[(i - 1) % 6]) for i in range(1, 9))
    return make_sop(steps=steps, format="Flowchart")


def test_swimlanes_too_wide_for_a_portrait_page_go_on_landscape_pages_never_below_8_pt(tmp_path):
    chart = draw_flowchart(
        wide_swimlanes(), labels_for("en"), tmp_path, box_mm=BOX, swimlanes=True, landscape_mm=LANDSCAPE
    )
    assert chart.landscape
    for picture in chart.pictures:
        width_pt, _ = svg_size_pt(picture.svg)
        scale = picture.width_mm / (width_pt * PT_MM)
        assert picture.width_mm <= LANDSCAPE[0] + 0.01 and picture.height_mm <= LANDSCAPE[1] + 0.01
        assert min(svg_lines(picture.svg)[1]) * scale >= MIN_PRINT_PT - 0.01
    assert len(lanes_of(chart.pictures[0].svg)) == 6


def test_more_lanes_than_a_landscape_page_holds_at_8_pt_are_drawn_as_the_plain_flow(tmp_path):
    roles = [*SIX_ROLES, "Finance clerk", "Site manager", "Auditor"]
    steps = tuple(step(str(i), f"Do the part of role {i}.", roles[i - 1]) for i in range(1, 10))
    sop = make_sop(steps=steps, format="Flowchart")
    chart = draw_flowchart(sop, labels_for("en"), tmp_path, box_mm=BOX, swimlanes=True, landscape_mm=LANDSCAPE)
    assert not chart.landscape
    text = " ".join(" ".join(svg_lines(p.svg)[0]) for p in chart.pictures)
    for picture in chart.pictures:
        assert lanes_of(picture.svg) == {}
        width_pt, _ = svg_size_pt(picture.svg)
        assert min(svg_lines(picture.svg)[1]) * picture.width_mm / (width_pt * PT_MM) >= MIN_PRINT_PT - 0.01
    assert all(role in text for role in roles)  # each box says who does it, as lanes would have


def test_charts_that_fit_a_portrait_page_stay_portrait(tmp_path, drawn):
    _, chart, _ = drawn
    assert not chart.landscape  # 15 steps in three lanes: cut into pages, never turned
    plain = draw_flowchart(wide_swimlanes(), labels_for("en"), tmp_path, box_mm=BOX, landscape_mm=LANDSCAPE)
    assert not plain.landscape  # without lanes, narrower boxes do the job


@pytest.mark.parametrize("room", [60.0, 120.0])
def test_the_first_part_fits_the_room_left_under_the_heading_never_below_8_pt(tmp_path, room):
    sop = long_flow()
    chart = draw_flowchart(sop, labels_for("en"), tmp_path, box_mm=BOX, first_mm=room)
    assert chart.pictures[0].height_mm <= room + 0.01
    texts = [" ".join(svg_lines(p.svg)[0]) for p in chart.pictures]
    for s in sop.steps:  # every step once, whatever the cut
        assert sum(bool(re.search(rf"(^| ){re.escape(s.number)}\. ", t)) for t in texts) == 1, s.number
    for picture in chart.pictures:
        width_pt, _ = svg_size_pt(picture.svg)
        assert min(svg_lines(picture.svg)[1]) * picture.width_mm / (width_pt * PT_MM) >= MIN_PRINT_PT - 0.01
        assert picture.height_mm <= BOX[1] + 0.01


def test_no_room_for_even_one_row_leaves_the_chart_as_it_was(tmp_path):
    sop = long_flow()
    plain = draw_flowchart(sop, labels_for("en"), tmp_path / "a", box_mm=BOX)
    tight = draw_flowchart(sop, labels_for("en"), tmp_path / "b", box_mm=BOX, first_mm=5.0)
    assert [p.height_mm for p in tight.pictures] == [p.height_mm for p in plain.pictures]


def test_every_part_but_the_last_fills_its_page_and_the_last_is_never_a_lone_box(tmp_path):
    """A page break follows each part but the last (which the procedure table follows): a part that
    does not fill its page leaves it part blank. Thirteen steps filled two pages and left step 13 alone."""
    steps = tuple(step(str(i), f"{LONG} (step {i}).", ROLES[i % 3]) for i in range(1, 14))
    chart = draw_flowchart(make_sop(steps=steps, format="Flowchart"), labels_for("en"), tmp_path, box_mm=BOX)
    assert len(chart.pictures) == 3
    assert all(p.height_mm >= BOX[1] * 2 / 3 for p in chart.pictures[:-1]), [p.height_mm for p in chart.pictures]
    assert len(re.findall(r"(?:^| )\d+\. ", " ".join(svg_lines(chart.pictures[-1].svg)[0]))) >= 2


def lanes_of(path: Path) -> dict[str, tuple[float, float]]:
    """Each lane's title → its x range, from the clusters of the SVG."""
    root = etree.parse(str(path)).getroot()
    lanes = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "cluster":
            xs = [float(p.split(",")[0]) for p in group.find(f"{SVG}polygon").get("points").split()]
            title = " ".join(t.text for t in group.iter(f"{SVG}text"))
            lanes[title] = (min(xs), max(xs))
    return dict(sorted(lanes.items(), key=lambda lane: lane[1]))  # left to right


def clusters(path: Path) -> list:
    return [g for g in etree.parse(str(path)).getroot().iter(f"{SVG}g") if g.get("class") == "cluster"]


def step_x(path: Path) -> dict[str, float]:
    """Step number → x of its box's first text line."""
    root = etree.parse(str(path)).getroot()
    found = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            first = group.find(f"{SVG}text")
            if first is not None and (m := re.match(r"(\d+(?:\.\d+)?)\. ", first.text or "")):
                found[m[1]] = float(first.get("x"))
    return found


def test_swimlanes_put_each_step_in_the_lane_of_its_responsible_role(drawn):
    sop, chart, mode = drawn
    if mode != "swimlanes":
        assert all(lanes_of(p.svg) == {} for p in chart.pictures)
        return
    order = list(dict.fromkeys(s.responsible for s in sop.steps))
    placed = 0
    for picture in chart.pictures:
        lanes = lanes_of(picture.svg)
        assert list(lanes) == order, "every page shows every lane, left to right in the order the roles first act"
        tops = {
            round(float(g.find(f"{SVG}polygon").get("points").split()[0].split(",")[1])) for g in clusters(picture.svg)
        }
        assert len(tops) == 1, "lanes are as high as the picture, side by side"
        for number, x in step_x(picture.svg).items():
            low, high = lanes[sop.steps[[s.number for s in sop.steps].index(number)].responsible]
            assert low < x < high, f"step {number} is outside its role's lane"
            placed += 1
    assert placed == len(sop.steps)


def test_alt_text_tells_every_path_from_start_to_end():
    sop = make_sop(
        steps=(
            step("1", "Receive the sample."),
            step("2", "Is the label legible?", type_="Decision", if_yes="3", if_no="4"),
            step("3", "Store the sample.", type_="End"),
            step("4", "Ask for a new label.", type_="Action"),
        )
    )
    sop = dataclasses.replace(sop, steps=(*sop.steps[:3], dataclasses.replace(sop.steps[3], go_to="2")))
    graph = flow_graph(sop)
    assert flowchart_alt(graph, labels_for("en"), {"s2": "2"}) == (
        "Flowchart of the procedure, 2 paths from Start. "
        "Path 1: 1. Receive the sample.; 2. Is the label legible?; if Yes, 3. Store the sample.; ends at End. "
        "Path 2: 1. Receive the sample.; 2. Is the label legible?; if No, 4. Ask for a new label.; back to step 2."
    )
    french = flowchart_alt(flow_graph(sop, yes="Oui", no="Non", end="Fin"), labels_for("fr"), {"s2": "2"})
    assert french.startswith("Logigramme de la procédure, 2 chemins depuis le début. Chemin 1 : 1. Receive")
    assert "si Non, 4. Ask for a new label.; retour à l'étape 2." in french


def test_the_first_picture_carries_the_paths_and_the_others_say_which_part_they_are(drawn):
    sop, chart, _ = drawn
    first, *rest = chart.pictures
    assert first.alt.startswith("Flowchart of the procedure, ") and "Path 1: 1. Load the instruments" in first.alt
    assert LONG in first.alt  # whole actions, never cut
    assert [p.alt for p in rest] == [
        f"Flowchart of the procedure, part {i} of {len(chart.pictures)}." for i in range(2, len(chart.pictures) + 1)
    ]


def test_french_chart_has_french_connectors_and_markers(tmp_path):
    chart = draw_flowchart(long_flow(), labels_for("fr"), tmp_path, box_mm=BOX)
    assert (chart.continued_next, chart.continued_from) == ("Suite à la page suivante", "Suite de la page précédente")
    text = " ".join(" ".join(svg_lines(p.svg)[0]) for p in chart.pictures)
    assert "vers l'étape" in text and "depuis l'étape" in text and "Début" in text


def test_a_short_flow_is_one_picture_printed_at_natural_size(tmp_path):
    sop = make_sop(steps=(step("1", "Check."), step("2", "Fine?", type_="Decision", if_yes="End", if_no="1")))
    (picture,) = draw_flowchart(sop, labels_for("en"), tmp_path, box_mm=BOX).pictures
    width_pt, _ = svg_size_pt(picture.svg)
    assert abs(picture.width_mm - width_pt * PT_MM) < 0.01  # not enlarged, not shrunk


def test_the_png_fallback_is_the_svg_at_150_dpi(tmp_path, monkeypatch):
    """The other tests draw the fallback at 36 dpi (tests/conftest.py); Word without SVG shows it at 150."""
    monkeypatch.setattr(flowchart, "PNG_DPI", 150)
    sop = make_sop(steps=(step("1", "Check."), step("2", "Fine?", type_="Decision", if_yes="End", if_no="1")))
    (picture,) = draw_flowchart(sop, labels_for("en"), tmp_path, box_mm=BOX).pictures
    png = picture.png.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    pixels = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    width_pt, height_pt = svg_size_pt(picture.svg)
    assert abs(pixels[0] - width_pt * 150 / 72) <= 2 and abs(pixels[1] - height_pt * 150 / 72) <= 2, pixels


@pytest.mark.parametrize("swimlanes", [False, True])
def test_workbook_text_is_text_in_the_chart_never_markup(tmp_path, swimlanes):
    action, role = 'R&D <QA> "check" {{ 7*7 }} <b>bold</b>', "A&B <role>"
    sop = make_sop(steps=(step("1", action, role), step("2", "Ok?", type_="Decision", if_yes="End", if_no="1")))
    chart = draw_flowchart(sop, labels_for("en"), tmp_path, box_mm=BOX, swimlanes=swimlanes)
    lines = svg_lines(chart.pictures[0].svg)[0]
    assert "".join(words(f"1. {action}")) in "".join(words(" ".join(lines)))
    assert "<b>bold</b>" in " ".join(lines) and role in lines
    assert f"1. {action}" in chart.pictures[0].alt

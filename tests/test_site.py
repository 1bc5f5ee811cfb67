"""`coursekit site build`: the static course site, its pages and its search index (and, marked slow, the
search in a real browser).

The site is built from a copy of the course in a temporary folder: schedule.yaml with the two sample
recordings imported (``recordings/samples/``, written for the course kit, with placeholder URLs), one real
lecture notebook copied as it is committed, and two small notebooks whose headings carry chapter markers.
"""
from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from coursekit.cli import main
from coursekit.course.recordings import add_recording, read_subtitles

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "recordings" / "samples"
BILIBILI = "https://www.bilibili.com/video/BV1sample?p=1"
YOUTUBE = "https://www.youtube.com/watch?v=sample-d2am"
REAL_LECTURE = "01_introduction.ipynb"  # d1-am, rendered as committed
CHROMIUM = os.environ.get("COURSEKIT_CHROMIUM", "/usr/bin/chromium")


def _notebook(path: Path, cells) -> None:
    path.write_text(json.dumps({"cells": [{"cell_type": "markdown", "id": f"cell-{k}", "metadata": {}, "source": c}
                                          for k, c in enumerate(cells)],
                                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")


def _cue_start(path: Path, text: str) -> int:
    cue = next(c for c in read_subtitles(path) if text in c.text)
    return int(cue.start)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    shutil.copy2(REPO / "schedule.yaml", root / "schedule.yaml")
    add_recording("d3-am", BILIBILI, chapters=SAMPLES / "d3-am.chapters.txt", subtitles=SAMPLES / "d3-am.zh.srt",
                  schedule=root / "schedule.yaml")
    add_recording("d2-am", YOUTUBE, chapters=SAMPLES / "d2-am.chapters.txt", subtitles=SAMPLES / "d2-am.en.vtt",
                  schedule=root / "schedule.yaml")
    lectures = root / "lectures"
    lectures.mkdir()
    shutil.copy2(REPO / "lectures" / REAL_LECTURE, lectures / REAL_LECTURE)
    _notebook(lectures / "03_hodgkin_huxley_theory.ipynb", [
        "# The Hodgkin–Huxley model\nFour equations.\n",
        "## The membrane as a circuit\n▶ 0:52\n\nA capacitor in parallel with conductances.\n",
        "## Voltage clamp\n▶ 1:50\n\nHolding the membrane at a command voltage.\n",
        "## Gating variables\n▶ 2:46\n",
    ])
    _notebook(lectures / "05_simplified_neurons_theory.ipynb", [
        "# 简化神经元模型\nOne variable instead of four.\n",
        "## 泄漏整合发放模型 (LIF)\n▶ 0:42\n\nThe membrane potential integrates its input.\n",
        "## 相平面分析\n▶ 2:58\n",
    ])
    out = root / "_site"
    assert main(["site", "build", "--out", str(out), "--file", str(root / "schedule.yaml")]) == 0
    return out


def _index(site: Path) -> dict:
    return json.loads((site / "search-index.json").read_text(encoding="utf-8"))


def _ids(page: Path) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', page.read_text(encoding="utf-8")))


def test_pages_are_written(site):
    assert sorted(p.name for p in (site / "lectures").iterdir()) == [
        "01_introduction.html", "03_hodgkin_huxley_theory.html", "05_simplified_neurons_theory.html"]
    for name in ("index.html", "glossary.html", "search.js", "site.css", "search-index.js", "search-index.json"):
        assert (site / name).is_file(), name
    # the JS file carries the same JSON
    js = (site / "search-index.js").read_text(encoding="utf-8")
    assert json.loads(js[js.index("{"):js.rindex("}") + 1]) == _index(site)


def test_the_schedule_page_lists_sessions_lectures_and_chapters(site):
    page = (site / "index.html").read_text(encoding="utf-8")
    assert "d1-am" in page and "吴思" in page and "<a href='lectures/01_introduction.html'>" in page
    # chapters as links that open the video at the chapter (times from the sample chapter lists)
    assert f"href='{html.escape(BILIBILI, quote=True)}&amp;t=42'" in page and "泄漏整合发放模型（LIF）" in page
    assert f"href='{html.escape(YOUTUBE, quote=True)}&amp;t=110'" in page
    assert "id='ck-query'" in page and "search-index.js" in page
    # a session whose notebook does not exist here gets no link
    assert "lectures/07_synapses.html" not in page


def test_lectures_are_rendered_by_nbconvert_with_header_and_chapter_markers(site):
    real = (site / "lectures" / "01_introduction.html").read_text(encoding="utf-8")
    assert "jp-Notebook" in real and "coursekit-header" in real  # nbconvert's lab template, the header
    assert not re.search(r'<div class="[^"]*jp-OutputArea-output', real)  # rendered as committed: no outputs
    hh = (site / "lectures" / "03_hodgkin_huxley_theory.html").read_text(encoding="utf-8")
    # the marker under the heading is a link to the recording at that time
    assert f'href="{html.escape(YOUTUBE, quote=True)}&amp;t=110"' in hh and "▶ 1:50" in hh
    assert "Gating variables m, h and n" in hh  # the header's chapters


def test_search_index_links_sentences_to_sections_and_minutes(site):
    data = _index(site)
    said = [e for e in data["entries"] if e["k"] == "said"]
    n_sentences = sum(len(json.loads((site.parent / "recordings" / f"{s}.json").read_text(encoding="utf-8"))
                          ["segments"]) for s in ("d2-am", "d3-am"))
    assert len(said) == n_sentences
    clamp = next(e for e in said if e["t"] == "The key technique is the voltage clamp.")
    t = _cue_start(SAMPLES / "d2-am.en.vtt", "The key technique")
    assert clamp["ts"] == f"{t // 60}:{t % 60:02d}" and clamp["v"] == f"{YOUTUBE}&t={t}"
    # its section is the heading whose marker (1:50) covers that time, and the anchor exists on the page
    page, anchor = clamp["u"].split("#")
    assert (clamp["sec"], page) == ("Voltage clamp", "lectures/03_hodgkin_huxley_theory.html")
    assert anchor in _ids(site / page)
    lif = next(e for e in said if e["t"].startswith("今天的主角"))
    page, anchor = lif["u"].split("#")
    assert lif["sec"] == "泄漏整合发放模型 (LIF)" and anchor in _ids(site / page) and lif["v"].endswith("&t=42")
    # every heading of every rendered lecture got its anchor
    sections = [e for e in data["entries"] if e["k"] == "section"]
    assert sections and all("#" in e["u"] and e["u"].split("#")[1] in _ids(site / e["u"].split("#")[0])
                            for e in sections)
    # the glossary, with all its names, for the browser's cross-language search
    lif_concept = next(c for c in data["concepts"] if c["id"] == "lif")
    assert "泄漏整合发放模型" in lif_concept["terms"] and "leaky integrator" in lif_concept["terms"]
    assert "plymouth" in data["vocab"]


def test_glossary_page(site):
    page = (site / "glossary.html").read_text(encoding="utf-8")
    assert "<tr id='lif'>" in page and "泄漏整合发放模型" in page and "coursekit.neurons.LIF" in page


def test_out_must_be_a_site_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    from coursekit.course.site import build_site

    with pytest.raises(ValueError, match="is not empty and holds no site built by coursekit"):
        build_site(tmp_path, lectures_dir=tmp_path / "none")
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


# ----------------------------------------------------------------------------- in a real browser


def _browser_or_skip():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no chromium at {CHROMIUM}: install Debian's chromium to run the browser test")
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("Playwright for Python is not installed (pip install playwright; "
                    "never 'playwright install': the test uses the system chromium)")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_search_in_the_browser_follows_a_result_to_section_and_minute(site, tmp_path):
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            page = browser.new_page()
            page.set_default_timeout(20_000)
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            for query, sentence, section_page, section, t in [
                # English query, Chinese lecture: the glossary carries "leak" to 泄漏整合发放模型
                ("leak", "今天的主角是泄漏整合发放模型", "05_simplified_neurons_theory.html", "泄漏整合发放模型 (LIF)", 42),
                # Chinese query with a typo (露 for 漏)
                ("泄露整合发放", "今天的主角是泄漏整合发放模型", "05_simplified_neurons_theory.html",
                 "泄漏整合发放模型 (LIF)", 42),
                # English, with a typo
                ("volatge clamp", "The key technique is the voltage clamp.", "03_hodgkin_huxley_theory.html",
                 "Voltage clamp", _cue_start(SAMPLES / "d2-am.en.vtt", "The key technique")),
            ]:
                page.goto((site / "index.html").as_uri())
                page.fill("#ck-query", query)
                result = page.locator("#ck-results li.ck-result-said", has_text=sentence).first
                result.wait_for()
                assert not errors, errors
                time_link = result.locator("a.ck-time")
                assert time_link.get_attribute("href").endswith(f"t={t}"), query
                assert time_link.inner_text() == f"▶ {t // 60}:{t % 60:02d}"
                page.screenshot(path=str(tmp_path / f"search-{len(query)}.png"))
                result.locator("a.ck-section").click()
                page.wait_for_url(re.compile(re.escape(section_page) + "#"))
                anchor = page.url.split("#", 1)[1]
                heading = page.locator(f"[id='{anchor}']")
                assert section in heading.inner_text(), (query, page.url)
                assert heading.is_visible()
                # the marker under the heading opens the video at the chapter's time
                assert page.locator("a", has_text="▶").count() >= 1
        finally:
            browser.close()

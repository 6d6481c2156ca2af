"""The three web flows end to end in a real browser (Debian's Chromium through Playwright).

A live server (uvicorn in a thread) serves the miniature taxonomy with a small synthetic set of
vacancies and portfolios (``tests/web_fixtures.py``). Every flow fails on a browser console
error or an uncaught page error, checks that every form control has a label, and saves
screenshots under ``test-output/screenshots/``.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.web_fixtures import OUTPUT, SCREENSHOTS, live_server, web_services  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 45_000  # generous: CI runs on 2 shared cores


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium ontbreekt: 'make browser' installeert Debian's chromium")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh --user-data-dir
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900}, locale="nl-BE", accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        yield context
        context.close()


class Page:
    """A page plus the console errors and page errors it produced."""

    def __init__(self, context, base_url: str):
        self.page = context.new_page()
        self.base = base_url
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"requestfailed: {r.url} {r.failure}"))

    def goto(self, path: str):
        resp = self.page.goto(self.base + path)
        assert resp is not None and resp.status == 200, path
        assert self.page.get_attribute("html", "lang") == "nl"
        self.assert_accessible()
        return self.page

    def assert_accessible(self) -> None:
        unlabeled = self.page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
            .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
            .map(e => e.id || e.name || e.outerHTML.slice(0, 60))""")
        assert unlabeled == [], f"velden zonder label: {unlabeled}"
        nameless = self.page.evaluate("""() => [...document.querySelectorAll('button')]
            .filter(b => !(b.textContent.trim() || b.getAttribute('aria-label'))).length""")
        assert nameless == 0
        footer = self.page.inner_text("footer")
        assert "This service uses the ESCO classification of the European Commission." in footer and "VDAB" in footer

    def shot(self, name: str, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def assert_fits_phone(self, name: str, scroll_to: str) -> None:
        """At phone width: no horizontal scrolling; a screenshot of the given part."""
        self.page.set_viewport_size(PHONE)
        self.page.evaluate("s => document.querySelector(s).scrollIntoView()", scroll_to)
        self.shot(name, full_page=False)
        overflow = self.page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"horizontaal scrollen op een telefoon ({overflow}px)"
        self.page.set_viewport_size({"width": 1280, "height": 900})

    def close(self) -> None:
        self.page.close()
        assert self.errors == [], "fouten in de browser:\n" + "\n".join(self.errors)


def test_home(browser_context, live_server) -> None:
    p = Page(browser_context, live_server.url)
    page = p.goto("/")
    assert page.locator(".roles .card").count() == 3
    p.shot("0-start")
    p.close()


def test_werkzoekende_flow(browser_context, live_server) -> None:
    p = Page(browser_context, live_server.url)
    page = p.goto("/werkzoekende")
    page.fill("#cv", "Ik werk als magazijnmedewerker. Ik heb vijf jaar in een magazijn in Gent gewerkt. Ik verzamelde "
                     "orders en reed elke dag met de heftruck. Ik werk graag in team. Ik heb rijbewijs CE.")
    page.click("#extract-btn")
    chips = page.locator("#chips .chip")
    chips.first.wait_for()
    labels = chips.locator(".chip-label").all_inner_texts()
    assert "Orders verzamelen" in labels, labels
    assert page.input_value("#z-rijbewijs") == "CE", "het rijbewijs uit de tekst staat in het formulier"
    assert page.locator("#beroepen .chip-label").all_inner_texts() == ["Magazijnmedewerker"], \
        "het beroep uit de tekst wordt getoond en telt als voorkeursberoep"
    page.select_option("#afstand", "15")
    # confirm one chip with the keyboard
    first = chips.first.locator(".chip-confirm")
    first.focus()
    page.keyboard.press("Enter")
    assert page.locator("#chips .chip").first.locator(".chip-confirm").get_attribute("aria-pressed") == "true"
    # add a competence through the autocomplete, keyboard only
    for typed, expect in (("vrachtwagen", "vrachtwagen"), ("verkeersreg", "verkeers")):
        page.focus("#add-competence")
        page.keyboard.type(typed)
        page.locator("#add-competence-lijst [role=option]").first.wait_for()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_function("e => [...document.querySelectorAll('#chips .chip-label')].some(x => x.textContent.toLowerCase().includes(e))",
                               arg=expect)
    # remove one and confirm the rest
    n = page.locator("#chips .chip").count()
    team = page.locator("#chips .chip").filter(has_text="In team werken")
    if team.count():
        team.locator(".chip-remove").click()
        assert page.locator("#chips .chip").count() == n - 1
    page.click("#confirm-all")
    p.shot("1-werkzoekende-competenties", full_page=False)
    with page.expect_request("**/api/v1/match/vacancies") as request:
        page.click("#match-btn")
    assert json.loads(request.value.post_data)["portfolio"]["preferred_occupations"] == ["OP-400"]
    results = page.locator("#vacatures .result")
    results.first.wait_for()
    assert results.count() >= 3
    text = page.inner_text("#vacatures")
    assert "Waarom dit past" in text and "Wat je nog mist" in text
    assert page.locator("#vacatures .badge.short").count() >= 1, "verwacht een knelpuntberoep (vrachtwagenbestuurder)"
    assert page.locator("#vacatures .gap-text").count() >= 1, "verwacht ook vacatures met ontbrekende competenties"
    assert page.locator("#dekking .chart-row").count() == results.count()
    assert "km" in page.inner_text("#vacatures .result .meta >> nth=0")
    p.shot("1-werkzoekende-vacatures")
    p.assert_fits_phone("1-werkzoekende-telefoon", "#vacatures")
    p.close()


def test_werkgever_flow(browser_context, live_server, web_services) -> None:
    p = Page(browser_context, live_server.url)
    page = p.goto("/werkgever")
    page.fill("#beroep", "heftruckchauffeur")
    option = page.locator("#beroep-lijst [role=option]").filter(has_text="Heftruckchauffeur").first
    option.wait_for()
    option.click()
    page.locator("#essentieel .chip").first.wait_for()
    assert "Heftruckchauffeur" in page.inner_text("#beroep-gekozen")
    n_opt = page.locator("#optioneel .chip").count()
    # move an essential competence to the optional column and add one through the autocomplete
    page.locator("#essentieel .chip .chip-move").first.click()
    assert page.locator("#optioneel .chip").count() == n_opt + 1
    page.locator("#optioneel .chip .chip-move").first.click()
    page.fill("#w-add", "orders")
    page.locator("#w-add-lijst [role=option]").first.wait_for()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#essentieel .chip').length >= 2")
    # exclusionary wording and a diploma -> live warnings with alternatives; pool counts per requirement
    page.fill("#titel", "Heftruckchauffeur")
    page.select_option("#rijbewijs", "B")
    page.fill("#diploma", "bachelordiploma")
    page.fill("#tekst", "Voor ons jonge en dynamische team zoeken we een heftruckchauffeur van max. 30 jaar. "
                        "Hij spreekt Nederlands als moedertaal.")
    page.wait_for_function("() => document.querySelectorAll('#controle .warning').length >= 4")
    check = page.inner_text("#controle")
    for word in ("leeftijd", "afkomst", "diploma", "Beter:"):
        assert word in check, word
    page.locator("table.pool").wait_for()
    pool = page.inner_text("#pool")
    assert "rijbewijs B" in pool and "relevante kandidaten" in pool
    p.shot("2-werkgever-controle")
    p.assert_fits_phone("2-werkgever-telefoon", "#w3")
    # export
    with page.expect_download() as dl:
        page.click("#export-btn")
    target = OUTPUT / "werkgever-vacature.json"
    dl.value.save_as(str(target))
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert exported["occupation_codes"] == ["OP-388"] and exported["title"] == "Heftruckchauffeur"
    assert {c["importance"] for c in exported["competences"]} == {"essential", "optional"}
    assert exported["driving_licence"] == "B" and exported["diplomas"] == ["bachelordiploma"]
    from matcher.ingest import Resolver, vacancy_from_input  # the export is a valid import record

    vacancy, reasons = vacancy_from_input(exported, Resolver(web_services.match_taxonomy))
    assert reasons == [] and vacancy.occupation_codes == ["OP-388"]
    # a neutral rewrite clears the wording warnings
    page.fill("#titel", "Heftruckchauffeur (m/v/x)")
    page.fill("#diploma", "")
    page.fill("#tekst", "Voor ons enthousiaste team zoeken we een heftruckchauffeur. Je spreekt vlot Nederlands (B1).")
    page.locator("#controle .all-ok").wait_for()
    p.shot("2-werkgever-zonder-waarschuwingen", full_page=False)
    p.close()


def test_loopbaanbegeleider_flow(browser_context, live_server) -> None:
    from tests.web_fixtures import WEB_ADMIN

    p = Page(browser_context, live_server.url)
    page = p.goto("/inloggen?volgende=/loopbaanbegeleider")
    page.fill("#gebruiker", WEB_ADMIN[0])
    page.fill("#wachtwoord", WEB_ADMIN[1])
    page.click("#login-btn")
    page.wait_for_url("**/loopbaanbegeleider")
    p.assert_accessible()
    assert page.locator("#portfolio option").count() >= 10
    page.locator("#portfolio-detail .chip").first.wait_for()
    def orient() -> None:
        before = page.get_attribute("#beroepen", "data-loaded") or "0"
        page.click("#orient-btn")
        page.wait_for_function("b => (document.querySelector('#beroepen').dataset.loaded || '0') !== b", arg=before)

    orient()
    results = page.locator("#beroepen .result")
    assert results.count() >= 2
    assert page.locator("#beroepen .badge.short").count() >= 1, "verwacht een knelpuntberoep"
    # broader: other sectors only
    page.check("#ruimer")
    orient()
    assert "andere sectoren" in page.inner_text("#beroepen-info")
    assert page.locator("#beroepen .badge.other").count() == results.count()
    page.uncheck("#ruimer")
    orient()
    # a portfolio with gaps, so the action plan has content
    for value in page.locator("#portfolio option").evaluate_all("os => os.map(o => o.value)")[:40]:
        if page.locator("#beroepen input[type=checkbox]").count():
            break
        page.select_option("#portfolio", value)
        orient()
    assert page.locator("#beroepen input[type=checkbox]").count() >= 1
    plan = page.locator("#plan")
    assert plan.locator("li").count() >= 1 and "Leren:" in plan.inner_text()
    p.shot("3-loopbaanbegeleider-beroepen")
    p.assert_fits_phone("3-loopbaanbegeleider-telefoon", "#beroepen")
    # the print button calls window.print(); the print stylesheet shows only the plan
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.click("#print-btn")
    assert page.evaluate("() => window.__printed") == 1
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible() and not page.locator("#orient-form").is_visible()
    assert page.locator("#plan").is_visible()
    p.shot("3-loopbaanbegeleider-actieplan-afdruk")
    page.emulate_media(media="screen")
    p.close()


def test_unknown_page_is_dutch_html(browser_context, live_server) -> None:
    p = Page(browser_context, live_server.url)
    resp = p.page.goto(live_server.url + "/bestaat-niet")
    assert resp.status == 404 and "Pagina niet gevonden" in p.page.inner_text("h1")
    p.errors = [e for e in p.errors if "404" not in e]  # the 404 itself is logged by Chromium
    p.close()

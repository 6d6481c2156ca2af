/* Competentiematch — a little vanilla JavaScript for the three flows (no build step). */
"use strict";

/* ------------------------------------------------------------------ helpers */
function $(sel, root) { return (root || document).querySelector(sel); }
function el(tag, attrs, children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") n.className = v;
    else if (k === "text") n.textContent = v;
    else if (k === "style") n.style.cssText = v;   /* CSSOM, allowed under the CSP (no inline style attributes) */
    else if (k.startsWith("on")) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? "" : v);
  }
  for (const c of [].concat(children || [])) {
    if (c === null || c === undefined || c === false) continue;
    n.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return n;
}
function debounce(fn, ms) {
  let t = null;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}
function announce(text) { const r = $("#meldingen"); if (r) { r.textContent = ""; setTimeout(() => { r.textContent = text; }, 30); } }
function pct(x) { return Math.round((x || 0) * 100) + "%"; }

class ApiFout extends Error {}

async function api(path, body, method) {
  const opts = { method: method || (body === undefined ? "GET" : "POST"), headers: { "Accept": "application/json" } };
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  let resp;
  try { resp = await fetch(path, opts); } catch (e) { throw new ApiFout("De server is niet bereikbaar."); }
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (!resp.ok) {
    const err = data && data.error ? data.error : null;
    let msg = err ? err.message : "Er liep iets mis (" + resp.status + ").";
    if (err && err.details && err.details.length) msg += " " + err.details.map(d => d.msg).join("; ");
    throw new ApiFout(msg);
  }
  return data;
}
function showError(box, e) {
  if (!box) return;
  box.hidden = false;
  box.textContent = e instanceof ApiFout ? e.message : "Er liep iets mis. Probeer het opnieuw.";
}
function hideError(box) { if (box) { box.hidden = true; box.textContent = ""; } }
async function busy(button, fn) {
  const label = button ? button.textContent : "";
  if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); button.textContent = "Even geduld…"; }
  try { return await fn(); }
  finally { if (button) { button.disabled = false; button.removeAttribute("aria-busy"); button.textContent = label; } }
}

/* ------------------------------------------------------------------ combobox (ARIA 1.2 pattern) */
function combobox(input, listbox, fetcher, onPick, render) {
  let items = [], active = -1, seq = 0;
  const close = () => { listbox.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; };
  const highlight = (i) => {
    const opts = listbox.querySelectorAll("[role=option]");
    opts.forEach((o, k) => o.setAttribute("aria-selected", k === i ? "true" : "false"));
    active = i;
    if (i >= 0 && opts[i]) { input.setAttribute("aria-activedescendant", opts[i].id); opts[i].scrollIntoView({ block: "nearest" }); }
  };
  const pick = (i) => { const it = items[i]; if (!it) return; close(); onPick(it); };
  const show = (list) => {
    items = list; listbox.innerHTML = "";
    if (!list.length) { close(); return; }
    list.forEach((it, i) => {
      const li = el("li", { role: "option", id: listbox.id + "-" + i, "aria-selected": "false" }, render(it));
      li.addEventListener("mousedown", (ev) => { ev.preventDefault(); pick(i); });
      listbox.appendChild(li);
    });
    listbox.hidden = false; input.setAttribute("aria-expanded", "true"); active = -1;
  };
  const search = debounce(async () => {
    const q = input.value.trim(), my = ++seq;
    if (q.length < 2) { close(); return; }
    try { const list = await fetcher(q); if (my === seq) show(list); } catch (e) { close(); }
  }, 180);
  input.addEventListener("input", search);
  input.addEventListener("keydown", (ev) => {
    const open = !listbox.hidden;
    if (ev.key === "ArrowDown") { ev.preventDefault(); if (open) highlight(Math.min(active + 1, items.length - 1)); else search(); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); if (open) highlight(Math.max(active - 1, 0)); }
    else if (ev.key === "Enter") { if (open && items.length) { ev.preventDefault(); pick(active >= 0 ? active : 0); } }
    else if (ev.key === "Escape") { close(); }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  return { close };
}
function competenceFetcher(q) {
  return api("/api/v1/competences/suggest", { q: q, top: 8 }).then(d => d.results);   /* typed text in the body, never in a URL */
}
function renderCompetenceOption(it) {
  const extra = it.matched_label && it.matched_label.toLowerCase() !== it.label.toLowerCase() ? " (" + it.matched_label + ")" : "";
  return [it.label + extra];
}

/* ------------------------------------------------------------------ werkzoekende */
function initWerkzoekende() {
  const chips = new Map();   // id -> {id, label, source, confirmed, spans}
  const occupations = new Map();   // OP code -> label: the preferred occupations the text names
  const list = $("#chips");
  const errBox = $("#cv-fout");

  function renderChips() {
    list.innerHTML = "";
    for (const c of chips.values()) {
      const src = c.source === "extracted" ? "uit je tekst" : "zelf toegevoegd";
      const li = el("li", { class: "chip" + (c.confirmed ? " confirmed" : ""), "data-id": c.id }, [
        el("span", { class: "chip-label", text: c.label }),
        el("span", { class: "chip-src", text: "· " + src }),
        el("button", { type: "button", "aria-pressed": c.confirmed ? "true" : "false", class: "chip-confirm",
          "aria-label": (c.confirmed ? "Bevestigd: " : "Bevestig ") + c.label,
          onclick: () => { c.confirmed = !c.confirmed; renderChips(); focusChip(c.id, ".chip-confirm"); } },
          c.confirmed ? "✓ bevestigd" : "bevestig"),
        el("button", { type: "button", class: "chip-remove", "aria-label": "Verwijder " + c.label,
          onclick: () => { chips.delete(c.id); renderChips(); announce(c.label + " verwijderd"); $("#add-competence").focus(); } }, "✕"),
      ]);
      list.appendChild(li);
    }
    $("#chips-hulp").textContent = chips.size
      ? chips.size + " competenties. Klopt dit? Bevestig wat je kan, verwijder wat niet klopt en voeg toe wat ontbreekt."
      : "Nog geen competenties. Voeg er hieronder toe.";
  }
  function focusChip(id, sel) { const b = list.querySelector('[data-id="' + CSS.escape(id) + '"] ' + sel); if (b) b.focus(); }

  $("#cv-form").addEventListener("submit", async (ev) => {
    ev.preventDefault(); hideError(errBox);
    const text = $("#cv").value;
    if (!text.trim()) { showError(errBox, new ApiFout("Schrijf eerst iets over je ervaring.")); $("#cv").focus(); return; }
    try {
      const res = await busy($("#extract-btn"), () => api("/api/v1/extract", { text, kind: "cv" }));
      for (const [id, c] of chips) if (c.source === "extracted" && !c.confirmed) chips.delete(id);
      for (const c of res.competences) {
        if (!chips.has(c.competence_id))
          chips.set(c.competence_id, { id: c.competence_id, label: c.label, source: "extracted", confirmed: false,
            spans: c.spans.map(s => s.text) });
      }
      renderChips();
      occupations.clear();
      const labels = new Map((res.occupations || []).map(o => [o.occupation_code, o.label]));
      for (const code of res.preferred_occupations || []) occupations.set(code, labels.get(code) || code);
      renderOccupations();
      renderRequirements(res.requirements || []);
      $("#chips-sectie").hidden = false;
      announce(res.competences.length + " competenties gevonden");
      $("#stap2").scrollIntoView({ behavior: "smooth", block: "start" });
    } catch (e) { showError(errBox, e); }
  });
  function renderOccupations() {
    const box = $("#beroepen"); box.innerHTML = "";
    $("#beroepen-sectie").hidden = !occupations.size;
    for (const [code, label] of occupations) {
      box.appendChild(el("li", { class: "chip confirmed", "data-id": code }, [
        el("span", { class: "chip-label", text: label }),
        el("span", { class: "chip-src", text: "· uit je tekst" }),
        el("button", { type: "button", class: "chip-remove", "aria-label": "Verwijder beroep " + label,
          onclick: () => { occupations.delete(code); renderOccupations(); announce(label + " verwijderd"); } }, "✕"),
      ]));
    }
  }
  function renderRequirements(reqs) {
    const box = $("#vereisten");
    const found = reqs.map(r => r.value + (r.level ? " (" + r.level + ")" : ""));
    box.hidden = !found.length;
    box.textContent = found.length ? "Ook gevonden: " + found.join(", ") + ". Kijk rijbewijs en taal hierboven na." : "";
    for (const r of reqs) {
      if (r.category === "licence") {
        const m = /\b(BE|CE|C1|AM|B|C|D)\b/i.exec(r.value);
        const sel = $("#z-rijbewijs");
        if (m && [...sel.options].some(o => o.value === m[1].toUpperCase())) sel.value = m[1].toUpperCase();
      }
    }
  }
  $("#confirm-all").addEventListener("click", () => { for (const c of chips.values()) c.confirmed = true; renderChips(); announce("Alles bevestigd"); });
  combobox($("#add-competence"), $("#add-competence-lijst"), competenceFetcher, (it) => {
    if (!chips.has(it.id)) chips.set(it.id, { id: it.id, label: it.label, source: "self_declared", confirmed: true, spans: [] });
    $("#add-competence").value = ""; renderChips(); announce(it.label + " toegevoegd");
  }, renderCompetenceOption);

  $("#match-btn").addEventListener("click", async () => {
    hideError(errBox);
    const competences = [...chips.values()].map(c => ({
      id: c.id,
      evidence: c.source === "extracted"
        ? [{ source: "extracted", text: (c.spans[0] || "") }].concat(c.confirmed ? [{ source: "self_declared", text: "bevestigd door de werkzoekende" }] : [])
        : [{ source: "self_declared" }],
    }));
    const postcode = $("#postcode").value.trim();
    const portfolio = { id: "mijn-portfolio", competences, cv_text: null, preferred_occupations: [...occupations.keys()],
      location: /^\d{4}$/.test(postcode) ? { postcode } : {} };
    const km = $("#afstand").value;
    if (km) portfolio.max_distance_km = Number(km);
    if ($("#z-rijbewijs").value) portfolio.driving_licences = [$("#z-rijbewijs").value];
    if ($("#z-nl").value) portfolio.languages = [{ code: "nl", level: $("#z-nl").value }];
    try {
      const res = await busy($("#match-btn"), () => api("/api/v1/match/vacancies", { portfolio, top: 10 }));
      renderVacancies(res);
    } catch (e) { showError(errBox, e); $("#resultaten-sectie").hidden = true; }
  });

  function renderVacancies(res) {
    const sec = $("#resultaten-sectie"); sec.hidden = false;
    $("#resultaten-info").textContent = res.results.length
      ? res.results.length + " beste vacatures uit " + res.considered + " (" + Math.round(res.ms) + " ms)."
      : "Geen vacatures gevonden. Voeg competenties toe of verruim de afstand.";
    const chart = $("#dekking"); chart.innerHTML = "";
    chart.appendChild(el("p", { class: "legend" }, [el("i", { style: "background:#0b5394" }), "dekking",
      el("i", { style: "background:#b7791f" }), "knelpuntberoep"]));
    res.results.forEach((r) => {
      chart.appendChild(el("div", { class: "chart-row" }, [
        el("span", { text: r.rank + ". " + r.vacancy.title }),
        el("div", { class: "bar", role: "img", "aria-label": "dekking " + pct(r.coverage) },
          [el("span", { class: r.shortage ? "short" : "", style: "width:" + pct(r.coverage) })]),
        el("span", { class: "pct", text: pct(r.coverage) }),
      ]));
    });
    const ol = $("#vacatures"); ol.innerHTML = "";
    for (const r of res.results) ol.appendChild(vacancyCard(r));
    announce(res.results.length + " vacatures gevonden");
    $("#stap3").scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function vacancyCard(r) {
    const v = r.vacancy, loc = v.location || {};
    const place = [loc.municipality, loc.province ? "(" + loc.province + ")" : ""].filter(Boolean).join(" ");
    const dist = r.distance_km !== null && r.distance_km !== undefined ? " · ± " + Math.round(r.distance_km) + " km" : "";
    const matched = r.matched.map(m => {
      const ev = (m.portfolio_evidence || []).map(e => e.source_label).filter(Boolean);
      const how = m.match === "exact" ? "" : m.match === "equivalent" ? " (gelijkwaardig" + (m.via ? ": " + m.via.label : "") + ")"
        : " (verwant" + (m.via ? ": " + m.via.label : "") + ", deels)";
      return el("li", {}, [el("span", { class: "ok-text", "aria-hidden": "true" }, "✓ "), m.label + how,
        m.importance === "essential" ? el("span", { class: "badge info", text: "essentieel" }) : null,
        ev.length ? el("span", { class: "muted", text: " — " + [...new Set(ev)].join(", ") }) : null]);
    });
    const gaps = r.gaps.map(g => el("li", {}, [el("span", { class: "gap-text", "aria-hidden": "true" }, "✗ "), g.label,
      g.importance === "essential" ? el("span", { class: "badge warn", text: "essentieel" }) : null,
      g.opens_vacancies ? el("span", { class: "muted", text: " — opent nog " + g.opens_vacancies + " vacature(s)" }) : null]));
    const diplomas = (r.diplomas_requested || []).map(d => d.diploma);
    const cons = (r.breakdown || []).find(b => b.factor === "constraints");
    return el("li", { class: "result" }, [
      el("span", { class: "score" }, [el("span", { class: "sr-only", text: "dekking " }), pct(r.coverage)]),
      el("h3", {}, [v.title, r.shortage ? el("span", { class: "badge short", text: "knelpuntberoep" }) : null,
        v.remote ? el("span", { class: "badge info", text: "telewerk" }) : null]),
      el("p", { class: "meta", text: [v.employer, place + dist].filter(Boolean).join(" · ") }),
      el("div", { class: "bar", role: "img", "aria-label": "dekking " + pct(r.coverage) }, [el("span", { style: "width:" + pct(r.coverage) })]),
      el("p", { text: r.summary }),
      el("div", { class: "why" }, [
        el("div", {}, [el("h4", { text: "Waarom dit past" }), matched.length ? el("ul", { class: "comp" }, matched) : el("p", { class: "muted", text: "Geen gedeelde competenties." })]),
        el("div", {}, [el("h4", { text: "Wat je nog mist" }), gaps.length ? el("ul", { class: "comp" }, gaps) : el("p", { class: "ok-text", text: "Niets: je hebt alles wat gevraagd wordt." })]),
      ]),
      cons && cons.effect < 1 ? el("p", { class: "note" }, [el("strong", { text: "Let op: " }), cons.explanation]) : null,
      diplomas.length ? el("p", { class: "muted", text: "Diploma gevraagd (getoond, niet afgedwongen): " + diplomas.join(", ") }) : null,
    ]);
  }
  renderChips();
}

/* ------------------------------------------------------------------ werkgever */
function initWerkgever() {
  const state = { occupation: null, comps: new Map() };   // id -> {id, label, importance}
  const lists = { essential: $("#essentieel"), optional: $("#optioneel") };

  function renderColumns() {
    for (const [imp, ul] of Object.entries(lists)) {
      ul.innerHTML = "";
      const mine = [...state.comps.values()].filter(c => c.importance === imp);
      if (!mine.length) ul.appendChild(el("li", { class: "muted", text: "Nog geen." }));
      for (const c of mine) {
        const other = imp === "essential" ? "optional" : "essential";
        ul.appendChild(el("li", { class: "chip", "data-id": c.id }, [
          el("span", { class: "chip-label", text: c.label }),
          el("button", { type: "button", class: "chip-move", "aria-label": "Maak " + c.label + (other === "optional" ? " een pluspunt" : " essentieel"),
            onclick: () => { c.importance = other; renderColumns(); liveCheck(); } }, other === "optional" ? "→ pluspunt" : "→ essentieel"),
          el("button", { type: "button", class: "chip-remove", "aria-label": "Verwijder " + c.label,
            onclick: () => { state.comps.delete(c.id); renderColumns(); liveCheck(); announce(c.label + " verwijderd"); } }, "✕"),
        ]));
      }
    }
  }

  function vacancy() {
    const pc = $("#w-postcode").value.trim();
    const v = {
      id: "ontwerp-" + (state.occupation ? state.occupation.code : "vacature"),
      title: $("#titel").value, employer: $("#werkgever-naam").value, text: $("#tekst").value,
      occupation_codes: state.occupation ? [state.occupation.code] : [],
      competences: [...state.comps.values()].map(c => ({ id: c.id, label: c.label, importance: c.importance,
        evidence: [{ source: c.fromProfile ? "profile" : "employer" }] })),
      location: /^\d{4}$/.test(pc) ? { postcode: pc } : {},
      regimes: $("#regime").value ? [$("#regime").value] : [],
      contract_type: $("#contract").value,
      driving_licence: $("#rijbewijs").value || null,
      languages: $("#nl-niveau").value ? [{ code: "nl", level: $("#nl-niveau").value }] : [],
      diplomas: $("#diploma").value.trim() ? [$("#diploma").value.trim()] : [],
    };
    return v;
  }

  let checkSeq = 0;
  async function runCheck() {
    const my = ++checkSeq;
    const v = vacancy();
    if (!v.title && !v.text && !v.competences.length) return;
    try {
      const res = await api("/api/v1/drafting/check", { vacancy: v });
      if (my === checkSeq) renderCheck(res);
    } catch (e) {
      if (my === checkSeq) { const box = $("#controle"); box.innerHTML = ""; box.appendChild(el("p", { class: "error", text: e.message || "Controle mislukt." })); }
    }
  }
  const liveCheck = debounce(runCheck, 400);

  function renderCheck(res) {
    const box = $("#controle"); box.innerHTML = "";
    if (!res.warnings.length) box.appendChild(el("p", { class: "all-ok", text: "✓ Geen uitsluitende formuleringen gevonden." }));
    else {
      box.appendChild(el("p", { text: res.warnings.length + " aandachtspunt(en):" }));
      box.appendChild(el("ul", { class: "warnings" }, res.warnings.map(w => el("li", { class: "warning " + w.severity }, [
        el("span", { class: "badge " + (w.severity === "info" ? "info" : "warn"), text: w.category_label || w.category }), " ",
        w.text ? el("q", { text: w.text }) : el("span", { text: w.field === "title" ? "(titel)" : "" }),
        el("p", { text: w.reason }),
        w.alternative ? el("p", { class: "alt" }, [el("strong", { text: "Beter: " }), w.alternative]) : null,
      ]))));
    }
    const pool = $("#pool"); pool.innerHTML = "";
    if (!res.pool_size) { pool.appendChild(el("p", { class: "hint", text: "Nog geen relevante kandidaten in de pool." })); return; }
    pool.appendChild(el("p", {}, [el("strong", { text: String(res.pool_size) }), " relevante kandidaten. Zoveel filtert elke eis er alleen al weg:"]));
    const rows = res.requirements.map(r => el("tr", {}, [
      el("td", { text: r.label }),
      el("td", { class: "n", text: "−" + r.removes }),
      el("td", { style: "width:35%" }, [el("div", { class: "bar", role: "img", "aria-label": pct(r.removes_share) + " van de pool" },
        [el("span", { style: "width:" + pct(r.removes_share) + ";background:#b7791f" })])]),
    ]));
    pool.appendChild(el("table", { class: "pool" }, [
      el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: "Eis" }), el("th", { scope: "col", class: "n", text: "Kandidaten weg" }), el("th", { scope: "col", text: "Aandeel" })])]),
      el("tbody", {}, rows)]));
  }

  combobox($("#beroep"), $("#beroep-lijst"),
    (q) => api("/api/v1/occupations/search?top=5&q=" + encodeURIComponent(q)).then(d => d.results.filter(r => r.source === "competent" || (r.links || []).length)),
    async (it) => {
      const code = it.source === "competent" ? it.id : (it.links[0] || {}).id;
      try {
        const s = await api("/api/v1/drafting/suggest?occupation=" + encodeURIComponent(code));
        state.occupation = { code: s.code, label: s.label };
        state.comps.clear();
        for (const c of s.essential) state.comps.set(c.competence_id, { id: c.competence_id, label: c.label, importance: "essential", fromProfile: true });
        for (const c of s.optional) state.comps.set(c.competence_id, { id: c.competence_id, label: c.label, importance: "optional", fromProfile: true });
        $("#beroep").value = s.label;
        $("#beroep-gekozen").textContent = "Gekozen: " + s.label + " (" + s.code + ")" + (s.shortage ? " — knelpuntberoep" : "")
          + ". " + s.essential.length + " essentiële en " + s.optional.length + " optionele competenties overgenomen.";
        if (!$("#titel").value) $("#titel").value = s.label + " (m/v/x)";
        renderColumns(); runCheck();
      } catch (e) { $("#beroep-gekozen").textContent = e.message || "Dit beroep heeft geen profiel."; }
    },
    (it) => [it.label, it.is_shortage ? el("span", { class: "badge short", text: "knelpuntberoep" }) : null,
      el("span", { class: "code", text: " " + (it.source === "competent" ? it.code : "ESCO") })]);

  combobox($("#w-add"), $("#w-add-lijst"), competenceFetcher, (it) => {
    state.comps.set(it.id, { id: it.id, label: it.label, importance: $("#w-add-belang").value, fromProfile: false });
    $("#w-add").value = ""; renderColumns(); liveCheck(); announce(it.label + " toegevoegd");
  }, renderCompetenceOption);

  for (const id of ["titel", "werkgever-naam", "tekst", "diploma", "w-postcode"]) $("#" + id).addEventListener("input", liveCheck);
  for (const id of ["rijbewijs", "nl-niveau", "regime", "contract"]) $("#" + id).addEventListener("change", liveCheck);
  $("#check-btn").addEventListener("click", runCheck);
  $("#export-btn").addEventListener("click", () => {
    const v = vacancy();
    if (!v.title) v.title = state.occupation ? state.occupation.label : "Vacature";
    const blob = new Blob([JSON.stringify(v, null, 2) + "\n"], { type: "application/json" });
    const a = el("a", { href: URL.createObjectURL(blob), download: (v.id || "vacature") + ".json" });
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    announce("Vacature geëxporteerd als JSON");
  });
  renderColumns();
}

/* ------------------------------------------------------------------ loopbaanbegeleider */
function initLoopbaanbegeleider() {
  const errBox = $("#orient-fout");
  const select = $("#portfolio");
  let lastResults = [];

  async function showPortfolio() {
    const box = $("#portfolio-detail"); box.innerHTML = "";
    if (!select.value) return;
    try {
      const p = await api("/api/v1/portfolios/" + encodeURIComponent(select.value));
      const comps = p.competences.map(c => el("li", { class: "chip" }, [el("span", { class: "chip-label", text: c.label || c.competence_id })]));
      box.appendChild(el("p", { class: "hint", text: p.competences.length + " competenties" +
        (p.location && p.location.municipality ? " · woont in " + p.location.municipality : "") +
        (p.max_distance_km ? " · reist tot " + p.max_distance_km + " km" : "") }));
      box.appendChild(el("ul", { class: "chips", "aria-label": "Competenties in het portfolio" }, comps));
    } catch (e) { showError(errBox, e); }
  }
  select.addEventListener("change", showPortfolio);

  $("#orient-form").addEventListener("submit", async (ev) => {
    ev.preventDefault(); hideError(errBox);
    if (!select.value) { showError(errBox, new ApiFout("Kies eerst een portfolio.")); return; }
    const body = { portfolio_id: select.value, top: 10, broader: $("#ruimer").checked,
      max_missing: Math.max(0, Math.min(50, parseInt($("#max-missing").value || "3", 10) || 0)) };
    try {
      const res = await busy($("#orient-btn"), () => api("/api/v1/orientation", body));
      lastResults = res.results; renderOccupations(res); renderPlan();
    } catch (e) { showError(errBox, e); }
  });

  function renderOccupations(res) {
    $("#beroepen-sectie").hidden = false;
    const own = (res.own_sectors || []).map(s => s.label || (s.sector ? "ISCO " + s.sector : "")).filter(Boolean);
    $("#beroepen-info").textContent = (res.results.length ? res.results.length + " beroepen" : "Geen beroepen gevonden")
      + (res.mode === "broader" ? " in andere sectoren (hoogstens " + res.max_missing + " essentiële competenties te leren)" : "")
      + (own.length ? ". Eigen sector: " + own.join(", ") + "." : ".");
    const ol = $("#beroepen"); ol.innerHTML = "";
    let withGaps = 0;
    res.results.forEach((r, i) => {
      const preselect = r.gaps.length > 0 && withGaps++ < 3;   // the first three occupations with gaps go into the plan
      const gaps = r.gaps.map((g, k) => {
        const id = "gap-" + i + "-" + k;
        return el("li", { class: "field check" }, [
          el("input", { type: "checkbox", id, checked: preselect, "data-occ": String(i), "data-gap": String(k), onchange: renderPlan }),
          el("label", { for: id }, [g.label, g.opens_vacancies ? el("span", { class: "muted", text: " — opent " + g.opens_vacancies + " vacature(s)" }) : null]),
        ]);
      });
      const range = r.open_vacancies_in_range !== null && r.open_vacancies_in_range !== undefined ? ", " + r.open_vacancies_in_range + " binnen reisafstand" : "";
      ol.appendChild(el("li", { class: "result" }, [
        el("span", { class: "score", text: pct(r.score) }),
        el("h3", {}, [r.label, r.shortage ? el("span", { class: "badge short", text: "knelpuntberoep" }) : null,
          r.other_sector ? el("span", { class: "badge other", text: "andere sector" }) : null,
          r.preferred ? el("span", { class: "badge pref", text: "voorkeur" }) : null]),
        el("p", { class: "meta", text: r.code + (r.sector_label ? " · " + r.sector_label : "") + " · " + r.essential_present + "/" + r.essential_total
          + " essentiële competenties · " + r.open_vacancies + " vacatures" + range }),
        el("div", { class: "bar", role: "img", "aria-label": "past voor " + pct(r.score) }, [el("span", { style: "width:" + pct(r.score) })]),
        r.gaps.length ? el("fieldset", { class: "col" }, [el("legend", { text: "Te leren (opnemen in het actieplan)" }), el("ul", { class: "comp", style: "list-style:none;padding:0" }, gaps)])
          : el("p", { class: "ok-text", text: "Alle essentiële competenties zijn aanwezig." }),
      ]));
    });
    ol.dataset.loaded = String(Number(ol.dataset.loaded || 0) + 1);
    announce(res.results.length + " beroepen gevonden");
  }

  function renderPlan() {
    const box = $("#plan"); box.innerHTML = "";
    const chosen = new Map();
    document.querySelectorAll("#beroepen input[type=checkbox]:checked").forEach(cb => {
      const r = lastResults[Number(cb.dataset.occ)], g = r && r.gaps[Number(cb.dataset.gap)];
      if (!r || !g) return;
      if (!chosen.has(r.code)) chosen.set(r.code, { r, gaps: [] });
      chosen.get(r.code).gaps.push(g);
    });
    const who = select.options[select.selectedIndex] ? select.options[select.selectedIndex].textContent : "";
    box.appendChild(el("p", {}, [el("strong", { text: "Voor: " }), who]));
    box.appendChild(el("p", { class: "muted", text: "Opgesteld op " + new Date().toLocaleDateString("nl-BE") + " met Competentiematch." }));
    if (!chosen.size) { box.appendChild(el("p", { text: "Vink hierboven de competenties aan die in het plan horen." })); }
    const ol = el("ol", {});
    for (const { r, gaps } of chosen.values()) {
      ol.appendChild(el("li", {}, [
        el("strong", { text: r.label }), r.shortage ? el("span", { class: "badge short", text: "knelpuntberoep" }) : null,
        el("span", { text: " — nu " + r.essential_present + "/" + r.essential_total + " essentiële competenties; " + r.open_vacancies + " vacatures." }),
        el("ul", {}, gaps.map(g => el("li", { text: "Leren: " + g.label + (g.opens_vacancies ? " (opent " + g.opens_vacancies + " vacature(s))" : "") }))),
      ]));
    }
    box.appendChild(ol);
    box.appendChild(el("p", { class: "muted", text: "Volgende stap: bespreek opleidingen of werkervaring voor deze competenties met de VDAB-consulent." }));
    $("#plan-sectie").hidden = false;
  }
  $("#print-btn").addEventListener("click", () => window.print());
  showPortfolio();
}

/* ------------------------------------------------------------------ stage banner */
/* While the service runs on the lexical stage (or is still warming up), say so and how far the
   background build is; poll /health until the full stage is live and warm, then hide. */
async function showStage() {
  const box = $("#fase");
  if (!box) return;
  let h;
  try { h = await (await fetch("/health", { headers: { "Accept": "application/json" } })).json(); } catch (e) { return; }
  if (h.stage === "volledig" && h.ready) { box.hidden = true; return; }
  const b = h.build || {};
  let text = h.ready ? (h.stage_text || "") : "De dienst warmt op; de eerste antwoorden kunnen trager zijn.";
  if (b.running && b.step) text += " Bezig: " + (b.step_text || b.step) + (b.percent !== null && b.percent !== undefined ? " (" + b.percent + "%)" : "") + ".";
  if (b.error) text += " De achtergrondbouw is gestopt: " + b.error;
  box.textContent = text;
  box.hidden = false;
  if (!b.error) setTimeout(showStage, 5000);
}

/* ------------------------------------------------------------------ start */
document.addEventListener("DOMContentLoaded", () => {
  showStage();
  const page = document.body.dataset.page;
  if (page === "werkzoekende") initWerkzoekende();
  else if (page === "werkgever") initWerkgever();
  else if (page === "loopbaanbegeleider") initLoopbaanbegeleider();
});

// paintmatch review UI: plain JavaScript over the documented REST API (/openapi.json), nothing else.
"use strict";

const $ = (id) => document.getElementById(id);
const ui = {
  cut: null,          // CutDetail of the open cut
  frame: 0,           // index into cut.frame_list
  view: "result",
  selected: null,     // ComponentInfo
  palette: [],
  job: null,
  stamp: Date.now(),  // cache-buster for images
  gapMode: false,     // closures shown over the frame, clicks edit them
  gaps: null,         // Gaps of the current frame (GET .../gaps)
  gapStart: null,     // [x, y]: first click of a closing stroke
  gapSelected: null,  // [x0, y0, x1, y1]: the closure picked for removal
  flagged: [],        // FlaggedComponent list of the cut, in review order (GET .../flagged)
  match: null,        // MatchInfo of the selected component
  confirmColored: null, // "frame@revision" whose Make colored frame was pressed once with flagged components left
  zoom: 1,            // the frame's width on screen in widths that fit the window (1: fit)
  pan: null,          // {x, y, left, top}: a pan under way (Space+drag or the middle button)
  panKey: false,      // Space held: a drag pans
  panned: false,      // the last press panned: its click selects nothing
  fillMode: false,    // a click on a region paints it with fillColor (a locked fix), as a paint tool's bucket
  fillColor: null,    // "#rrggbbaa": the color Fill paints (a palette swatch, or Alt+click on a region)
};
const ZOOM_STEP = 1.5;   // per press of + or -; Ctrl+wheel zooms by 1.25 a notch
const MAX_PIXEL = 8;     // zoom in until a frame pixel is 8 screen pixels
const SVG = "http://www.w3.org/2000/svg";

// ---------------------------------------------------------------- API

async function api(path, options = {}) {
  const init = { credentials: "same-origin", ...options };
  if (options.json !== undefined) {
    init.method = init.method || "POST";
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify(options.json);
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try { const body = await response.json(); message = body.detail || message; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  const type = response.headers.get("content-type") || "";
  return type.includes("application/json") ? response.json() : response;
}

const cutPath = () => `/api/cuts/${encodeURIComponent(ui.cut.name)}`;
const frameInfo = () => ui.cut && ui.cut.frame_list[ui.frame];
const framePath = () => `${cutPath()}/frames/${encodeURIComponent(frameInfo().name)}`;

function toast(message, isError = false) {
  const el = $("toast");
  el.textContent = message;
  el.className = isError ? "error" : "";
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, isError ? 6000 : 2500);
}

async function guarded(action) {
  try { await action(); } catch (error) { toast(error.message, true); }
}

// ---------------------------------------------------------------- cuts

async function loadCuts(select) {
  const list = await api("/api/cuts");
  const el = $("cut-select");
  el.replaceChildren(...list.cuts.map((c) => {
    const option = document.createElement("option");
    option.value = c.name;
    option.textContent = `${c.name} (${c.frames} frames${c.colorized ? ", colored" : ""})`;
    return option;
  }));
  if (select) el.value = select;
}

async function openCut(name) {
  ui.cut = await api(`/api/cuts/${encodeURIComponent(name)}`);
  ui.frame = Math.min(ui.frame, ui.cut.frame_list.length - 1);
  ui.selected = null;
  ui.zoom = 1;  // another cut, maybe another frame size: fit
  const img = $("view");
  img.style.width = img.style.maxWidth = img.style.maxHeight = "";
  ui.view = ui.cut.colorized ? ui.view : "line";
  history.replaceState(null, "", `#${encodeURIComponent(name)}`);
  if (ui.cut.colorized) ui.palette = (await api(`${cutPath()}/palette`)).colors;
  else ui.palette = [];
  await loadFlagged();
  ui.match = null;
  if (ui.cut.job) watchJob(ui.cut.job);
  render();
}

async function loadFlagged() {
  ui.flagged = ui.cut && ui.cut.colorized ? (await api(`${cutPath()}/flagged`)).components : [];
}

async function refresh() {
  if (!ui.cut) return;
  const previous = ui.cut.revision;
  ui.cut = await api(cutPath());
  if (ui.cut.colorized) ui.palette = (await api(`${cutPath()}/palette`)).colors;
  await loadFlagged();
  if (ui.cut.revision !== previous) ui.stamp = Date.now();
  if (ui.selected) {
    try { ui.selected = await api(`${framePath()}/components/${ui.selected.id}`); } catch (_) { ui.selected = null; }
  }
  await loadMatch();
  render();
}

// ---------------------------------------------------------------- rendering

function imageUrl(frameName, view, maxSide) {
  const params = new URLSearchParams({ view, v: `${ui.cut.revision}-${ui.stamp}` });
  if (maxSide) params.set("max_side", maxSide);
  return `${cutPath()}/frames/${encodeURIComponent(frameName)}/image?${params}`;
}

function render() {
  const cut = ui.cut;
  const has = Boolean(cut);
  const colorized = has && cut.colorized;
  const busy = Boolean(ui.job);
  $("empty").hidden = has;
  $("colorize").disabled = !has || busy;
  $("export").disabled = !colorized || busy;
  $("undo").disabled = !has || !cut.can_undo || busy;
  $("redo").disabled = !has || !cut.can_redo || busy;
  $("undo").title = has && cut.undo_label ? `Undo ${cut.undo_label} (Ctrl+Z)` : "Undo (Ctrl+Z)";
  $("redo").title = has && cut.redo_label ? `Redo ${cut.redo_label} (Ctrl+Shift+Z)` : "Redo (Ctrl+Shift+Z)";
  $("propagate").disabled = !colorized || busy;
  for (const id of ["zoom-in", "zoom-out", "zoom-fit"]) $(id).disabled = !has;
  const shown = frameInfo();
  const inputColored = Boolean(shown && shown.is_reference && !shown.made_colored);
  $("make-colored").disabled = !colorized || busy || inputColored;
  const asking = Boolean(shown && ui.confirmColored === `${shown.name}@${cut.revision}`);
  $("make-colored").textContent = shown && shown.made_colored ? "Stop using as colored frame"
    : asking ? `Make colored frame with ${shown.low_confidence} flagged unfixed` : "Make colored frame";
  $("make-colored").classList.toggle("asking", asking);
  $("make-colored").title = inputColored ? "a colored input in gt/: the page never changes it" : "M";
  $("colored-file").disabled = !has || busy || Boolean(shown && shown.is_reference);
  $("next-flagged").disabled = !colorized || !ui.flagged.length;
  $("prev-flagged").disabled = !colorized || !ui.flagged.length;
  if (!colorized) ui.gapMode = false;
  $("gaps-toggle").disabled = !colorized || busy;
  $("gaps-toggle").setAttribute("aria-pressed", String(ui.gapMode));
  $("gap-panel").hidden = !ui.gapMode;
  for (const button of document.querySelectorAll("#views button")) {
    button.classList.toggle("active", button.dataset.view === ui.view);
    button.disabled = !colorized && button.dataset.view !== "line";
  }
  if (!has) return;
  const frame = frameInfo();
  $("frame-name").textContent = `${frame.name}  (${ui.frame + 1}/${cut.frame_list.length})`;
  $("view").src = imageUrl(frame.name, colorized ? ui.view : "line");
  // A frame written through as drawn says why, and what to check (the sidecar's "reason").
  // A colored frame that does not fit its line art says so (painted on another drawing, or shifted).
  const note = frame.passed_through ? `Not colored, written through as drawn: ${frame.passed_through_note}.`
    : frame.misfit_note ? `${frame.misfit_note}.` : "";
  $("frame-note").hidden = !note;
  $("frame-note").textContent = note;
  $("frame-note").classList.toggle("warn", Boolean(frame.misfit_note));
  renderFilmstrip();
  renderPanel();
  renderFlagCount();
  syncGaps();
}

function flaggedPosition() {
  // Index of the selected component in the flagged list, or -1.
  if (!ui.selected) return -1;
  const name = frameInfo().name;
  return ui.flagged.findIndex((entry) => entry.frame === name && entry.id === ui.selected.id);
}

function renderFlagCount() {
  const el = $("flag-count");
  const total = ui.flagged.length;
  el.classList.toggle("some", total > 0);
  if (!ui.cut || !ui.cut.colorized) { el.textContent = ""; return; }
  const k = flaggedPosition();
  el.textContent = total === 0 ? "nothing flagged" : k >= 0 ? `${k + 1} of ${total} flagged` : `${total} flagged`;
  el.title = "Components to check: low confidence, over 10 px, not locked (as the sidecars' 'flagged'). N / Shift+N step through them.";
}

function renderFilmstrip() {
  const strip = $("filmstrip");
  const thumbs = ui.cut.frame_list.map((frame, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "thumb" + (index === ui.frame ? " current" : "");
    button.dataset.frame = frame.name;
    const img = document.createElement("img");
    img.alt = frame.name;
    img.loading = "lazy";
    img.src = imageUrl(frame.name, ui.cut.colorized ? "result" : "line", 160);
    const label = document.createElement("span");
    label.className = "label";
    const name = document.createElement("span");
    name.textContent = frame.name;
    const badges = document.createElement("span");
    const add = (cls, text, title) => {
      const b = document.createElement("span");
      b.className = `badge ${cls}`; b.textContent = text; b.title = title; badges.append(b, " ");
    };
    if (frame.is_reference) add("ref", "ref", "colored input frame");
    if (frame.low_confidence) add("low", frame.low_confidence, "flagged components: check these (N steps through them)");
    if (frame.name === ui.cut.next_to_color) {
      add("next", "color next", `the least sure frame (mean confidence ${ui.cut.next_to_color_confidence.toFixed(2)}): ` +
          "fix it and make it a colored frame (M): every frame is then colored from each colored frame");
    }
    if (frame.passed_through) add("passed", "not colored", `written through as drawn: ${frame.passed_through_note}`);
    if (frame.misfit_note) add("misfit", "does not fit", frame.misfit_note);
    if (frame.locked) add("locked", frame.locked, "locked fixes");
    label.append(name, badges);
    button.append(img, label);
    button.addEventListener("click", () => goTo(index));
    return button;
  });
  strip.replaceChildren(...thumbs);
  const current = strip.children[ui.frame];
  if (current) current.scrollIntoView({ block: "nearest" });
}

function renderPanel() {
  const info = $("component-info");
  const marker = $("marker");
  const selected = ui.selected;
  $("apply-color").disabled = !selected || Boolean(ui.job);
  document.body.dataset.selected = selected ? `${frameInfo().name}:${selected.id}` : "";
  if (!selected || ui.gapMode) {
    info.textContent = ui.cut.colorized ? "Click a region of the frame." : "Colorize the cut first.";
    marker.hidden = true;
  } else {
    info.replaceChildren();
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.style.background = selected.color;
    info.append(chip, ` component ${selected.id} · ${selected.color} · confidence ${selected.confidence.toFixed(2)}`
      + ` · ${selected.locked ? "locked" : selected.stage} · ${selected.area} px${selected.flagged ? " · flagged" : ""}`);
    placeMarker();
  }
  renderMatch();
  const palette = $("palette");
  palette.replaceChildren(...ui.palette.map((entry) => {
    const swatch = document.createElement("button");
    swatch.type = "button";
    swatch.className = "swatch";
    swatch.dataset.color = entry.color;
    swatch.title = `${entry.color}${entry.area ? ` (${entry.area} px in the reference)` : " (added)"}`;
    if (entry.color.endsWith("00")) swatch.classList.add("transparent");
    else swatch.style.background = entry.color.slice(0, 7);
    if (selected && selected.color === entry.color) swatch.classList.add("current");
    if (ui.fillMode && ui.fillColor === entry.color) swatch.classList.add("fill");
    swatch.disabled = !(selected || ui.fillMode) || Boolean(ui.job);
    // With Fill on a swatch picks the color the clicks paint; else it colors the selected component.
    swatch.addEventListener("click", () => guarded(() => (ui.fillMode ? chooseFill(entry.color) : setColor(entry.color))));
    return swatch;
  }));
  renderFill();
}

function renderFill() {
  const button = $("fill-toggle");
  button.setAttribute("aria-pressed", String(ui.fillMode));
  button.disabled = !ui.cut || !ui.cut.colorized || Boolean(ui.job);
  document.body.classList.toggle("fill-mode", ui.fillMode);
  document.body.dataset.fillColor = ui.fillColor || "";
  const info = $("fill-info");
  info.replaceChildren();
  if (ui.fillColor) {
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.style.background = ui.fillColor;
    info.append(chip, ` ${ui.fillColor}`);
  }
  info.append(ui.fillMode ? (ui.fillColor ? " · click regions to paint them; right-click one: take its color"
    : "pick a color: a swatch, or right-click a region") : " · Alt+click a region: take its color");
}

function chooseFill(color) {
  ui.fillColor = color;
  if (color.endsWith("ff")) $("picker").value = color.slice(0, 7);
  renderPanel();
}

function toggleFill() {
  if (!ui.cut || !ui.cut.colorized || ui.job) return;
  ui.fillMode = !ui.fillMode;
  if (ui.fillMode && ui.gapMode) toggleGaps();
  if (ui.fillMode && !ui.fillColor && ui.selected) ui.fillColor = ui.selected.color;
  renderPanel();
}

function renderMatch() {
  const panel = $("match-panel");
  const img = $("match-image");
  const match = ui.match;
  const shown = Boolean(ui.selected && match && !ui.gapMode && match.frame === frameInfo().name && match.id === ui.selected.id);
  panel.hidden = !shown;
  if (!shown) { img.hidden = true; img.removeAttribute("src"); return; }
  const info = $("match-info");
  info.replaceChildren();
  if (match.source === "matched") {
    const ref = document.createElement("span");
    ref.className = "ref";
    ref.textContent = `frame ${match.reference} · component ${match.reference_component}`;
    info.append(ref, " (outlined): the region of the reference this one took its color from.");
    const src = `${match.image}?v=${ui.cut.revision}-${ui.stamp}`;
    if (img.getAttribute("src") !== src) img.src = src;
    img.hidden = false;
  } else {
    info.textContent = match.source === "vote"
      ? `Colored by vote / from the key frame${match.key_frame ? ` (${match.key_frame})` : ""} / from the other colored `
        + `frame's side: no single region of ${match.reference || "the reference"} gave this color.`
      : match.explanation;
    img.hidden = true;
    img.removeAttribute("src");
  }
}

async function loadMatch() {
  if (!ui.cut || !ui.cut.colorized || !ui.selected) { ui.match = null; return; }
  try {
    ui.match = await api(`${framePath()}/components/${ui.selected.id}/match`);
  } catch (_) {
    ui.match = null;
  }
}

async function selectComponent(frameIndex, id) {
  // Go to a frame and select a component there, as a click on it would.
  ui.frame = frameIndex;
  ui.gapStart = null;
  ui.gapSelected = null;
  ui.selected = await api(`${framePath()}/components/${id}`);
  if (ui.selected.color.endsWith("ff")) $("picker").value = ui.selected.color.slice(0, 7);
  await loadMatch();
  render();
  revealSelected();
}

async function stepFlagged(direction) {
  // The next (direction 1) or previous (-1) flagged component of the cut, frame by frame, ids ascending; wraps.
  if (!ui.cut || !ui.cut.colorized) return;
  const list = ui.flagged;
  if (!list.length) { toast("nothing flagged in this cut"); return; }
  const here = [ui.frame, ui.selected ? ui.selected.id : -1];
  const before = (entry) => entry.frame_index < here[0] || (entry.frame_index === here[0] && entry.id < here[1]);
  const after = (entry) => entry.frame_index > here[0] || (entry.frame_index === here[0] && entry.id > here[1]);
  let target;
  if (direction > 0) target = list.find(after) || list[0];
  else target = [...list].reverse().find(before) || list[list.length - 1];
  await selectComponent(target.frame_index, target.id);
  document.body.dataset.flagSteps = String((Number(document.body.dataset.flagSteps) || 0) + 1);
}

let stepping = Promise.resolve();
function queueStep(direction) {
  // Steps run one after another: a second N pressed before the first one's frame has loaded steps on from it.
  stepping = stepping.then(() => guarded(() => stepFlagged(direction)));
}

function placeMarker() {
  const img = $("view");
  const marker = $("marker");
  const frame = frameInfo();
  if (!ui.selected || ui.gapMode || !img.clientWidth) { marker.hidden = true; return; }
  const scale = img.clientWidth / frame.width;
  const [x, y, w, h] = ui.selected.bbox;
  // A box of at least 20 screen pixels: a flagged 12 px speck shown at a third of its size must still be found.
  const padX = Math.max(2, (20 - w * scale) / 2), padY = Math.max(2, (20 - h * scale) / 2);
  Object.assign(marker.style, {
    left: `${x * scale - padX}px`, top: `${y * scale - padY}px`, width: `${w * scale + 2 * padX}px`, height: `${h * scale + 2 * padY}px`,
  });
  marker.hidden = false;
}


// ---------------------------------------------------------------- zoom and pan

function fitWidth() {
  // The frame's width on screen when it fits the window: the stylesheet's max-width (the stage's width inside its
  // 10 px padding) and max-height (100vh - 130px), never over its own size. Computed, not measured: resizing the
  // image to measure it would reset the stage's scroll.
  const frame = frameInfo();
  const stage = $("stage");
  const height = Math.max(1, window.innerHeight - 130);
  return Math.max(1, Math.min(frame.width, stage.clientWidth - 20, (height * frame.width) / frame.height));
}

function applyZoom(anchor) {
  // Size the frame for ui.zoom, keeping the frame point under ``anchor`` ({clientX, clientY}; default: the stage's
  // centre) where it was: the stage scrolls (the overlays follow, as they read the image's size).
  const img = $("view");
  const stage = $("stage");
  const frame = frameInfo();
  if (!frame || !img.clientWidth) return;
  const box = stage.getBoundingClientRect();
  const ax = anchor ? anchor.clientX : box.left + box.width / 2;
  const ay = anchor ? anchor.clientY : box.top + box.height / 2;
  const before = img.getBoundingClientRect();
  const fx = (ax - before.left) / before.width, fy = (ay - before.top) / before.height;
  if (ui.zoom <= 1) {
    img.style.width = img.style.maxWidth = img.style.maxHeight = "";
  } else {
    img.style.maxWidth = img.style.maxHeight = "none";
    img.style.width = `${Math.round(fitWidth() * ui.zoom)}px`;
  }
  const after = img.getBoundingClientRect();
  stage.scrollLeft += after.left + fx * after.width - ax;
  stage.scrollTop += after.top + fy * after.height - ay;
  zoomLabel();
  placeMarker();
  if (ui.gapMode && ui.gaps) drawGaps();
}

function zoomLabel() {
  // The share of the frame's pixels the screen shows (100%: one screen pixel a frame pixel).
  const frame = frameInfo();
  const width = $("view").clientWidth;
  $("zoom-fit").textContent = frame && width ? `${Math.round((100 * width) / frame.width)}%` : "Fit";
  document.body.dataset.zoom = ui.zoom.toFixed(3);
}

function zoomBy(factor, anchor) {
  const frame = frameInfo();
  if (!frame) return;
  const most = Math.max(1, (MAX_PIXEL * frame.width) / fitWidth());
  ui.zoom = Math.min(most, Math.max(1, ui.zoom * factor));
  applyZoom(anchor);
}

function zoomFit() {
  ui.zoom = 1;
  applyZoom();
}

function revealSelected() {
  // Zoomed in, scroll the selected component to the middle of the stage when it is out of sight.
  const marker = $("marker");
  if (ui.zoom <= 1 || marker.hidden) return;
  const stage = $("stage");
  const box = stage.getBoundingClientRect();
  const m = marker.getBoundingClientRect();
  if (m.left >= box.left && m.right <= box.right && m.top >= box.top && m.bottom <= box.bottom) return;
  stage.scrollLeft += m.left + m.width / 2 - (box.left + box.width / 2);
  stage.scrollTop += m.top + m.height / 2 - (box.top + box.height / 2);
}

function panStart(event) {
  if (!(event.button === 1 || (event.button === 0 && ui.panKey))) return;
  event.preventDefault();
  const stage = $("stage");
  ui.pan = { x: event.clientX, y: event.clientY, left: stage.scrollLeft, top: stage.scrollTop };
  ui.panned = true;
  stage.classList.add("panning");
}

function panMove(event) {
  if (!ui.pan) return;
  const stage = $("stage");
  stage.scrollLeft = ui.pan.left - (event.clientX - ui.pan.x);
  stage.scrollTop = ui.pan.top - (event.clientY - ui.pan.y);
}

function panEnd() {
  if (!ui.pan) return;
  ui.pan = null;
  $("stage").classList.remove("panning");
}

// ---------------------------------------------------------------- gaps

const gapsPath = () => `${framePath()}/gaps`;

async function syncGaps() {
  const layer = $("gap-layer");
  layer.classList.toggle("editing", ui.gapMode);
  if (!ui.gapMode || !ui.cut || !ui.cut.colorized) { layer.classList.add("off"); return; }
  const frame = frameInfo();
  if (!ui.gaps || ui.gaps.frame !== frame.name || ui.gaps.revision !== ui.cut.revision) {
    const wanted = frame.name;
    const gaps = await api(gapsPath()).catch((error) => { toast(error.message, true); return null; });
    if (!gaps || !ui.gapMode || frameInfo().name !== wanted) return;
    ui.gaps = gaps;
  }
  drawGaps();
}

function gapScale() {
  const img = $("view");
  return img.clientWidth ? img.clientWidth / frameInfo().width : 1;
}

function svgEl(tag, attrs, cls) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (cls) el.setAttribute("class", cls);
  return el;
}

function sameClosure(a, b) {
  return Boolean(a && b) && a.length === 4 && b.length === 4 && a.every((v, i) => v === b[i]);
}

function drawGaps() {
  const layer = $("gap-layer");
  const frame = frameInfo();
  const gaps = ui.gaps;
  const off = !ui.gapMode || !gaps;
  layer.classList.toggle("off", off);  // an <svg> has no .hidden property
  if (off) return;
  layer.setAttribute("viewBox", `0 0 ${frame.width} ${frame.height}`);
  layer.setAttribute("preserveAspectRatio", "none");
  const scale = gapScale();
  const items = [];
  const segment = (seg, cls) => svgEl("line", { x1: seg[0] + 0.5, y1: seg[1] + 0.5, x2: seg[2] + 0.5, y2: seg[3] + 0.5 }, cls);
  for (const seg of gaps.removed) items.push(segment(seg, "removed"));
  const live = [...gaps.automatic.map((seg) => [seg, "auto"]), ...gaps.added.map((seg) => [seg, "added"])];
  for (const [seg] of live) items.push(segment(seg, "halo"));
  for (const [seg, kind] of live) {
    const selected = sameClosure(seg, ui.gapSelected) ? " selected" : "";
    items.push(segment(seg, `closure ${kind}${selected}`));
    // A ring around each closure: a 3 px stroke is hard to find in a frame shown at a third of its size.
    const length = Math.hypot(seg[2] - seg[0], seg[3] - seg[1]);
    const r = Math.max(length / 2 + 4 / scale, 9 / scale);
    items.push(svgEl("circle", { cx: (seg[0] + seg[2]) / 2 + 0.5, cy: (seg[1] + seg[3]) / 2 + 0.5, r }, `ring${selected}`));
  }
  if (ui.gapStart) {
    items.push(svgEl("circle", { cx: ui.gapStart[0] + 0.5, cy: ui.gapStart[1] + 0.5, r: 4 / scale }, "start"));
  }
  layer.replaceChildren(...items);
  const info = $("gap-info");
  info.textContent = `${gaps.automatic.length} automatic · ${gaps.added.length} drawn · ${gaps.removed.length} opened`
    + ` · ${gaps.components} regions · closing: ${gaps.close_gaps}`;
  $("gap-remove").disabled = !ui.gapSelected || Boolean(ui.job);
  $("gap-clear").disabled = !(gaps.added.length || gaps.removed.length) || Boolean(ui.job);
}

function framePoint(event) {
  const rect = $("view").getBoundingClientRect();
  const frame = frameInfo();
  const x = Math.floor(((event.clientX - rect.left) / rect.width) * frame.width);
  const y = Math.floor(((event.clientY - rect.top) / rect.height) * frame.height);
  return [Math.min(Math.max(x, 0), frame.width - 1), Math.min(Math.max(y, 0), frame.height - 1)];
}

function closureNear(point) {
  // The closest automatic or drawn closure within 8 screen pixels of the click, or null.
  if (!ui.gaps) return null;
  const limit = 8 / gapScale();
  let best = null;
  let bestDistance = Infinity;
  for (const seg of [...ui.gaps.automatic, ...ui.gaps.added]) {
    const [x0, y0, x1, y1] = seg;
    const dx = x1 - x0, dy = y1 - y0;
    const t = Math.max(0, Math.min(1, ((point[0] - x0) * dx + (point[1] - y0) * dy) / (dx * dx + dy * dy || 1)));
    const distance = Math.hypot(point[0] - (x0 + t * dx), point[1] - (y0 + t * dy));
    if (distance < bestDistance) { best = seg; bestDistance = distance; }
  }
  return bestDistance <= limit ? best : null;
}

async function gapClick(event) {
  if (!ui.gapMode || !ui.gaps || ui.job) return;
  const point = framePoint(event);
  if (!ui.gapStart) {
    const hit = closureNear(point);
    if (hit) {
      ui.gapSelected = sameClosure(hit, ui.gapSelected) ? null : hit;
    } else {
      ui.gapStart = point;
      ui.gapSelected = null;
    }
    drawGaps();
    return;
  }
  const closure = [...ui.gapStart, ...point];
  ui.gapStart = null;
  drawGaps();
  if (closure[0] === closure[2] && closure[1] === closure[3]) return;
  await editGaps({ add: closure }, "gap closed: the frame is colored again");
}

async function removeClosure() {
  if (!ui.gapMode || !ui.gapSelected || ui.job) return;
  const closure = ui.gapSelected;
  ui.gapSelected = null;
  await editGaps({ remove: closure }, "closure opened: the frame is colored again");
}

async function editGaps(body, message) {
  try {
    ui.gaps = await api(gapsPath(), { method: "POST", json: { ...body, base_revision: ui.cut.revision } });
  } finally {
    ui.gapSelected = null;
  }
  toast(message);
  await refresh();
  document.body.dataset.gapEdits = String((Number(document.body.dataset.gapEdits) || 0) + 1);
}

async function clearGaps() {
  if (!ui.gapMode || ui.job) return;
  ui.gaps = await api(`${gapsPath()}?base_revision=${ui.cut.revision}`, { method: "DELETE" });
  ui.gapSelected = null;
  ui.gapStart = null;
  toast("gap edits of this frame reset");
  await refresh();
}

function toggleGaps() {
  if (!ui.cut || !ui.cut.colorized || ui.job) return;
  ui.gapMode = !ui.gapMode;
  ui.gapStart = null;
  ui.gapSelected = null;
  render();
}

// ---------------------------------------------------------------- actions

function goTo(index) {
  if (!ui.cut) return;
  const n = ui.cut.frame_list.length;
  ui.frame = (index + n) % n;
  ui.selected = null;
  ui.gapStart = null;
  ui.gapSelected = null;
  render();
}

function setView(view) {
  if (!ui.cut || (!ui.cut.colorized && view !== "line")) return;
  ui.view = view;
  render();
}

async function pick(event, eyedropper = false) {
  if (ui.panned) { ui.panned = false; return; }  // the press panned the frame
  if (!ui.cut || !ui.cut.colorized) return;
  const img = $("view");
  const frame = frameInfo();
  const x = Math.floor((event.offsetX / img.clientWidth) * frame.width);
  const y = Math.floor((event.offsetY / img.clientHeight) * frame.height);
  const found = await api(`${framePath()}/component?x=${x}&y=${y}`);
  if (event.altKey || eyedropper) {  // the eyedropper: the region's color becomes the color Fill paints
    chooseFill(found.color);
    toast(`picked ${found.color}${ui.fillMode ? "" : ": Fill (F) paints it by clicks"}`);
    return;
  }
  ui.selected = found;
  if (ui.fillMode) {
    if (!ui.fillColor) { toast("pick the color to fill with first: a swatch, or right-click (Alt+click) a region", true); return; }
    if (found.color !== ui.fillColor || !found.locked) await setColor(ui.fillColor);
    return;
  }
  if (ui.selected.color.endsWith("ff")) $("picker").value = ui.selected.color.slice(0, 7);
  await loadMatch();
  renderPanel();
  renderFlagCount();
}

async function setColor(color) {
  if (!ui.selected) return;
  ui.selected = await api(`${framePath()}/components/${ui.selected.id}`, {
    method: "PUT", json: { color, base_revision: ui.cut.revision },
  });
  const fixed = `component ${ui.selected.id} set to ${color} (locked)`;
  toast(fixed);
  await refresh();
  // The last flagged component of a frame paintmatch colored fixed: working frame by frame, a fixed frame made a
  // colored frame saves more of the next frames' fixes than its fixes locked (make bench-workflow).
  const frame = frameInfo();
  if (frame && !frame.is_reference && !frame.low_confidence) {
    toast(`${fixed}; nothing flagged is left in this frame: Make colored frame (M) colors the rest of the cut from `
      + "it too");
  }
}

async function startJob(path, body, method = "POST") {
  const job = await api(path, { method, json: body || {} });
  watchJob(job);
}

// The header's job line, cut short with an ellipsis on a narrow window: the whole of it is its tooltip.
function setJobText(text) {
  const el = $("job-text");
  el.textContent = text;
  el.title = text;
}

async function uploadColoredFrame() {
  // A frame painted in a paint tool, added as this line frame's colored frame; the cut is colored again.
  const input = $("colored-file");
  if (!input.files.length) return;
  const data = new FormData();
  data.append("colored", input.files[0]);
  input.value = "";
  watchJob(await api(`${framePath()}/colored`, { method: "PUT", body: data }));
}

function toggleColoredFrame() {
  // A colored frame made here is removable; any other frame becomes one (its result, fixes included).
  const frame = frameInfo();
  if (frame.made_colored) {
    return startJob(`${framePath()}/colored`, { base_revision: ui.cut.revision }, "DELETE");
  }
  // Its colors become the painter's for every frame: flagged components not fixed yet would carry their errors on,
  // so the first press on such a frame asks, and a second press on the same frame at the same revision makes it.
  const key = `${frame.name}@${ui.cut.revision}`;
  if (frame.low_confidence && ui.confirmColored !== key) {
    ui.confirmColored = key;
    render();
    toast(`${frame.low_confidence} flagged component(s) of this frame are not fixed: their colors would become `
      + "the painter's. Check them (N), or press Make colored frame again to use the frame as it is.", true);
    return undefined;
  }
  ui.confirmColored = null;
  return startJob(`${framePath()}/colored`, { base_revision: ui.cut.revision }, "POST");
}

function watchJob(job) {
  ui.job = job;
  const bar = $("progress");
  bar.hidden = false;
  render();
  const poll = async () => {
    try {
      const current = await api(`/api/jobs/${job.id}`);
      bar.max = Math.max(current.total, 1);
      bar.value = current.done;
      setJobText(`${current.kind}: ${current.done}/${current.total || "?"} ${current.current}`);
      if (current.state === "done" || current.state === "failed") {
        ui.job = null;
        bar.hidden = true;
        setJobText(current.state === "done" ? `${current.kind} done` : "");
        if (current.state === "failed") toast(`${current.kind} failed: ${current.error}`, true);
        else toast(`${current.kind} done`);
        try {
          await refresh();
          if (current.kind === "colorize" && ui.view === "line") setView("result");
        } finally {
          // Marked once the page shows the job's result (its frame image requested), not before the refresh.
          document.body.dataset.lastJob = `${current.kind}:${current.state}`;
        }
        return;
      }
    } catch (error) {
      toast(error.message, true);
    }
    setTimeout(poll, 250);
  };
  setTimeout(poll, 150);
}

async function undoRedo(which) {
  if (!ui.cut || ui.job) return;
  ui.cut = await api(`${cutPath()}/${which}`, { method: "POST", json: { base_revision: ui.cut.revision } });
  toast(which === "undo" ? "undone" : "redone");
  await refresh();
}

async function exportZip() {
  const params = new URLSearchParams({
    format: $("export-format").value,
    layers: $("export-layers").checked,
    line_mode: $("export-lines").value,
  });
  const response = await api(`${cutPath()}/export?${params}`);
  const blob = await response.blob();
  const disposition = response.headers.get("content-disposition") || "";
  // Starlette sends names beyond ASCII (a cut named カット01) as RFC 5987 filename*=utf-8''...
  const encoded = disposition.match(/filename\*=utf-8''([^;]+)/i);
  const plain = disposition.match(/filename="?([^";]+)"?/);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = encoded ? decodeURIComponent(encoded[1]) : plain ? plain[1] : `${ui.cut.name}.zip`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

async function upload(event) {
  event.preventDefault();
  const form = $("upload-form");
  const data = new FormData(form);
  if (!data.get("colored_frame")) data.delete("colored_frame");
  const cut = await api("/api/cuts", { method: "POST", body: data });
  $("upload-dialog").close();
  form.reset();
  await loadCuts(cut.name);
  await openCut(cut.name);
  toast(`cut ${cut.name} created`);
}

// ---------------------------------------------------------------- wiring

function wire() {
  $("open-cut").addEventListener("click", () => guarded(() => openCut($("cut-select").value)));
  $("cut-select").addEventListener("change", () => guarded(() => openCut($("cut-select").value)));
  $("colorize").addEventListener("click", () => guarded(() => startJob(`${cutPath()}/colorize`, $("method").value ? { method: $("method").value } : {})));
  $("propagate").addEventListener("click", () => guarded(() => startJob(`${framePath()}/propagate`)));
  $("make-colored").addEventListener("click", () => guarded(toggleColoredFrame));
  $("colored-file").addEventListener("change", () => guarded(uploadColoredFrame));
  $("undo").addEventListener("click", () => guarded(() => undoRedo("undo")));
  $("redo").addEventListener("click", () => guarded(() => undoRedo("redo")));
  $("export").addEventListener("click", () => { $("export-menu").open = false; guarded(exportZip); });
  // The Export… menu closes on a click anywhere else, as a menu does.
  document.addEventListener("click", (event) => {
    if (!$("export-menu").contains(event.target)) $("export-menu").open = false;
  });
  $("prev").addEventListener("click", () => goTo(ui.frame - 1));
  $("next-flagged").addEventListener("click", () => queueStep(1));
  $("prev-flagged").addEventListener("click", () => queueStep(-1));
  $("next").addEventListener("click", () => goTo(ui.frame + 1));
  $("view").addEventListener("click", (event) => guarded(() => pick(event)));
  // In Fill, a right-click takes a region's color (the eyedropper without Alt, which some window managers keep for
  // moving windows); elsewhere the browser's own menu stays.
  $("view").addEventListener("contextmenu", (event) => {
    if (!ui.fillMode) return;
    event.preventDefault();
    guarded(() => pick(event, true));
  });
  $("view").addEventListener("load", () => { zoomLabel(); placeMarker(); if (ui.gapMode && ui.gaps) drawGaps(); });
  window.addEventListener("resize", () => { if (ui.zoom > 1) applyZoom(); placeMarker(); if (ui.gapMode && ui.gaps) drawGaps(); });
  $("zoom-in").addEventListener("click", () => zoomBy(ZOOM_STEP));
  $("zoom-out").addEventListener("click", () => zoomBy(1 / ZOOM_STEP));
  $("zoom-fit").addEventListener("click", zoomFit);
  $("stage").addEventListener("wheel", (event) => {
    if (!event.ctrlKey || !ui.cut) return;  // a plain wheel scrolls; Ctrl+wheel (a touchpad's pinch too) zooms
    event.preventDefault();
    zoomBy(event.deltaY < 0 ? 1.25 : 0.8, event);
  }, { passive: false });
  $("stage").addEventListener("mousedown", panStart);
  window.addEventListener("mousemove", panMove);
  window.addEventListener("mouseup", panEnd);
  document.addEventListener("keyup", (event) => {
    if (event.key === " ") { ui.panKey = false; $("stage").classList.remove("pan-ready"); }
  });
  $("gap-layer").addEventListener("click", (event) => guarded(() => gapClick(event)));
  $("gaps-toggle").addEventListener("click", () => { if (ui.fillMode) toggleFill(); toggleGaps(); });
  $("fill-toggle").addEventListener("click", toggleFill);
  $("gap-remove").addEventListener("click", () => guarded(removeClosure));
  $("gap-clear").addEventListener("click", () => guarded(clearGaps));
  $("apply-color").addEventListener("click", () => guarded(() => setColor(
    $("transparent").checked ? "#00000000" : $("picker").value)));
  for (const button of document.querySelectorAll("#views button")) {
    button.addEventListener("click", () => setView(button.dataset.view));
  }
  $("show-upload").addEventListener("click", () => $("upload-dialog").showModal());
  $("upload-cancel").addEventListener("click", () => $("upload-dialog").close());
  $("upload-form").addEventListener("submit", (event) => guarded(() => upload(event)));
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea, dialog")) return;
    const key = event.key;
    const mod = event.ctrlKey || event.metaKey;
    if (mod && (key === "z" || key === "Z")) {
      event.preventDefault();
      guarded(() => undoRedo(event.shiftKey ? "redo" : "undo"));
    } else if (mod && key === "y") {
      event.preventDefault();
      guarded(() => undoRedo("redo"));
    } else if (mod || event.altKey) {
      return;
    } else if (key === "ArrowRight" || key === "j") {
      goTo(ui.frame + 1);
    } else if (key === "ArrowLeft" || key === "k") {
      goTo(ui.frame - 1);
    } else if (["1", "2", "3", "4"].includes(key)) {
      setView(["result", "line", "confidence", "segments"][Number(key) - 1]);
    } else if (key === "p" && !$("propagate").disabled) {
      guarded(() => startJob(`${framePath()}/propagate`));
    } else if (key === "m" && !$("make-colored").disabled) {
      guarded(toggleColoredFrame);
    } else if (key === "n" || key === "N") {
      queueStep(event.shiftKey ? -1 : 1);
    } else if (key === "g" || key === "G") {
      if (ui.fillMode) toggleFill();
      toggleGaps();
    } else if (key === "f" || key === "F") {
      toggleFill();
    } else if (key === "+" || key === "=") {
      zoomBy(ZOOM_STEP);
    } else if (key === "-") {
      zoomBy(1 / ZOOM_STEP);
    } else if (key === "0") {
      zoomFit();
    } else if (key === " ") {
      event.preventDefault();  // Space+drag pans, as in paint tools; the page does not scroll
      if (document.activeElement instanceof HTMLButtonElement) document.activeElement.blur();  // nor press a button
      ui.panKey = true;
      $("stage").classList.add("pan-ready");
    } else if ((key === "Delete" || key === "Backspace") && ui.gapMode && ui.gapSelected) {
      event.preventDefault();
      guarded(removeClosure);
    } else if (key === "Escape") {
      if (ui.fillMode) { toggleFill(); return; }
      if (ui.gapMode && (ui.gapStart || ui.gapSelected)) {
        ui.gapStart = null;
        ui.gapSelected = null;
        drawGaps();
        return;
      }
      ui.selected = null;
      if (ui.cut) { renderPanel(); renderFlagCount(); }
    }
  });
}

async function main() {
  wire();
  render();
  let wanted = "";
  try { wanted = decodeURIComponent(location.hash.slice(1)); } catch (_) { wanted = ""; }  // a mangled address
  await guarded(async () => {
    await loadCuts(wanted || undefined);
    if (wanted) await openCut(wanted);
  });
  document.body.dataset.ready = "1";
}

main();

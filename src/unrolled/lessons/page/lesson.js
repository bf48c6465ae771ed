// The lesson page, part 3 of 3: the sections, gradient descent, and setup.

// ------------------------------------------------------------ sections
function renderCopies(s, f) {
  const box = $("copies");
  box.textContent = "";
  const T = s.values.length;
  for (let t = 0; t < T; t++) {
    const last = t === T - 1;
    const prev = t ? f.ys[t - 1] : 0;
    const card = el("div", { class: "copy" + (last ? " last" : ""), "data-copy": t,
      "data-output": String(f.outs[t]), "data-y": String(f.ys[t]) });
    const alive = f.xs[t] > 0;
    card.innerHTML =
      `<h3>copy ${t + 1} · ${dayLabel(T - 1 - t)}</h3>` +
      `<div class="eq">input × w1 + previous × w2 + b1</div>` +
      `<div class="eq">${fmt(s.values[t])} × ${wref("w1", s)} + ${fmt(prev)} × ${wref("w2", s)} + ${wref("b1", s)} = ${fmt(f.xs[t])}</div>` +
      `<div class="eq${alive ? "" : " dead"}">relu: max(0, ${fmt(f.xs[t])}) = ${fmt(f.ys[t])} = y<sub>${t + 1}</sub>${alive ? "" : " (off)"}</div>` +
      `<div class="eq">output: ${fmt(f.ys[t])} × ${wref("w3", s)} + ${wref("b2", s)} = ${fmt(f.outs[t])}</div>` +
      (last
        ? `<span class="tag pred">prediction for tomorrow</span>`
        : `<span class="tag ignored">predicted value for ${dayLabel(T - 2 - t)}: ignored, it is known</span>`);
    box.appendChild(card);
    if (!last) box.appendChild(el("div", { class: "feed" }, `y<sub>${t + 1}</sub> = ${fmt(f.ys[t])}<b>→</b>× ${wref("w2", s)}`));
  }
  $("unrolled-summary").textContent =
    `${T} input${T === 1 ? "" : "s"}, oldest first: unrolled into ${T} cop${T === 1 ? "y" : "ies"}, ` +
    `all with the same w1, w2, b1, w3, b2 (the network has 5 parameters however long the sequence). ` +
    `Each copy's output predicts the next day; only the last one is new.`;
  setValue("prediction", f.prediction);
}

// Within this of the observed value, a prediction counts as right.
const CLOSE = 0.05;
function renderStatland(s) {
  const body = document.querySelector("#statland-table tbody");
  body.textContent = "";
  const misses = [];
  DATA.scenarios.forEach((row, i) => {
    const pred = forward([row[0], row[1]], s).prediction;
    if (!(Math.abs(pred - row[2]) <= CLOSE)) misses.push(`${fmt(pred)} where ${fmt(row[2])} was observed`);
    const tr = el("tr", {}, `<td>${fmt(row[0])}</td><td>${fmt(row[1])}</td><td>${fmt(row[2])}</td>` +
      `<td data-scenario="${i}" data-value="${String(pred)}">${fmt(pred)}</td>`);
    const td = el("td");
    const b = el("button", { type: "button" }, "load");
    b.addEventListener("click", () => setState({ ...state, values: [row[0], row[1]], target: row[2] }, "StatLand"));
    td.appendChild(b);
    tr.appendChild(td);
    body.appendChild(tr);
  });
  const lesson = NAMES.every((k) => s[k] === DATA.weights[k]);
  const these = lesson ? "with the lesson's weights" : "with these weights";
  const n = DATA.scenarios.length;
  $("statland-verdict").textContent = misses.length === 0
    ? `${these} the network predicts every one (each within ${CLOSE} of what was observed).`
    : `${these} the network misses ${misses.length} of ${n} by more than ${CLOSE}: it predicts ${misses.join(", ")}.`;
}

function renderInputs(s) {
  const box = $("inputs");
  const focused = document.activeElement && document.activeElement.dataset.index;
  box.textContent = "";
  const T = s.values.length;
  s.values.forEach((v, i) => {
    const lab = el("label", {}, `${dayLabel(T - 1 - i)}`);
    const inp = el("input", { type: "number", step: "any", value: String(v), "data-index": i,
      "aria-label": `input ${i + 1}` });
    inp.addEventListener("change", () => {
      let x;
      try { x = number(`input ${i + 1}`, inp.value); } catch (err) { showMessage(err.message); inp.value = String(state.values[i]); return; }
      const values = state.values.slice();
      values[i] = x;
      setState({ ...state, values }, `input ${i + 1}`);
    });
    lab.appendChild(inp);
    box.appendChild(lab);
    if (focused === String(i)) inp.focus();
  });
  $("remove-day").disabled = T <= 1;
  $("add-day").disabled = T >= MAX_COPIES;
  $("target-input").value = String(s.target);
}

function slider(box, key, label, min, max, step) {
  const lab = el("label", {}, `<span class="w" data-w="${key}">${label}</span>`);
  const inp = el("input", { type: "range", min, max, step, "data-key": key, "aria-label": label });
  const out = el("output", { "data-key": key });
  inp.addEventListener("input", () => {
    const next = { ...state, [key]: Number(inp.value) };
    setState(next, label);
  });
  lab.append(inp, out);
  box.appendChild(lab);
}

function syncSliders(s) {
  document.querySelectorAll("input[type=range][data-key]").forEach((inp) => {
    const k = inp.dataset.key;
    if (document.activeElement !== inp) inp.value = String(s[k]);
  });
  document.querySelectorAll("output[data-key]").forEach((o) => {
    o.textContent = fmt(state[o.dataset.key]);
  });
}

function renderBackward(s, f, b) {
  $("residual-line").textContent =
    `residual = prediction − target = ${fmt(f.prediction)} − ${fmt(s.target)} = ${fmt(b.residual)}; ` +
    `dSSR/dprediction = 2 × residual = ${fmt(2 * b.residual)}; ` +
    `dSSR/dy of the last copy = that × w3 = ${fmt(2 * b.residual * s.w3)}. ` +
    `Each step back multiplies by relu′(x) × w2.`;
  setValue("ssr", b.ssr);
  const body = document.querySelector("#backward-table tbody");
  body.textContent = "";
  const rows = [];
  for (let t = 0; t < s.values.length; t++) {
    const c = b.copies[t];
    rows.push(`<tr data-backward="${t}"><td>${t + 1}</td><td>${fmt(c.dy)}</td><td>${c.relu}</td>` +
      `<td>${fmt(c.dx)}</td><td>${fmt(c.dx)} × ${fmt(s.values[t])} = ${fmt(c.w1)}</td>` +
      `<td>${fmt(c.dx)} × ${fmt(t ? f.ys[t - 1] : 0)} = ${fmt(c.w2)}</td><td>${fmt(c.b1)}</td></tr>`);
  }
  body.innerHTML = rows.join("");
  document.querySelector("#backward-table tfoot").innerHTML =
    `<tr><td>sum</td><td></td><td></td><td></td><td>${fmt(b.grads.w1)}</td><td>${fmt(b.grads.w2)}</td><td>${fmt(b.grads.b1)}</td></tr>`;
  NAMES.forEach((k) => setValue(`grad-${k}`, b.grads[k]));
}

// ------------------------------------------------------------ gradient descent
const gd = { w: { ...GD_START }, ssr: [], path: [], steps: 0, timer: 0 };
function statlandLoss(w) {
  let ssr = 0;
  const g = { w1: 0, w2: 0, w3: 0, b1: 0, b2: 0 };
  DATA.scenarios.forEach((row) => {
    const vals = [row[0], row[1]];
    const b = backward(vals, w, forward(vals, w), row[2]);
    ssr += b.ssr;
    NAMES.forEach((k) => { g[k] += b.grads[k]; });
  });
  return { ssr, g };
}
function gdRestart(w) {
  gd.w = Object.fromEntries(NAMES.map((k) => [k, w[k]])); gd.steps = 0;
  gd.ssr = [statlandLoss(gd.w).ssr]; gd.path = [gd.w];
  renderDescent();
}
function gdStep(k) {
  const lr = Number($("lr").value);
  if (!(lr > 0 && Number.isFinite(lr))) { $("gd-status").textContent = "The learning rate must be a number above 0."; return false; }
  for (let i = 0; i < k; i++) {
    const { g } = statlandLoss(gd.w);
    const next = {};
    NAMES.forEach((n) => { next[n] = gd.w[n] - lr * g[n]; });
    const ssr = statlandLoss(next).ssr;
    if (!Number.isFinite(ssr) || !allFinite(Object.values(next))) {
      $("gd-status").textContent = "That step overflowed: the learning rate is far too large. Restart with a smaller one.";
      return false;
    }
    gd.w = next; gd.steps += 1; gd.ssr.push(ssr); gd.path.push(next);
  }
  renderDescent();
  return true;
}
// Where PREVIEW steps lead from the restart point at the current rate: drawn
// dashed, so the charts show the descent before the first click.
const PREVIEW = 200;
function gdPreview() {
  const lr = Number($("lr").value);
  const key = JSON.stringify([gd.path[0], lr]);
  if (gd.preview && gd.preview.key === key) return gd.preview;
  let w = gd.path[0];
  const ssr = [statlandLoss(w).ssr], path = [w];
  for (let i = 0; i < PREVIEW && lr > 0 && Number.isFinite(lr); i++) {
    const { g } = statlandLoss(w);
    const next = {};
    NAMES.forEach((n) => { next[n] = w[n] - lr * g[n]; });
    const v = statlandLoss(next).ssr;
    if (!Number.isFinite(v) || !allFinite(Object.values(next))) break;
    w = next; ssr.push(v); path.push(next);
  }
  gd.preview = { key, ssr, path };
  return gd.preview;
}
function renderDescent() {
  const w = gd.w, last = gd.ssr[gd.ssr.length - 1];
  const pre = gdPreview();
  $("gd-status").innerHTML = `step ${gd.steps}: SSR = <strong id="gd-ssr" data-value="${String(last)}">${fmt(last)}</strong>; ` +
    NAMES.map((k) => `${k} = ${fmt(w[k])}`).join(", ");
  const logs = (a) => a.map((v) => Math.max(log10(v), -12));
  const ys = logs(gd.ssr), preYs = logs(pre.ssr);
  const top = Math.max(1, Math.ceil(Math.max(...ys, ...preYs)));
  const xmax = Math.max(10, gd.steps, pre.ssr.length - 1);
  const idx = (a) => a.map((_, i) => i);
  lineChart($("gd-chart"), [{ x: idx(pre.ssr), y: preYs, cls: "curve preview" }, { x: idx(gd.ssr), y: ys }], {
    xmin: 0, xmax, ymin: -12, ymax: top, yticks: [-12, -9, -6, -3, 0].filter((v) => v <= top),
    ylabel: pow10, xtitle: `SSR (log scale) against steps; dashed: where ${pre.ssr.length - 1} steps lead` });
  const all = [...gd.path, ...pre.path].flatMap((p) => NAMES.map((k) => p[k]));
  const lo = Math.floor(Math.min(...all, 0)), hi = Math.ceil(Math.max(...all, 1));
  lineChart($("gd-weights"), [
    ...NAMES.map((k) => ({ x: idx(pre.path), y: pre.path.map((p) => p[k]), cls: `curve preview ${k}` })),
    ...NAMES.map((k) => ({ x: idx(gd.path), y: gd.path.map((p) => p[k]), cls: `curve ${k}` }))], {
    xmin: 0, xmax, ymin: lo, ymax: hi,
    xtitle: "the weights against steps: w1 blue, w2 orange, w3 green, b1 purple, b2 grey" });
}

// ------------------------------------------------------------ vanishing / exploding
function renderVanishing(s) {
  const factor = Math.pow(s.w2, s.n);
  setValue("factor", factor);
  const lr = Number($("lr").value) || 0.1;
  const size = Math.abs(lr * 2 * s.w3 * factor);  // residual 1, input 1
  let verdict;
  if (!Number.isFinite(factor)) verdict = "w2^n overflows float64 (beyond 1.8e308): the gradient is infinite, training breaks down.";
  else if (factor === 0) verdict = "w2^n underflows to 0: the first input no longer reaches the gradient at all.";
  else if (Math.abs(factor) > 1e3) verdict = `Exploding: with learning rate ${fmt(lr)}, the first input's share alone moves w1 by about ${fmt(size)} per step; gradient descent jumps and bounces around.`;
  else if (Math.abs(factor) < 1e-3) verdict = `Vanishing: with learning rate ${fmt(lr)}, the first input's share moves w1 by about ${fmt(size)} per step; gradient descent crawls and stops before it learns from it.`;
  else verdict = `Moderate: with learning rate ${fmt(lr)}, the first input's share moves w1 by about ${fmt(size)} per step.`;
  $("factor-verdict").textContent = `Input 1 reaches copy ${s.n + 1} multiplied by w2^${s.n} = ${fmt(factor)} ` +
    `(its share of dSSR/dw1 is 2 × residual × w3 × w2^n × input 1 while every unit is on; below: residual 1, input 1). ${verdict}`;
  const ks = [], ys = [];
  const stride = Math.max(1, Math.ceil(s.n / 300));
  for (let k = 0; k <= s.n; k += stride) { ks.push(k); ys.push(log10(Math.pow(s.w2, k))); }
  if (ks[ks.length - 1] !== s.n) { ks.push(s.n); ys.push(log10(factor)); }
  const lim = Math.max(6, Math.min(320, Math.ceil(Math.max(...ys.filter(Number.isFinite).map(Math.abs), 0) / 3) * 3));
  const step = Math.max(3, Math.ceil(lim / 2 / 3) * 3);
  const yticks = [];
  for (let v = -Math.floor(lim / step) * step; v <= lim; v += step) yticks.push(v);
  lineChart($("factor-chart"), [{ x: ks, y: ys.map((v) => (v === -Infinity ? -lim : v)) }], {
    xmin: 0, ymin: -lim, ymax: lim, yticks, ylabel: pow10,
    xtitle: "|w2^k| (log scale) against k, the number of unrolls",
    bands: [{ from: 3, to: lim, cls: "explode", label: "explodes" }, { from: -lim, to: -3, cls: "vanish", label: "vanishes" }] });
}

// ------------------------------------------------------------ the trained model
function renderTrained() {
  const box = $("trained-body");
  const m = DATA.trained;
  if (!m) {
    box.innerHTML = `<p>A real network, trained on real series: write this page with ` +
      `<code>unrolled lesson --model DIR --series NAME</code> after <code>unrolled train --out DIR</code> ` +
      `to see its copies over the last window of a series, its hidden state in every copy, its ` +
      `prediction, and how far back its gradient reaches.</p>`;
    return;
  }
  const T = m.hidden.length, Hn = m.hidden[0].length;
  box.innerHTML =
    `<p>The ${m.cell.toUpperCase()} network of <code>${escapeHtml(m.model)}</code> (hidden ${Hn}, ${m.layers} layer(s), ` +
    `scaling ${escapeHtml(m.scaling)}) unrolled over the last ${T} values of <strong>${escapeHtml(m.series)}</strong>, ` +
    `${escapeHtml(m.first_date)} to ${escapeHtml(m.last_date)}. Like the one-unit network above, every copy shares ` +
    `the same weights; here each copy carries ${Hn} numbers forward instead of one.</p>` +
    `<p class="big">Its prediction for the next value: <strong id="trained-prediction" data-value="${String(m.prediction)}">${fmt(m.prediction)}</strong> ` +
    `(last value ${fmt(m.values[m.values.length - 1])}).</p>` +
    `<h3>The inputs</h3><svg id="trained-series" class="chart" viewBox="0 0 600 200" role="img" aria-label="the window of the series"></svg>` +
    extraHtml(m.extra_inputs) +
    `<h3>Hidden state of every copy</h3><p>One column per copy (oldest left), one row per hidden unit; red positive, blue negative.</p>` +
    `<div class="scroll"><svg id="trained-heat" class="heat" role="img" aria-label="hidden state per copy"></svg></div>` +
    `<h3>How far back the gradient reaches</h3><p id="trained-reach"></p>` +
    `<svg id="trained-flow" class="chart" viewBox="0 0 600 220" role="img" aria-label="gradient norm against steps back"></svg>`;
  const dates = m.dates || [];
  const when = (v) => (v === T ? "next" : dates[v] !== undefined ? String(dates[v]).slice(0, 10) : `copy ${v + 1}`);
  lineChart($("trained-series"), [{ x: m.values.map((_, i) => i), y: m.values },
    { x: [T - 1, T], y: [m.values[T - 1], m.prediction], cls: "curve2" }], {
    ymin: Math.min(...m.values, m.prediction), ymax: Math.max(...m.values, m.prediction),
    xticks: [0, Math.round((T - 1) / 2), T - 1].filter((v, i, a) => a.indexOf(v) === i), xlabel: when,
    xtitle: "the window's values, one per copy (oldest first); dashed: the prediction" });
  if (m.extra_inputs && m.extra_inputs.names.length) drawExtra($("trained-extra"), m.extra_inputs, T);
  const heat = $("trained-heat"), cw = Math.max(6, Math.min(24, Math.floor(560 / T))), ch = Math.max(8, Math.min(22, Math.floor(220 / Hn)));
  const hw = cw * T + 52, hh = ch * Hn + 4 + 34;
  heat.setAttribute("viewBox", `0 0 ${hw} ${hh}`);
  heat.setAttribute("width", hw);
  heat.setAttribute("height", hh);
  const scale = Math.max(1e-12, ...m.hidden.flat().map(Math.abs));
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < Hn; h++) {
      const r = svg(heat, "rect", { x: 52 + t * cw, y: 2 + h * ch, width: cw, height: ch, fill: heatColor(m.hidden[t][h], scale), "data-copy-hidden": `${t},${h}` });
      svg(r, "title", {}, `copy ${t + 1}, unit ${h + 1}: ${fmt(m.hidden[t][h])}`);
    }
  }
  for (let h = 0; h < Hn; h++) svg(heat, "text", { x: 2, y: 2 + h * ch + ch / 2 + 4, class: "small" }, `unit ${h + 1}`);
  heatLegend(heat, 52, ch * Hn + 12, Math.min(cw * T, 240), scale);
  const fl = m.flow;
  $("trained-reach").textContent = `||dL/dh||, the gradient of the squared error reaching each copy's hidden state, against steps ` +
    `back from the last copy, relative to the last copy's; averaged over the last ${fl.windows} windows of ` +
    `the series, each with its known next value (the project's gradient-flow measurement). It stays above 1/1000 of its ` +
    `last-copy value for ${fl.reach} step(s) back of ${fl.relative.length}.`;
  const rel = fl.relative.map((v) => Math.max(log10(v), -12));
  const lo = Math.min(-3, Math.floor(Math.min(...rel)));
  const yt = [];
  for (let v = lo; v <= 0; v += Math.max(1, Math.ceil(-lo / 4))) yt.push(v);
  lineChart($("trained-flow"), [{ x: fl.steps_back, y: rel }], { xmin: 0, ymin: lo, ymax: Math.max(0, Math.ceil(Math.max(...rel))),
    yticks: yt, ylabel: (v) => pow10(v), xtitle: "steps back from the last copy (relative ||dL/dh||, log scale)",
    bands: [{ from: lo, to: -3, cls: "vanish", label: "below 1/1000: gone" }] });
}

// The covariates a trained network's copies read beside the series (none: no section).
function extraHtml(x) {
  if (!x) return "";
  const said = x.text ? ` (${escapeHtml(x.text)})` : "";
  if (!x.names.length) {
    return `<h3>The extra inputs</h3><p id="trained-extra-none">This network reads the series alone: ` +
      `the search kept the covariates out of it${said}.</p>`;
  }
  const has = (end) => x.names.some((n) => n.endsWith(end));
  const kinds = [has("(historic)") && "a historic covariate at the copy's own date",
    (has("(future)") || has(" sin") || has("holiday")) && "a future one or the calendar at the date it forecasts",
    has("(static)") && "a static one at every copy"].filter(Boolean);
  return `<h3>The extra inputs of every copy</h3><p>Besides its value of the series, every copy reads ` +
    `${x.names.length} more input(s), scaled as the network reads them: ${kinds.join("; ")}${said}. One column per copy ` +
    `(oldest left), one row per input; red positive, blue negative.</p>` +
    `<div class="scroll"><svg id="trained-extra" class="heat" role="img" aria-label="extra inputs per copy"></svg></div>`;
}

function drawExtra(box, x, T) {
  const R = x.names.length, left = 8 + 7 * Math.max(...x.names.map((n) => n.length));
  const cw = Math.max(6, Math.min(24, Math.floor(560 / T))), ch = 18;
  const w = left + cw * T, h = ch * R + 4 + 34;
  box.setAttribute("viewBox", `0 0 ${w} ${h}`);
  box.setAttribute("width", w);
  box.setAttribute("height", h);
  const scale = Math.max(1e-12, ...x.values.flat().map(Math.abs));
  for (let t = 0; t < T; t++) {
    for (let r = 0; r < R; r++) {
      const v = x.values[t][r];
      const rect = svg(box, "rect", { x: left + t * cw, y: 2 + r * ch, width: cw, height: ch, fill: heatColor(v, scale), "data-copy-extra": `${t},${r}` });
      svg(rect, "title", {}, `copy ${t + 1}, ${x.names[r]}: ${fmt(v)}`);
    }
  }
  for (let r = 0; r < R; r++) svg(box, "text", { x: 2, y: 2 + r * ch + ch / 2 + 4, class: "small" }, x.names[r]);
  heatLegend(box, left, ch * R + 12, Math.min(cw * T, 240), scale);
}

// The heat map's colour scale: -scale (blue) to 0 (white) to +scale (red).
function heatLegend(box, x, y, w, scale) {
  const g = svg(box, "g", { "data-colour-scale": String(scale) });
  const n = 24;
  for (let i = 0; i < n; i++) {
    const v = -scale + (2 * scale * (i + 0.5)) / n;
    svg(g, "rect", { x: x + (i * w) / n, y, width: w / n + 0.5, height: 8, fill: heatColor(v, scale) });
  }
  [[x, "start", -scale], [x + w / 2, "middle", 0], [x + w, "end", scale]].forEach(([tx, anchor, v]) =>
    svg(g, "text", { x: tx, y: y + 20, "text-anchor": anchor, class: "small" }, fmt(Number(v.toPrecision(3)))));
}

// Every inner area that scrolls sideways says so above it ("scroll sideways").
function markScrollers() {
  document.querySelectorAll(".scroll").forEach((e) => {
    const over = e.scrollWidth > e.clientWidth + 1;
    e.classList.toggle("overflows", over);
    let hint = e.previousElementSibling;
    if (!hint || !hint.classList.contains("scroll-hint")) {
      hint = el("p", { class: "scroll-hint", "aria-hidden": "true" }, "⇆ wider than the screen: scroll sideways");
      e.before(hint);
    }
    hint.hidden = !over;
  });
}

// ------------------------------------------------------------ render all
function render() {
  const s = state;
  const { f, b } = compute(s);
  renderCopies(s, f);
  renderStatland(s);
  renderInputs(s);
  syncSliders(s);
  renderBackward(s, f, b);
  renderVanishing(s);
  markScrollers();
  document.documentElement.dataset.renders = String(Number(document.documentElement.dataset.renders || 0) + 1);
  window.dispatchEvent(new Event("lesson:rendered"));
}

function setup() {
  const sl = $("sliders");
  NAMES.forEach((k) => slider(sl, k, k, -3, 3, 0.01));
  const vs = $("vanishing-sliders");
  slider(vs, "w2", "w2", -2.5, 2.5, 0.01);
  slider(vs, "n", "n", 1, 200, 1);
  $("add-day").addEventListener("click", () => setState({ ...state, values: [...state.values, state.values[state.values.length - 1]] }, "add a day"));
  $("remove-day").addEventListener("click", () => setState({ ...state, values: state.values.slice(1) }, "remove a day"));
  $("reset").addEventListener("click", () => setState(defaults(), "StatLand"));
  $("target-input").addEventListener("change", () => {
    try { setState({ ...state, target: number("target", $("target-input").value) }, "target"); } catch (err) { showMessage(err.message); }
  });
  $("gd-step").addEventListener("click", () => gdStep(1));
  $("gd-run").addEventListener("click", () => {
    let left = 200;
    clearInterval(gd.timer);
    gd.timer = setInterval(() => { if (!gdStep(5) || (left -= 5) <= 0) clearInterval(gd.timer); }, 30);
  });
  $("gd-reset").addEventListener("click", () => { clearInterval(gd.timer); gdRestart(GD_START); });
  $("gd-from-sliders").addEventListener("click", () => { clearInterval(gd.timer); gdRestart(state); });
  $("gd-use").addEventListener("click", () => setState({ ...state, ...gd.w }, "gradient descent"));
  $("lr").addEventListener("change", () => { renderVanishing(state); renderDescent(); });
  document.querySelectorAll("nav a[data-goto]").forEach((a) => a.addEventListener("click", (ev) => {
    ev.preventDefault();
    $(a.dataset.goto).scrollIntoView({ behavior: "smooth" });
  }));
  const hl = (ev, on) => {
    const t = ev.target.closest && ev.target.closest(".w[data-w]");
    if (t) document.body.classList.toggle(`hl-${t.dataset.w}`, on);
  };
  document.addEventListener("mouseover", (ev) => hl(ev, true));
  document.addEventListener("mouseout", (ev) => hl(ev, false));
  document.addEventListener("focusin", (ev) => hl(ev, true));
  document.addEventListener("focusout", (ev) => hl(ev, false));
  window.addEventListener("hashchange", loadFragment);
  let resizing = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => { renderTrained(); render(); renderDescent(); }, 150);
  });
  renderTrained();
  gdRestart(GD_START);
  loadFragment();
  markScrollers();
  writeFragment();
}
setup();

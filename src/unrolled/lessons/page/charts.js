// The lesson page, part 2 of 3: formatting and SVG charts.

// ------------------------------------------------------------ formatting
function fmt(v) {
  if (v === 0) return "0";
  if (!Number.isFinite(v)) return v > 0 ? "∞ (overflow)" : "−∞ (overflow)";
  const a = Math.abs(v);
  if (a >= 1e-5 && a < 1e7) return String(Number(v.toPrecision(6)));
  return v.toExponential(3).replace(/\.?0+e/, "e").replace("e+", "e");
}
function el(tag, attrs, html) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (html !== undefined) e.innerHTML = html;
  return e;
}
function wref(k, s) {
  return `<span class="w" data-w="${k}" tabindex="0" title="${ROLE[k]}, shared by every copy">${fmt(s[k])}</span>`;
}
function setValue(id, v) {
  const e = $(id);
  e.dataset.value = String(v);
  e.textContent = fmt(v);
}
function dayLabel(before) {
  const names = { "-1": "tomorrow", 0: "today", 1: "yesterday", 2: "day before yesterday" };
  return names[before] || `${before} days before today`;
}

// ------------------------------------------------------------ charts
const SVGNS = "http://www.w3.org/2000/svg";
function svg(parent, tag, attrs, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  parent.appendChild(e);
  return e;
}
// Round ticks (steps of 1, 2 or 5 times a power of ten) inside [lo, hi].
function niceTicks(lo, hi, count = 4) {
  const raw = (hi - lo) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return [lo];
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * p).find((v) => v >= raw) || 10 * p;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}
// A line chart of ys (already on the plotted scale) against xs.
function lineChart(box, series, opts) {
  box.textContent = "";
  // one viewBox unit per CSS pixel, so the labels keep their size on a phone
  if (!box.dataset.h) box.dataset.h = box.getAttribute("viewBox").split(" ")[3];
  const H = Number(box.dataset.h);
  const W = Math.round(Math.max(280, Math.min(760, box.getBoundingClientRect().width || 600)));
  box.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const L = 56, R = 12, Tp = 12, B = 34;
  const xs = series.flatMap((s) => s.x), ys = series.flatMap((s) => s.y).filter(Number.isFinite);
  const x0 = opts.xmin ?? Math.min(...xs), x1 = Math.max(opts.xmax ?? -Infinity, ...xs, x0 + 1);
  let y0 = opts.ymin ?? Math.min(...ys, 0), y1 = opts.ymax ?? Math.max(...ys, y0 + 1);
  if (y1 <= y0) y1 = y0 + 1;
  const px = (x) => L + (x - x0) / (x1 - x0) * (W - L - R);
  const py = (y) => Tp + (y1 - Math.min(Math.max(y, y0), y1)) / (y1 - y0) * (H - Tp - B);
  (opts.bands || []).forEach((b) => {
    const lo = Math.max(b.from, y0), hi = Math.min(b.to, y1);
    if (hi > lo) {
      svg(box, "rect", { x: L, y: py(hi), width: W - L - R, height: py(lo) - py(hi), class: b.cls });
      svg(box, "text", { x: W - R - 4, y: py(hi) + 14, "text-anchor": "end" }, b.label);
    }
  });
  const ticks = opts.yticks || niceTicks(y0, y1);
  ticks.forEach((v) => {
    svg(box, "line", { x1: L, x2: W - R, y1: py(v), y2: py(v), class: "grid" });
    svg(box, "text", { x: L - 4, y: py(v) + 4, "text-anchor": "end" }, opts.ylabel ? opts.ylabel(v) : fmt(v));
  });
  svg(box, "line", { x1: L, x2: L, y1: Tp, y2: H - B, class: "axis" });
  svg(box, "line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" });
  (opts.xticks || [x0, Math.round((x0 + x1) / 2), x1]).forEach((v, i, all) =>
    svg(box, "text", { x: px(v), y: H - B + 16,
      "text-anchor": all.length > 1 && i === all.length - 1 ? "end" : i === 0 ? "start" : "middle" },
      opts.xlabel ? opts.xlabel(v) : fmt(v)));
  const title = svg(box, "text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle" }, opts.xtitle);
  // a long title is centred on the chart, and squeezed to its width, not cut
  const long = title.getComputedTextLength ? title.getComputedTextLength() : 0;
  if (long > W - L - R - 8) title.setAttribute("x", W / 2);
  if (long > W - 8) {
    title.setAttribute("textLength", W - 8);
    title.setAttribute("lengthAdjust", "spacingAndGlyphs");
  }
  series.forEach((s) => {
    const pts = s.x.map((x, i) => Number.isFinite(s.y[i]) ? `${px(x).toFixed(1)},${py(s.y[i]).toFixed(1)}` : null).filter(Boolean);
    if (pts.length === 1) svg(box, "circle", { cx: pts[0].split(",")[0], cy: pts[0].split(",")[1], r: 3, fill: "#1f6feb", "data-point": "1" });
    else svg(box, "polyline", { points: pts.join(" "), class: s.cls || "curve" });
  });
}
const log10 = (v) => (v === 0 ? -Infinity : Math.log10(Math.abs(v)));
const pow10 = (k) => (k === 0 ? "1" : `1e${k}`);

function heatColor(v, scale) {
  const a = Math.max(-1, Math.min(1, v / scale));
  const fade = Math.round(255 * (1 - Math.abs(a)));
  return a >= 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
}
function escapeHtml(t) {
  return String(t).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// ------------------------------------------------------------ render all

// The lesson page, part 1 of 3: the network, its BPTT, and the URL fragment.
// page.py puts the three parts into one inline script, in one function scope.

const DATA = JSON.parse(document.getElementById("lesson-data").textContent);
const NAMES = ["w1", "w2", "w3", "b1", "b2"];
const MAX_COPIES = 200;
const MAX_N = 1000;
const ROLE = { w1: "input weight", w2: "loop weight", w3: "output weight",
  b1: "hidden bias", b2: "output bias" };
const GD_START = { w1: 0.3, w2: -0.2, w3: 0.4, b1: 0.1, b2: 0 };
const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------ the network
// The engine's arithmetic in the engine's order (unrolled.engine: the input
// projection x*w1 + b_ih, then the loop y*w2 + b_hh with b_hh = 0, relu,
// the head y*w3 + b2), so the numbers match its float64 results (the tests: to 1e-12).
function forward(values, w) {
  const xs = [], ys = [], outs = [];
  let y = 0;
  for (let t = 0; t < values.length; t++) {
    const x = (values[t] * w.w1 + w.b1) + (y * w.w2 + 0);  // the copy's sum
    y = x > 0 ? x : 0;  // relu
    xs.push(x); ys.push(y); outs.push(y * w.w3 + w.b2);  // the output layer
  }
  return { xs, ys, outs, prediction: outs[outs.length - 1] };
}

// BPTT of the SSR of the last copy's output: the backward loop replays the
// forward loop in reverse, carrying dSSR/dy back one copy at a time.
function backward(values, w, f, target) {
  const T = values.length;
  const residual = f.prediction - target;
  const dpred = 2 * residual;  // dSSR/dprediction
  const grads = { w1: 0, w2: 0, w3: dpred * f.ys[T - 1], b1: 0, b2: dpred };
  const copies = new Array(T);
  let dy = dpred * w.w3;  // back through the output layer
  for (let t = T - 1; t >= 0; t--) {
    const relu = f.ys[t] > 0 ? 1 : 0;
    const dx = relu ? dy : 0;  // back through relu
    const prev = t ? f.ys[t - 1] : 0;
    const c = { dy, relu, dx, w1: dx * values[t], w2: dx * prev, b1: dx };
    grads.w1 += c.w1; grads.w2 += c.w2; grads.b1 += c.b1;  // shared weights: sum
    copies[t] = c;
    dy = dx * w.w2;  // back through the loop
  }
  return { residual, ssr: residual * residual, grads, copies };
}

function allFinite(list) { return list.every((v) => Number.isFinite(v)); }

function compute(s) {
  const f = forward(s.values, s);
  const b = backward(s.values, s, f, s.target);
  const numbers = [...f.xs, ...f.outs, b.ssr, ...NAMES.map((k) => b.grads[k])];
  b.copies.forEach((c) => numbers.push(c.dy, c.dx, c.w1, c.w2));
  return { f, b, ok: allFinite(numbers) };
}

// ------------------------------------------------------------ state and URL
function defaults() {
  const row = DATA.scenarios[1];
  return { values: [row[0], row[1]], ...DATA.weights, target: row[2], n: 4 };
}
let state = defaults();

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
function number(key, text) {
  const t = (text || "").trim();
  const v = NUMBER.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(v)) throw new Error(`${key}: expected a number, got "${text}"`);
  return v;
}

function parseFragment(hash) {
  const text = hash.replace(/^#/, "");
  const s = defaults();
  if (!text) return s;
  const seen = new Set();
  for (const part of text.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const val = decodeURIComponent(eq < 0 ? "" : part.slice(eq + 1));
    if (seen.has(key)) throw new Error(`${key}: given twice`);
    seen.add(key);
    if (key === "values") {
      const vals = val.split(",");
      if (val === "" || vals.length > MAX_COPIES) {
        const got = val === "" ? 0 : vals.length;
        throw new Error(`values: expected 1 to ${MAX_COPIES} numbers, got ${got}`);
      }
      s.values = vals.map((v, i) => number(`values[${i}]`, v));
    } else if (NAMES.includes(key) || key === "target") {
      s[key] = number(key, val);
    } else if (key === "n") {
      const n = number(key, val);
      if (!Number.isInteger(n) || n < 1 || n > MAX_N) {
        throw new Error(`n: expected an integer from 1 to ${MAX_N}, got "${val}"`);
      }
      s.n = n;
    } else {
      throw new Error(`unknown key "${key}"`);
    }
  }
  return s;
}

function fragmentOf(s) {
  const parts = [`values=${s.values.map(String).join(",")}`];
  NAMES.forEach((k) => parts.push(`${k}=${String(s[k])}`));
  parts.push(`target=${String(s.target)}`, `n=${s.n}`);
  return "#" + parts.join("&");
}

function showMessage(text) {
  const m = $("message");
  m.textContent = text || "";
  m.hidden = !text;
}

// Set the state if every number it leads to is finite; else keep the old one.
function setState(next, why) {
  const c = compute(next);
  if (!c.ok) {
    showMessage(`${why}: the numbers overflow (beyond about 1.8e308); kept the last view.`);
    render();
    return false;
  }
  showMessage("");
  state = next;
  writeFragment();
  render();
  return true;
}

function loadFragment() {
  let s;
  try {
    s = parseFragment(location.hash);
    if (!compute(s).ok) throw new Error("the numbers overflow (beyond about 1.8e308)");
  } catch (err) {
    state = defaults();
    render();
    showMessage(`This link's settings were refused (${err.message}); showing StatLand instead.`);
    return;
  }
  state = s;
  showMessage("");
  render();
}

function writeFragment() {
  const frag = fragmentOf(state);
  if (location.hash === frag) return;
  try {
    history.replaceState(null, "", frag);
  } catch (err) {
    location.replace(frag);
  }
}

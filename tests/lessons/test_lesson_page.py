"""The lesson page in real headless Chromium: its numbers are the engine's.

One browser per module; the random parity cases all run in one page session,
driven through the URL fragment. Skipped, with the install line, where
Playwright or Chromium is missing (CI installs both).
"""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest
from conftest import ENGINE_NAMES

import unrolled
from unrolled.cli import run
from unrolled.lessons.page import write_lesson_page
from unrolled.lessons.w2 import closed_form_factor

INSTALL = "apt-get install -y chromium && pip install playwright"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NAMES = ("w1", "w2", "w3", "b1", "b2")
# Set the fragment, wait for the page to render it, read every number back.
DRIVE = """async (frags) => {
  const read = (id) => document.getElementById(id).dataset.value;
  const copies = () => [...document.querySelectorAll("[data-copy]")];
  const out = [];
  for (const frag of frags) {
    const done = new Promise((ok) =>
      window.addEventListener("lesson:rendered", ok, { once: true }));
    location.hash = frag;
    await done;
    out.push({
      outputs: copies().map((e) => e.dataset.output),
      ys: copies().map((e) => e.dataset.y),
      prediction: read("prediction"), ssr: read("ssr"), factor: read("factor"),
      grads: Object.fromEntries(["w1", "w2", "w3", "b1", "b2"].map(
        (k) => [k, read("grad-" + k)])),
      message: document.getElementById("message").hidden ? "" :
        document.getElementById("message").textContent,
    });
  }
  return out;
}"""


def _chromium() -> str | None:
    path = os.environ.get("UNROLLED_CHROMIUM")
    return path or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(f"playwright is not installed ({INSTALL})")
    path = _chromium()
    if path is None:
        pytest.skip(f"no chromium on PATH ({INSTALL})")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    path = write_lesson_page(tmp_path_factory.mktemp("page") / "lesson.html")
    return path.resolve().as_uri()


@pytest.fixture(scope="module")
def trained_page(tmp_path_factory):
    """A page written by the CLI with a small GRU forecaster's section."""
    folder = tmp_path_factory.mktemp("trained")
    rows = ["date,a,b"] + [
        f"{2001 + k // 12}-{1 + k % 12:02d}-01,{10 + np.sin(k / 3):.4f},{20 + k / 10}"
        for k in range(60)
    ]
    (folder / "data.csv").write_text("\n".join(rows) + "\n")
    fc = unrolled.Forecaster(
        hidden=4, window=12, scaling="diff", lr=0.01, epochs=3, val_size=0,
        ensemble=1, seed=0,
    )  # fmt: skip
    fc.fit(unrolled.load_csv(folder / "data.csv"))
    fc.save(folder / "model")
    out = folder / "lesson.html"
    args = ["lesson", "--out", str(out), "--model", str(folder / "model")]
    assert run([*args, "--data", str(folder / "data.csv"), "--series", "a"]) == 0
    member = fc.members_[0]
    y = unrolled.load_csv(folder / "data.csv").series[0].values
    expected = float(member.one_step([y], [(0, len(y))], ["a"])[0])
    return out.resolve().as_uri(), expected


def _open(browser, url, width=1280, height=800):
    """A page with its console errors, page errors and requests recorded."""
    page = browser.new_page(viewport={"width": width, "height": height})
    log = {"errors": [], "requests": []}
    page.on(
        "console",
        lambda m: log["errors"].append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.on("request", lambda r: log["requests"].append(r.url))
    page.goto(url)
    return page, log


def _fragment(values, w, target, n) -> str:
    parts = ["values=" + ",".join(repr(float(v)) for v in values)]
    parts += [f"{k}={float(w[k])!r}" for k in NAMES]
    return "&".join([*parts, f"target={float(target)!r}", f"n={n}"])


def _close(page_text: str, expected: float, rel: float = 1e-12) -> bool:
    got = float(page_text)
    if got == expected:
        return True
    return abs(got - expected) <= rel * max(abs(got), abs(expected))


def _cases(count: int, seed: int):
    """Random values, weights, targets and unroll counts (1 to 50 copies)."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        T = 1 if i == 0 else 50 if i == 1 else int(rng.integers(1, 51))
        values = rng.uniform(-2, 2, T)
        w = dict(zip(NAMES, rng.uniform(-2, 2, 5), strict=True))
        yield values, w, float(rng.uniform(-2, 2)), int(rng.integers(1, 61))


def test_page_numbers_equal_the_engine_forward_and_bptt_on_200_random_cases(
    browser, page_url
):
    cases = list(_cases(200, seed=11))
    page, log = _open(browser, page_url)
    got = page.evaluate(DRIVE, [_fragment(*c) for c in cases])
    page.close()
    alive = dead = 0
    for (values, w, target, n), g in zip(cases, got, strict=True):
        assert g["message"] == ""
        net = unrolled.lessons.lesson_network(**w)
        outs = net.predict([values], all_steps=True)[0]
        assert len(g["outputs"]) == len(values)
        assert all(_close(a, b) for a, b in zip(g["outputs"], outs, strict=True))
        assert _close(g["prediction"], outs[-1])
        ssr, grads = net.loss_and_grads([values], [target])
        assert _close(g["ssr"], ssr)
        for k in NAMES:
            assert _close(g["grads"][k], float(grads[ENGINE_NAMES[k]].ravel()[0])), k
        assert float(grads["bias_hh_l0"][0]) == float(grads["bias_ih_l0"][0])
        assert _close(g["factor"], closed_form_factor(w["w2"], n))
        ys = [float(y) for y in g["ys"]]
        alive, dead = alive + sum(y > 0 for y in ys), dead + sum(y == 0 for y in ys)
    assert alive > 1000 and dead > 1000  # relu both on and off, many times
    assert log["errors"] == []


def test_statland_rows_and_the_seed_walk_through_on_the_default_page(browser, page_url):
    page, log = _open(browser, page_url)
    cells = page.locator("[data-scenario]")
    predicted = [float(cells.nth(i).get_attribute("data-value")) for i in range(4)]
    engine = [r["predicted"] for r in unrolled.lessons.statland_table()]
    assert predicted == engine
    copies = page.locator("[data-copy]")
    assert copies.count() == 2
    assert float(copies.nth(1).get_attribute("data-output")) == engine[1]
    text = page.locator("#copies").inner_text()
    assert "0.5 × 1.8 + 0 × -0.5 + 0 = 0.9" in text
    assert "prediction for tomorrow" in text and "ignored" in text
    page.locator("[data-scenario='3'] + td button").click()  # load High, High
    assert page.locator("[data-copy]").count() == 2
    assert "values=1,1&" in page.evaluate("location.hash")
    page.close()
    assert log["errors"] == []


@pytest.mark.parametrize(
    "fragment",
    [
        "values=a,b",
        "values=",
        "values=" + ",".join(["1"] * 201),
        "values=1,2&w1=NaN",
        "values=1&w2=Infinity",
        "values=1&w1=1e999",
        "values=1,1,1,1,1,1&w1=1e200&w2=1e200",  # finite input, overflowing copies
        "n=0",
        "values=1&colour=red",
    ],
)
def test_a_bad_fragment_is_refused_visibly_and_statland_is_shown(
    browser, page_url, fragment
):
    page, log = _open(browser, f"{page_url}#{fragment}")
    message = page.locator("#message")
    assert message.is_visible() and "StatLand" in message.inner_text()
    assert page.locator("[data-copy]").count() == 2
    assert (
        float(page.locator("#prediction").get_attribute("data-value"))
        == (unrolled.lessons.statland_table()[1]["predicted"])
    )
    assert "NaN" not in page.locator("main").inner_text()
    page.close()
    assert log["errors"] == []


def test_two_hundred_copies_are_accepted(browser, page_url):
    page, _ = _open(browser, f"{page_url}#values=" + ",".join(["0.1"] * 200))
    assert page.locator("[data-copy]").count() == 200
    assert page.locator("#message").is_hidden()
    page.close()


def test_editing_updates_numbers_and_fragment_and_a_link_reproduces_the_view(
    browser, page_url
):
    page, log = _open(browser, f"{page_url}#values=1,0.5&target=0")
    page.locator("#add-day").click()
    assert page.locator("[data-copy]").count() == 3
    page.locator("#sliders input[data-key=w2]").fill("0.25")
    frag = page.evaluate("location.hash")
    assert "values=1,0.5,0.5&" in frag and "w2=0.25&" in frag
    numbers = page.locator("#grad-w1").get_attribute("data-value")
    again, _ = _open(browser, f"{page_url}{frag}")
    assert again.locator("#grad-w1").get_attribute("data-value") == numbers
    again.close()
    page.locator("#copies .w[data-w=w1]").first.hover()  # shared: lit everywhere
    lit = page.evaluate(
        "[...document.querySelectorAll('.w[data-w=w1]')]"
        ".filter(e => getComputedStyle(e).fontWeight === '700').length"
    )
    assert lit >= 3 + 1  # every copy's w1, and the diagram's
    page.close()
    assert log["errors"] == []


def test_gradient_descent_lowers_the_statland_ssr(browser, page_url):
    page, log = _open(browser, page_url)
    first = float(page.locator("#gd-ssr").get_attribute("data-value"))
    for _ in range(30):
        page.locator("#gd-step").click()
    after = float(page.locator("#gd-ssr").get_attribute("data-value"))
    assert after < first / 2
    page.close()
    assert log["errors"] == []


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)])
def test_no_horizontal_overflow_no_console_errors_no_other_hosts(
    browser, trained_page, tmp_path, size
):
    url, expected = trained_page
    for frag in ("", "#values=" + ",".join(["0.3"] * 50) + "&w2=1.5&n=200"):
        page, log = _open(browser, url + frag, *size)
        width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1]
        page.screenshot(path=str(tmp_path / f"lesson-{size[0]}.png"), full_page=True)
        assert (tmp_path / f"lesson-{size[0]}.png").stat().st_size > 10_000
        pred = page.locator("#trained-prediction").get_attribute("data-value")
        assert float(pred) == pytest.approx(expected, rel=1e-9)
        assert "NaN" not in page.locator("main").inner_text()
        page.close()
        assert log["errors"] == []
        assert all(r.startswith(("file:", "data:")) for r in log["requests"])


def test_trained_section_draws_every_copy_and_unit(browser, trained_page):
    url, _ = trained_page
    page, _ = _open(browser, url)
    data = json.loads(page.locator("#lesson-data").text_content())["trained"]
    T, H = len(data["hidden"]), len(data["hidden"][0])
    assert (T, H) == (12, 4) and data["series"] == "a"
    assert page.locator("[data-copy-hidden]").count() == T * H
    assert "step(s) back" in page.locator("#trained-reach").inner_text()
    page.close()


# In the page: every inner area wider than its box says so (a visible hint
# just above it); every copy inside the viewport; the charts drawn on load.
LAYOUT = """() => {
  const hidden = [];
  for (const e of document.querySelectorAll("body *")) {
    const ox = getComputedStyle(e).overflowX;
    if (!["auto", "scroll", "hidden"].includes(ox)) continue;
    if (e.scrollWidth <= e.clientWidth + 1 || e.closest("svg")) continue;
    const hint = e.previousElementSibling;
    const shown = hint && hint.classList.contains("scroll-hint") && !hint.hidden
      && hint.getBoundingClientRect().height > 0;
    if (!shown) hidden.push(e.id || e.className || e.tagName);
  }
  const copies = [...document.querySelectorAll("[data-copy]")].map((c) => {
    const r = c.getBoundingClientRect();
    return [r.left, r.right];
  });
  const points = (id) => [...document.querySelectorAll(`#${id} polyline`)]
    .map((p) => p.getAttribute("points").split(" ").length);
  const texts = (sel) => [...document.querySelectorAll(sel)].map((t) => t.textContent);
  const ticks = (id) => texts(`#${id} text`);
  return { hidden, copies, width: innerWidth, gd: points("gd-chart"),
           weights: points("gd-weights"), trained: ticks("trained-series"),
           verdict: document.getElementById("statland-verdict").textContent,
           scale: texts("[data-colour-scale] text"),
           hints: [...document.querySelectorAll(".scroll-hint")]
             .filter((h) => !h.hidden).length };
}"""


@pytest.mark.parametrize("size", [(1400, 900), (390, 844)])
def test_the_page_fits_the_screen_and_draws_its_charts_on_load(
    browser, trained_page, tmp_path, size
):
    url, _ = trained_page
    page, log = _open(browser, url + "#values=0.5,1,0.2,0.8,0.4,1", *size)
    shot = tmp_path / f"lesson-six-{size[0]}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    got = page.evaluate(LAYOUT)
    assert got["hidden"] == []  # nothing scrolls sideways without a visible hint
    assert len(got["copies"]) == 6
    assert all(0 <= a and b <= got["width"] for a, b in got["copies"]), got["copies"]
    assert max(got["gd"]) > 100 and max(got["weights"]) > 100  # the descent, drawn
    numbers = [t for t in got["trained"] if t.replace(".", "", 1).isdigit()]
    assert _round_ticks([float(t) for t in numbers]), numbers
    assert "2001-" in " ".join(got["trained"]) or "2005-" in " ".join(got["trained"])
    assert len(got["scale"]) == 3 and got["scale"][1] == "0"
    assert -float(got["scale"][0]) == float(got["scale"][2]) > 0
    if size[0] == 390:
        assert got["hints"] >= 1  # the tables are wider than a phone: said so
    page.close()
    assert log["errors"] == []


def _round_ticks(ticks: list[float]) -> bool:
    """Two or more ticks, evenly spaced by 1, 2 or 5 times a power of ten, each
    a multiple of that step (79.65 / 104.985 / 130.32 is not)."""
    if len(ticks) < 2:
        return False
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** np.floor(np.log10(step))
    even = np.allclose(np.diff(ticks), step)
    multiples = np.allclose(np.round(np.array(ticks) / step) * step, ticks)
    return even and multiples and any(np.isclose(mantissa, m) for m in (1, 2, 5))


def test_round_ticks_tells_round_from_raw():
    assert _round_ticks([9.5, 10, 10.5]) and _round_ticks([100, 120])
    assert not _round_ticks([79.65, 104.985, 130.32])


def test_the_statland_sentence_follows_the_weights(browser, page_url):
    page, log = _open(browser, page_url)
    text = page.locator("#statland-verdict").inner_text()
    assert text.startswith("with the lesson's weights the network predicts every one")
    page.goto(page_url + "#w2=2")
    page.wait_for_function("document.documentElement.dataset.renders")
    text = page.locator("#statland-verdict").inner_text()
    assert "misses 2 of 4" in text and "4.95 where 0 was observed" in text
    assert "5.94 where 1 was observed" in text
    assert "lesson's weights" not in text
    page.close()
    assert log["errors"] == []


@pytest.fixture(scope="module")
def covariate_model(tmp_path_factory):
    """A small forecaster that reads a historic covariate and the month,
    saved, and its data file (unique_id, ds, y, v)."""
    import pandas as pd

    folder = tmp_path_factory.mktemp("covariates")
    rng = np.random.default_rng(0)
    v = rng.normal(size=60)
    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2001-01-01",
                       periods=60, freq="MS"), "y": 10 + v, "v": v})  # fmt: skip
    df.to_csv(folder / "data.csv", index=False)
    fc = unrolled.Forecaster(
        hist_exog=["v"], calendar=["month"], hidden=4, window=12,
        scaling="standard", lr=0.01, epochs=3, val_size=0, ensemble=1, seed=0,
    )  # fmt: skip
    fc.fit(df)
    fc.save(folder / "model")
    return fc, folder


def test_a_trained_page_shows_the_covariates_every_copy_reads(
    browser, covariate_model, capsys
):
    fc, folder = covariate_model
    out = folder / "lesson.html"
    args = ["lesson", "--out", str(out), "--model", str(folder / "model"), "--json"]
    assert run(args) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["extra_inputs"] == ["v (historic)", "month sin", "month cos"]
    assert said["prediction"] == pytest.approx(fc.predict(1)["ensemble"][0], rel=1e-9)
    page, log = _open(browser, out.resolve().as_uri())
    data = json.loads(page.locator("#lesson-data").text_content())["trained"]
    extra = np.array(data["extra_inputs"]["values"])  # (T, 3), as the copies read it
    assert extra.shape == (12, 3)
    # v at each copy's own date (2005-01 .. 2005-12), scaled on the training
    # part; the month of the date each copy forecasts (2005-02 .. 2006-01)
    v = fc.covariates_.raw["hist"]["a"][-12:, 0]
    month = 2 * np.pi * (np.arange(1, 13) % 12) / 12
    expected = np.column_stack([fc.covariates_.scalers["v"].transform(v),
                                np.sin(month), np.cos(month)])  # fmt: skip
    assert np.allclose(extra, expected, rtol=0, atol=1e-12)
    assert page.locator("[data-copy-extra]").count() == 12 * 3
    assert "month sin" in page.locator("#trained-extra").inner_html()
    page.close()
    assert log["errors"] == []
    # the same from the data file with the covariate's column
    data_args = [*args, "--data", str(folder / "data.csv")]
    assert run(data_args) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["prediction"] == pytest.approx(said["prediction"], rel=1e-12)

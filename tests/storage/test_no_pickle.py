"""Nothing in the library unpickles or evaluates data: model files are data only.

The scan reads Python tokens, so comments and docstrings that mention the
words ("never unpickled") do not count; code does.
"""

import io
import tokenize
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "unrolled"

BANNED_NAMES = {  # modules and functions that can run code from a file
    "pickle",
    "cPickle",
    "_pickle",
    "dill",
    "cloudpickle",
    "joblib",
    "shelve",
    "marshal",
    "read_pickle",
    "to_pickle",
}
BANNED_CALLS = {"eval", "exec", "__import__"}


def violations(source: str) -> list[str]:
    """Banned constructs in Python source, as 'line N: what' strings."""
    toks = [
        t
        for t in tokenize.generate_tokens(io.StringIO(source).readline)
        if t.type in (tokenize.NAME, tokenize.OP)
    ]
    found = []
    for i, t in enumerate(toks):
        nxt = [x.string for x in toks[i + 1 : i + 4]]
        where = f"line {t.start[0]}"
        if t.type != tokenize.NAME:
            continue
        if t.string in BANNED_NAMES:
            found.append(f"{where}: {t.string}")
        if t.string in BANNED_CALLS and nxt[:1] == ["("]:
            found.append(f"{where}: {t.string}(")
        if t.string == "torch" and nxt[:2] == [".", "load"]:
            found.append(f"{where}: torch.load")
        if t.string == "allow_pickle" and nxt[:2] == ["=", "True"]:
            found.append(f"{where}: allow_pickle=True")
    return found


@pytest.mark.parametrize(
    "code,what",
    [
        ("import pickle\n", "pickle"),
        ("from pickle import loads\n", "pickle"),
        ("x = torch.load(f)\n", "torch.load"),
        ("np.load(f, allow_pickle=True)\n", "allow_pickle=True"),
        ("np.load(f, mmap_mode='r', allow_pickle = True)\n", "allow_pickle=True"),
        ("y = eval(text)\n", "eval("),
        ("exec (code)\n", "exec("),
        ("df = pd.read_pickle(p)\n", "read_pickle"),
        ("m = __import__(name)\n", "__import__("),
    ],
)
def test_the_scanner_catches_each_banned_construct(code, what):
    assert any(what in v for v in violations(code))


def test_the_scanner_ignores_words_in_comments_and_strings():
    code = '"""Never unpickled; no eval( here."""\n# pickle is banned\ns = "exec("\n'
    assert violations(code) == []


def test_no_module_in_src_unpickles_or_evaluates():
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 10  # the scan really looked at the package
    found = {
        str(f.relative_to(SRC)): v
        for f in files
        if (v := violations(f.read_text(encoding="utf-8")))
    }
    assert found == {}

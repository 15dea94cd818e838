"""Escaping per medium (:mod:`affectctl.report.escape`): hostile and non-Latin names."""

from __future__ import annotations

import csv
import html.parser
import io

import pytest

from affectctl.report.escape import (
    for_csv_cell,
    for_html,
    for_latex,
    for_markdown_cell,
    for_terminal,
    latex_unsettable,
)

HOSTILE = {
    "osc-title": "x\x1b]0;pwned\x07\x1b[31mRED",
    "newline": "a\nb\rc",
    "blank-line": "a\n\nb",
    "formula-eq": '=HYPERLINK("http://evil","x")',
    "formula-plus": "+cmd|' -C calc'!A0",
    "formula-at": "@SUM(1+1)",
    "formula-minus": "-2+3",
    "formula-tab": "\t=1",
    "html": '<script>alert("x")</script>&',
    "latex": r"\input{/etc/passwd}_$#%&~^{}",
    "pipe": "a|b",
    "cjk": "基线模型",
    "rtl": "abc\u202edcba",
    "fullwidth": "ＢＡＳＥ１",
    "c1": "a\x9bb",
}


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_terminal_has_no_control_or_format_characters(name):
    out = for_terminal(name)
    assert all(ch.isprintable() for ch in out), repr(out)


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_html_text_round_trips_and_opens_no_tag(name):
    out = for_html(name)
    assert "<" not in out and ">" not in out and '"' not in out
    seen = []

    class P(html.parser.HTMLParser):
        def handle_starttag(self, tag, attrs):  # pragma: no cover - must not happen
            seen.append(tag)

        def handle_data(self, data):
            seen.append(("data", data))

    P(convert_charrefs=True).feed(f"<td>{out}</td>")
    assert seen[0] == "td" and len(seen) == 2
    assert seen[1][1] == for_terminal(name)


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_markdown_cell_stays_in_its_cell_and_row(name):
    out = for_markdown_cell(name)
    assert "\n" not in out and "\r" not in out
    assert out.replace("\\|", "").count("|") == 0
    assert "<s" not in out


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_csv_cell_never_starts_a_formula(name):
    out = for_csv_cell(name)
    buf = io.StringIO()
    csv.writer(buf).writerow([out, 1])
    back = next(csv.reader(io.StringIO(buf.getvalue())))[0]
    assert back == out
    assert not back.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert back.lstrip("'") == name.lstrip("'")


def test_csv_cell_leaves_plain_names_and_numbers():
    assert for_csv_cell("base") == "base" and for_csv_cell(-0.5) == -0.5
    assert for_csv_cell("a=b") == "a=b"


def test_latex_transliterates_and_lists_what_it_cannot_set():
    assert for_latex("ＢＡＳＥ１") == "BASE1"
    assert for_latex("café") == r"caf\'{e}"
    assert latex_unsettable("基线 ＢＡＳＥ é") == ["基", "线"]
    assert for_latex("基") == "U+57FA{}"
    assert "\n" not in for_latex("a\n\nb") and "\x1b" not in for_latex(HOSTILE["osc-title"])


def test_every_hostile_name_compiles_with_pdflatex(tmp_path):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
    from _paper import compile_tex

    body = "\n".join(rf"\noindent {for_latex(n)}\par" for n in HOSTILE.values())
    body += "\n" + r"\begin{tabular}{l}" + r"\\".join(for_latex(n) for n in HOSTILE.values()) \
        + r"\end{tabular}"
    compile_tex({"names.tex": "% requires: booktabs\n" + body + "\n"}, tmp_path)


def test_visible_fast_path_agrees_with_the_category_rule():
    """visible() returns printable strings as they are; on the BMP and the supplementary planes
    in use (and the tags, private-use and last code points) it agrees with escaping exactly the
    characters of the invisible categories."""
    import unicodedata

    from affectctl.report.escape import _INVISIBLE, _escape_char, visible

    chars = [chr(o) for o in [*range(0x20000), 0xE0001, 0xE007F, 0xF0000, 0x10FFFD, 0x10FFFF]]
    expected = [_escape_char(c) if unicodedata.category(c) in _INVISIBLE else c for c in chars]
    assert [visible(c) for c in chars] == expected
    assert visible("ab\u202ecd ok") == "ab\\u202ecd ok"

r"""Escaping of user-supplied names for each medium a report is written in.

Names (conditions, runs, plans, tables, reports) are validated once where they enter
(:func:`affectctl._util.validation.check_name`: printable, no control characters, bounded
length, one plain path component). Every writer still escapes each name for its medium,
so a name that reaches a writer through the library API cannot change what the medium
does with the text around it:

========================  ==============================================================
medium                    rule
========================  ==============================================================
:func:`for_terminal`      control and format characters (ESC, BEL, CR, LF, TAB, DEL, the
                          C1 controls, bidirectional overrides, zero-width characters,
                          line separators) are written as visible ``\x1b`` / ``\u202e``
                          escapes, so no escape sequence reaches the terminal.
:func:`for_html`          ``& < > " '`` as character references (:func:`html.escape`),
                          after the terminal rule (controls are invalid in HTML and
                          bidirectional overrides would reorder the page).
:func:`for_latex`         the ten LaTeX specials escaped (``\_``, ``\textbackslash{}``,
                          ...), the symbols affectctl uses mapped to LaTeX, accented Latin
                          letters set with LaTeX accents, compatibility forms (fullwidth
                          ``Ａ``) folded to their ASCII letter (NFKC), and every other
                          character pdflatex cannot set in its default fonts (CJK, Arabic,
                          controls) written as the text ``U+4E2D``: the file always
                          compiles. :func:`latex_unsettable` lists those characters so the
                          writer can say so in one warning.
:func:`for_markdown_cell` the terminal rule, then ``|`` as ``\|`` (a cell separator),
                          ``<`` opening inline HTML as ``&lt;``, so a name stays in
                          its cell and its row.
:func:`for_csv_cell`      a cell starting with ``= + - @``, TAB or CR gets a leading ``'``
                          (OWASP, *CSV Injection*), so spreadsheets show it as text
                          instead of evaluating a formula. Quoting of separators, quotes
                          and newlines is left to the CSV writer.
========================  ==============================================================

References
----------
OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection.
Unicode Standard Annex #9 (bidirectional algorithm), explicit formatting characters.
"""

from __future__ import annotations

import html as _html
import re
import unicodedata

__all__ = ["for_terminal", "for_html", "for_latex", "for_markdown_cell", "for_csv_cell",
           "latex_unsettable", "visible", "CSV_FORMULA_STARTS"]

#: First characters of a CSV cell a spreadsheet may evaluate as a formula (OWASP).
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: Unicode categories written as visible escapes: controls, format characters (bidi
#: overrides, zero-width joiners), line/paragraph separators, surrogates, private use,
#: unassigned.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def _escape_char(ch: str) -> str:
    o = ord(ch)
    if o < 0x100:
        return f"\\x{o:02x}"
    if o < 0x10000:
        return f"\\u{o:04x}"
    return f"\\U{o:08x}"


def visible(s) -> str:
    r"""``s`` with every control or format character as a visible escape.

    >>> visible("x\x1b]0;t\x07\u202eY")
    'x\\x1b]0;t\\x07\\u202eY'
    """
    s = str(s)
    if s.isprintable():  # no character of the categories Cc, Cf, Cs, Co, Cn, Zl, Zp (nor Zs but ' ')
        return s
    return "".join(_escape_char(ch) if unicodedata.category(ch) in _INVISIBLE else ch for ch in s)


def for_terminal(s) -> str:
    r"""A name safe to print on a terminal: no escape sequence, no line break, no reordering.

    >>> for_terminal("run\x1b[31mRED\n")
    'run\\x1b[31mRED\\x0a'
    """
    return visible(s)


def for_html(s) -> str:
    r"""A name safe in HTML text and attribute values.

    >>> for_html('<b x="1">&\x1b')
    '&lt;b x=&quot;1&quot;&gt;&amp;\\x1b'
    """
    return _html.escape(visible(s), quote=True)


#: ``<`` that would open inline HTML in Markdown (a tag, comment or declaration); a
#: ``<`` before a digit or space (``<0.001``) is plain text and stays.
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")


def for_markdown_cell(s) -> str:
    r"""A name safe inside one cell of a GitHub-flavoured Markdown table.

    >>> for_markdown_cell("a|b\nc<i>"), for_markdown_cell("<0.001")
    ('a\\|b\\x0ac&lt;i>', '<0.001')
    """
    return _MD_TAG.sub("&lt;", visible(s).replace("|", "\\|"))


def for_csv_cell(s):
    """A cell a spreadsheet shows as text: ``'`` before a leading ``= + - @``, TAB or CR.

    Non-strings (numbers) are returned unchanged.

    >>> for_csv_cell("=HYPERLINK(\\"http://x\\")"), for_csv_cell("base")
    ('\\'=HYPERLINK("http://x")', 'base')
    """
    if isinstance(s, str) and s.startswith(CSV_FORMULA_STARTS):
        return "'" + s
    return s


# ----------------------------------------------------------------------------- LaTeX

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_TEX_UNICODE = {
    "−": "$-$", "±": r"$\pm$", "Δ": r"$\Delta$", "↑": r"$\uparrow$", "↓": r"$\downarrow$",
    "†": r"\textsuperscript{\dag}", "‡": r"\textsuperscript{\ddag}",
    "§": r"\textsuperscript{\S}", "◊": r"\textsuperscript{$\diamond$}",
    "≤": r"$\le$", "≥": r"$\ge$", "<": r"$<$", ">": r"$>$", "×": r"$\times$", "–": "--",
    "—": "---", "α": r"$\alpha$", "ß": r"\ss{}", "æ": r"\ae{}", "Æ": r"\AE{}", "ø": r"\o{}",
    "Ø": r"\O{}", "å": r"\aa{}", "Å": r"\AA{}", "œ": r"\oe{}", "Œ": r"\OE{}", "ł": r"\l{}",
    "Ł": r"\L{}", "|": r"\textbar{}", "\u00a0": "~", "…": r"\ldots{}", "·": r"$\cdot$",
    "‘": "`", "’": "'", "“": "``", "”": "''", "°": r"$^\circ$",
}
#: Combining accents (NFD) -> LaTeX accent commands of the OT1 fonts.
_TEX_ACCENT = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0308": '"', "\u0304": "=",
    "\u0307": ".", "\u030b": "H", "\u030c": "v", "\u0306": "u", "\u0327": "c", "\u0328": "k",
    "\u030a": "r", "\u0323": "d",
}


def _tex_char(ch: str):
    """LaTeX for one character, or None when pdflatex cannot set it."""
    if ch in _TEX_SPECIAL:
        return _TEX_SPECIAL[ch]
    if ch in _TEX_UNICODE:
        return _TEX_UNICODE[ch]
    if " " <= ch <= "~":
        return ch
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    if " " <= base <= "~" and base.isalpha() and marks and all(m in _TEX_ACCENT for m in marks):
        out = base if base not in "ij" else "\\" + base
        for m in marks:
            cmd = _TEX_ACCENT[m]
            out = f"\\{cmd}{{{out}}}"
        return out
    folded = unicodedata.normalize("NFKC", ch)
    if folded != ch and all(" " <= c <= "~" or c in _TEX_UNICODE for c in folded):
        return "".join(_TEX_SPECIAL.get(c) or _TEX_UNICODE.get(c) or c for c in folded)
    return None


def latex_unsettable(s) -> list:
    """The distinct characters of ``s`` :func:`for_latex` writes as ``U+XXXX``, in order.

    >>> latex_unsettable("base 中文 Ａ é")
    ['中', '文']
    """
    return list(dict.fromkeys(ch for ch in str(s) if _tex_char(ch) is None))


def for_latex(s) -> str:
    r"""A name pdflatex sets in its default fonts: specials escaped, others transliterated.

    >>> for_latex("a_b & 50%"), for_latex("café"), for_latex("ＡＢ"), for_latex("中\x1b")
    ('a\\_b \\& 50\\%', "caf\\'{e}", 'AB', 'U+4E2D{}U+001B{}')
    """
    out = []
    for ch in str(s):
        tex = _tex_char(ch)
        out.append(tex if tex is not None else f"U+{ord(ch):04X}{{}}")
    return "".join(out).replace("$$", "")

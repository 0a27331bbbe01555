"""The lines of an uploaded file around a refusal, so a designer sees exactly where it is wrong."""
import codecs
from dataclasses import dataclass

CONTEXT_LINES = 3          # shown before and after the faulty line
MAX_LINE_CHARS = 240       # one-line files (minified XML) must not flood the page


@dataclass(frozen=True)
class SourceLine:
    """One numbered line of the excerpt; `faulty` marks the line the error points at."""

    number: int
    text: str
    faulty: bool
    clipped: bool


def excerpt(data, line, context=CONTEXT_LINES):
    """The lines `line - context` .. `line + context` of `data` (bytes), or [] without a line."""
    if not line or line < 1:
        return []
    # XML ends lines with LF, CRLF or CR and nothing else (str.splitlines knows more breaks).
    lines = _decode(data).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()     # the newline ending the last line starts no line of its own
    if line > len(lines):
        return []
    first, last = max(1, line - context), min(len(lines), line + context)
    return [_source_line(number, lines[number - 1], number == line)
            for number in range(first, last + 1)]


def _source_line(number, text, faulty):
    clipped = len(text) > MAX_LINE_CHARS
    return SourceLine(number, text[:MAX_LINE_CHARS].expandtabs(4), faulty, clipped)


def _decode(data):
    """Text as the engine counted its lines: BOM-aware, bad bytes shown as U+FFFD."""
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
                       (codecs.BOM_UTF8, "utf-8-sig")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    return data.decode("utf-8", errors="replace")

"""The excerpt of an uploaded file shown around a refusal."""
import codecs

from webapp.designer.source import MAX_LINE_CHARS, excerpt


def _numbers(lines):
    return [(line.number, line.faulty) for line in lines]


def test_excerpt_marks_the_faulty_line_among_three_neighbours_each_side():
    """Line 5 of ten comes with lines 2-8, only line 5 marked."""
    data = "\n".join(f"line {n}" for n in range(1, 11)).encode()
    lines = excerpt(data, 5)
    assert _numbers(lines) == [(n, n == 5) for n in range(2, 9)]
    assert lines[3].text == "line 5"


def test_excerpt_is_cut_at_the_file_edges_and_ignores_the_final_newline():
    """Line 1 shows lines 1-4; the newline ending the file adds no empty line."""
    data = b"a\nb\nc\nd\ne\n"
    assert _numbers(excerpt(data, 1)) == [(1, True), (2, False), (3, False), (4, False)]
    assert [line.number for line in excerpt(data, 5)] == [2, 3, 4, 5]


def test_no_excerpt_without_a_usable_line():
    """No line (0 or None) or a line past the end gives no excerpt."""
    assert excerpt(b"a\nb", 0) == [] and excerpt(b"a\nb", None) == []
    assert excerpt(b"a\nb", 9) == []


def test_crlf_cr_bom_and_bad_bytes_count_lines_as_xml_does():
    """CRLF and CR end lines, a UTF-16 BOM is honoured, a bad byte shows as U+FFFD."""
    assert excerpt(b"a\r\nb\rc", 3)[-1].text == "c"
    utf16 = codecs.BOM_UTF16_LE + "x\ny\u00e9".encode("utf-16-le")
    assert excerpt(utf16, 2)[-1].text == "y\u00e9"
    assert excerpt(b"ok\nR\xe9clamation", 2)[-1].text == "R\ufffdclamation"


def test_long_lines_are_clipped():
    """A minified one-line file shows its first characters and says it was clipped."""
    [line] = excerpt(b"<x>" + b"y" * 10_000, 1)
    assert len(line.text) == MAX_LINE_CHARS and line.clipped

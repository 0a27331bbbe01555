"""engine.xmlsafe: uploaded XML is parsed hardened; attacks are refused with FILE:LINE: message."""
import gzip
import re
import socket
import time
from pathlib import Path

import pytest
from lxml import etree

from engine import defaults, xmlsafe
from engine.errors import DefinitionError
from engine.xmlsafe import is_dmn, parse_xml

DATA = Path(__file__).resolve().parents[1] / "data"
ATTACKS = DATA / "attacks"
MINIMAL = DATA / "bpmn" / "minimal.bpmn"
# shared/ sits beside the checkout (CI clones the repo next to it)
MIWG = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "miwg"

NS = {"bpmn": xmlsafe.BPMN_NS, "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
BPMN_OPEN = f'<bpmn:definitions xmlns:bpmn="{xmlsafe.BPMN_NS}" id="d" targetNamespace="x">'
BPMN_CLOSE = '<bpmn:process id="p"><bpmn:startEvent id="s"/></bpmn:process></bpmn:definitions>'
DOCTYPE = xmlsafe.DOCTYPE_REFUSED
PASSWD_MARK = "root:"

REFUSED = [
    ("xxe_file.bpmn", DOCTYPE, 2),
    ("xxe_network.bpmn", DOCTYPE, 2),
    ("external_dtd.bpmn", DOCTYPE, 2),
    ("parameter_entity.bpmn", DOCTYPE, 2),
    ("billion_laughs.bpmn", DOCTYPE, 2),
    ("quadratic_blowup.bpmn", DOCTYPE, 2),
    ("xml_stylesheet.bpmn", "processing instruction <?xml-stylesheet?> is not allowed", 2),
    ("deep_nesting.bpmn", "elements nested too deeply: more than 256 levels", 259),
    ("not_xml.bpmn", "not well-formed XML: Start tag expected, '<' not found", 1),
    ("empty.bpmn", "empty file", 1),
    ("wrong_root.bpmn", "not a BPMN 2.0 or DMN file: root element is <svg> in namespace "
                        "http://www.w3.org/2000/svg", 3),
    ("malformed.bpmn", "not well-formed XML: Opening and ending tag mismatch: "
                       "userTask line 7 and process", 10),
    ("bad_encoding.bpmn", "bad encoding: byte 0xe9 is not valid UTF-8", 4),
]
INERT = ["xinclude.bpmn"]
DTD_ATTACKS = [name for name, message, _ in REFUSED if message == DOCTYPE]
NETWORK_ATTACKS = ["xxe_network.bpmn", "external_dtd.bpmn", "parameter_entity.bpmn",
                   "xml_stylesheet.bpmn"]


def refusal(data, filename="<upload>"):
    """The DefinitionError that parse_xml raises for data (fails the test when none)."""
    with pytest.raises(DefinitionError) as caught:
        parse_xml(data, filename)
    return caught.value


def line_of(path, fragment):
    """The 1-based line of the first occurrence of fragment in the file at path."""
    text = path.read_text("utf-8")
    return text.count("\n", 0, text.index(fragment)) + 1


def bpmn(body="", prolog=""):
    """A small valid BPMN document with `body` inside definitions and `prolog` before it."""
    return f"{prolog}{BPMN_OPEN}{body}{BPMN_CLOSE}"


@pytest.fixture
def listener():
    """A local TCP port that would notice any connection the parser attempted."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock
    sock.close()


def was_contacted(sock):
    """True when something connected to the listener."""
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


@pytest.fixture
def prescan_off(monkeypatch):
    """Switch off the DOCTYPE pre-scan, leaving the parser and the post-parse check."""
    monkeypatch.setattr(xmlsafe, "_refuse_doctype_in_prolog", lambda data, filename: None)


@pytest.fixture
def parser_only(prescan_off, monkeypatch):
    """Switch off both DOCTYPE checks so the lxml settings alone face the attack."""
    monkeypatch.setattr(xmlsafe, "_refuse_dtd", lambda tree, filename: None)


def aimed_at(name, listener):
    """The attack file's bytes with its 127.0.0.1:9 target moved to the listener's port."""
    port = listener.getsockname()[1]
    data = (ATTACKS / name).read_bytes()
    return data.replace(b"127.0.0.1:9/", b"127.0.0.1:%d/" % port)


# --- attack files ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, message, line", REFUSED, ids=[r[0] for r in REFUSED])
def test_attack_file_is_refused_with_located_message(name, message, line):
    """Each attack file is refused with a one-line FILE:LINE: message naming the fault."""
    err = refusal((ATTACKS / name).read_bytes(), name)
    assert (err.filename, err.line, err.message) == (name, line, message)
    assert str(err) == f"{name}:{line}: {message}"


def test_every_attack_file_has_an_expectation():
    """Every committed attack file (the sandbox's script_* aside) is listed in this module."""
    present = {p.name for p in ATTACKS.iterdir() if not p.name.startswith("script_")}
    assert present == {name for name, _, _ in REFUSED} | set(INERT)


def test_attack_files_are_small():
    """Attack fixtures stay small; the oversized upload is generated at test time."""
    assert all(p.stat().st_size < 200_000 for p in ATTACKS.iterdir())


@pytest.mark.parametrize("name", ["xxe_file.bpmn", "parameter_entity.bpmn"])
def test_file_entity_content_never_leaks(name):
    """The refusal of an external-entity attack quotes nothing of the local file."""
    assert PASSWD_MARK not in str(refusal((ATTACKS / name).read_bytes(), name))


@pytest.mark.parametrize("name", NETWORK_ATTACKS)
def test_network_attack_never_connects(name, listener):
    """Entities, DTDs and stylesheets aimed at a live local port are refused, never contacted."""
    refusal(aimed_at(name, listener), name)
    assert not was_contacted(listener)


@pytest.mark.parametrize("name", ["xxe_file.bpmn", "xxe_network.bpmn", "external_dtd.bpmn",
                                  "parameter_entity.bpmn"])
def test_doctype_missed_by_prescan_is_still_refused(name, prescan_off, listener):
    """Should the pre-scan ever miss a DOCTYPE, the parsed tree is refused for carrying one."""
    err = refusal(aimed_at(name, listener), name)
    assert err.message == DOCTYPE
    assert not was_contacted(listener)


@pytest.mark.parametrize("name", DTD_ATTACKS)
def test_parser_settings_alone_keep_dtd_attacks_inert(name, parser_only, listener):
    """Even with both DOCTYPE checks off, lxml expands nothing, reads no file, opens no socket."""
    data = aimed_at(name, listener)
    started = time.perf_counter()
    try:
        seen = etree.tostring(parse_xml(data, name), encoding="unicode")
    except DefinitionError as err:
        seen = str(err)
    assert time.perf_counter() - started < 1.0
    assert len(seen) < 2 * len(data)
    assert PASSWD_MARK not in seen
    assert not was_contacted(listener)


def test_xinclude_is_never_processed():
    """An xi:include of /etc/passwd parses as an inert element; the file is never read in."""
    tree = parse_xml((ATTACKS / "xinclude.bpmn").read_bytes(), "xinclude.bpmn")
    include = tree.find(".//{http://www.w3.org/2001/XInclude}include")
    assert include is not None and include.get("href") == "file:///etc/passwd"
    assert PASSWD_MARK not in etree.tostring(tree, encoding="unicode")


@pytest.mark.parametrize("as_text", [False, True], ids=["bytes", "str"])
def test_huge_file_is_refused_before_parsing(tmp_path, monkeypatch, as_text):
    """A file over MAX_XML_BYTES is refused on its size alone: the XML parser is never built."""
    path = tmp_path / "huge.bpmn"
    padding = b"<!--" + b"x" * defaults.MAX_XML_BYTES + b"-->\n"
    path.write_bytes(MINIMAL.read_bytes() + padding)
    data = path.read_text("utf-8") if as_text else path.read_bytes()

    def no_parser(*args, **kwargs):
        raise AssertionError("the XML parser was reached")

    monkeypatch.setattr(etree, "XMLParser", no_parser)
    started = time.perf_counter()
    err = refusal(data, "huge.bpmn")
    assert time.perf_counter() - started < 0.5
    size = path.stat().st_size
    assert str(err) == f"huge.bpmn:1: file too large: {size} bytes (limit 5 MiB)"


# --- prolog, encodings, limits --------------------------------------------------------------

@pytest.mark.parametrize("prolog, line", [
    ('<?xml version="1.0"?>\n<!-- exported -->\n<!DOCTYPE x>\n', 3),
    ("\ufeff<!DOCTYPE x>\n", 1),
    ("\n\n<!doctype x>\n", 3),
    ('<?xml version="1.0"?><?tool hint?>\n\n<!DOCTYPE x [<!ENTITY e "e">]>\n', 3),
], ids=["after-comment", "after-bom", "lower-case", "after-pi"])
def test_doctype_anywhere_in_prolog_is_refused_at_its_line(prolog, line):
    """A DOCTYPE behind a BOM, comments, blank lines or PIs is still refused at its own line."""
    err = refusal(bpmn(prolog=prolog).encode("utf-8"))
    assert (err.message, err.line) == (DOCTYPE, line)


def test_doctype_text_inside_a_script_is_not_mistaken_for_one():
    """'<!DOCTYPE' inside CDATA (an HTML e-mail template in a script) is ordinary text."""
    body = '<bpmn:scriptTask id="mail"><bpmn:script><![CDATA[html = "<!DOCTYPE html>"]]>' \
           "</bpmn:script></bpmn:scriptTask>"
    tree = parse_xml(bpmn(body))
    assert "<!DOCTYPE html>" in tree.findtext(".//bpmn:script", namespaces=NS)


def test_comments_and_processing_instructions_are_dropped():
    """Comments and PIs never reach SpiffWorkflow, which expects only elements as children."""
    tree = parse_xml(bpmn("<!-- note --><?tool hint?>", prolog="<!-- head -->\n"))
    assert tree.xpath("//comment() | //processing-instruction()") == []


@pytest.mark.parametrize("data", [
    bpmn('<bpmn:documentation>Réclamation</bpmn:documentation>',
         '<?xml version="1.0" encoding="ISO-8859-1"?>\n').encode("latin-1"),
    bpmn('<bpmn:documentation>Réclamation</bpmn:documentation>',
         '<?xml version="1.0" encoding="windows-1252"?>\n').encode("cp1252"),
    bpmn('<bpmn:documentation>Réclamation</bpmn:documentation>',
         '<?xml version="1.0" encoding="UTF-16"?>\n').encode("utf-16"),
    b"\xef\xbb\xbf" + bpmn('<bpmn:documentation>Réclamation</bpmn:documentation>',
                           '<?xml version="1.0"?>\n').encode("utf-8"),
    bpmn('<bpmn:documentation>Réclamation</bpmn:documentation>',
         '<?xml version="1.0" encoding="ISO-8859-1"?>\n'),
], ids=["latin-1", "windows-1252", "utf-16-bom", "utf-8-bom", "str-with-declaration"])
def test_declared_encodings_are_honoured(data):
    """Legitimate encodings (declared, by BOM, or already-decoded str) read the same text."""
    tree = parse_xml(data)
    assert tree.findtext(".//bpmn:documentation", namespaces=NS) == "Réclamation"
    assert tree.find(".//bpmn:process", namespaces=NS).sourceline == 2


@pytest.mark.parametrize("data, message, line", [
    (bpmn(prolog='<?xml version="1.0" encoding="UTF-16"?>\n').encode("ascii"),
     "the file declares encoding 'UTF-16' but is not written in it: save the file as UTF-8", 1),
    (bpmn(prolog='<?xml version="1.0" encoding="x-klingon"?>\n').encode("ascii"),
     "unsupported encoding 'x-klingon': save the file as UTF-8", 1),
    (bpmn(prolog='<?xml version="1.0" encoding="rot13"?>\n').encode("ascii"),
     "unsupported encoding 'rot13': save the file as UTF-8", 1),
    (bpmn(prolog='<?xml version="1.0" encoding="us-ascii"?>\n\n')
     .replace("id=\"p\"", "id=\"pé\"").encode("utf-8"),
     "bad encoding: byte 0xc3 is not valid ascii", 3),
    ("\n" + bpmn("<bpmn:documentation>\ud800</bpmn:documentation>"),
     "bad encoding: text contains an unpaired surrogate", 2),
    (bpmn().encode("utf-16-le"), "not well-formed XML", 1),
    (gzip.compress(bpmn().encode("utf-8")), "bad encoding: byte 0x8b is not valid UTF-8", 1),
], ids=["utf-16-claimed", "unknown", "not-a-text-codec", "not-ascii", "surrogate",
        "utf-16-without-bom", "gzip-never-inflated"])
def test_bad_encodings_are_refused(data, message, line):
    """Encodings that are unknown, false or violated are refused with a located message."""
    err = refusal(data)
    assert message in err.message
    assert err.line == line


@pytest.mark.parametrize("root, message", [
    ('<definitions xmlns="http://www.omg.org/bpmn20"/>',
     "root element is <definitions> in namespace http://www.omg.org/bpmn20"),
    ("<definitions/>", "root element is <definitions> without a namespace"),
    (f'<bpmn:process xmlns:bpmn="{xmlsafe.BPMN_NS}" id="p"/>',
     f"root element is <process> in namespace {xmlsafe.BPMN_NS}"),
])
def test_only_bpmn_or_dmn_definitions_roots_are_accepted(root, message):
    """A root other than BPMN 2.0 or DMN <definitions> is refused at the root's line."""
    err = refusal("\n" + root)
    assert err.message == f"not a BPMN 2.0 or DMN file: {message}"
    assert err.line == 2


def test_element_count_cap_names_the_first_element_over_it(monkeypatch):
    """Exactly MAX_XML_ELEMENTS elements parse; the next element is refused at its line."""
    elements = list(parse_xml(MINIMAL.read_bytes()).iter())
    monkeypatch.setattr(defaults, "MAX_XML_ELEMENTS", len(elements))
    parse_xml(MINIMAL.read_bytes())
    user_task = next(i for i, el in enumerate(elements) if el.tag.endswith("}userTask"))
    monkeypatch.setattr(defaults, "MAX_XML_ELEMENTS", user_task)
    err = refusal(MINIMAL.read_bytes(), "minimal.bpmn")
    line = line_of(MINIMAL, "<bpmn:userTask ")
    assert str(err) == f"minimal.bpmn:{line}: too many elements: more than {user_task}"


def test_lower_depth_cap_names_the_first_element_below_it(monkeypatch):
    """With MAX_XML_DEPTH lowered, the first element deeper than it is refused at its line."""
    monkeypatch.setattr(defaults, "MAX_XML_DEPTH", 3)
    err = refusal(MINIMAL.read_bytes(), "minimal.bpmn")
    fourth_level = line_of(MINIMAL, "<bpmn:outgoing>")   # definitions/process/startEvent/outgoing
    message = "elements nested too deeply: more than 3 levels"
    assert str(err) == f"minimal.bpmn:{fourth_level}: {message}"


@pytest.mark.parametrize("depth, refused", [(256, False), (257, True)])
def test_depth_limit_is_exactly_max_xml_depth(depth, refused):
    """A document MAX_XML_DEPTH levels deep parses; one level more is refused."""
    assert defaults.MAX_XML_DEPTH == 256
    nested = depth - 2   # definitions and process are the first two levels
    body = '<bpmn:process id="p">' + "<bpmn:subProcess>\n" * nested \
        + "</bpmn:subProcess>" * nested + "</bpmn:process>"
    data = bpmn(body)
    if refused:
        assert refusal(data).line == nested
    else:
        parse_xml(data)


# --- legitimate files -----------------------------------------------------------------------

def test_minimal_bpmn_parses_and_keeps_line_numbers():
    """A Camunda-Modeler-style file parses; elements carry the line they were written on."""
    tree = parse_xml(MINIMAL.read_bytes(), "minimal.bpmn")
    assert tree.getroot().tag == f"{{{xmlsafe.BPMN_NS}}}definitions"
    process = tree.find("bpmn:process", NS)
    assert process.get("id") == "minimal"
    assert process.sourceline == line_of(MINIMAL, '<bpmn:process id="minimal"')
    assert tree.find(".//bpmn:userTask", NS).sourceline == line_of(MINIMAL, "<bpmn:userTask ")
    assert tree.find(".//bpmndi:BPMNDiagram", NS) is not None
    assert not is_dmn(tree)


def test_str_upload_parses_like_bytes():
    """A str upload gives the same tree as the bytes it came from."""
    as_bytes = etree.tostring(parse_xml(MINIMAL.read_bytes()))
    assert etree.tostring(parse_xml(MINIMAL.read_text("utf-8"))) == as_bytes


@pytest.mark.parametrize("namespace", sorted(xmlsafe.DMN_NAMESPACES))
def test_dmn_definitions_are_accepted_and_recognised(namespace):
    """DMN 1.1, 1.2 and 1.3 definitions parse and is_dmn says so, for tree and root."""
    tree = parse_xml(f'<definitions xmlns="{namespace}" id="fees" name="Fees" namespace="x">'
                     '<decision id="fee" name="Fee"/></definitions>')
    assert is_dmn(tree) and is_dmn(tree.getroot())


def test_definition_error_prints_as_one_cli_line():
    """str(DefinitionError) is the single line FILE:LINE: message that the CLI prints."""
    path = str(ATTACKS / "malformed.bpmn")
    err = refusal((ATTACKS / "malformed.bpmn").read_bytes(), path)
    assert str(err) == (f"{path}:10: not well-formed XML: "
                        "Opening and ending tag mismatch: userTask line 7 and process")
    assert re.fullmatch(r"[^\n]+:\d+: [^\n]+", str(err))


def test_miwg_corpus_parses():
    """Every BPMN MIWG reference file (many modelling tools, several encodings) parses."""
    if not MIWG.is_dir():
        pytest.skip(f"MIWG corpus not found at {MIWG}")
    files = sorted(MIWG.glob("*.bpmn"))
    assert files
    failures = {}
    for path in files:
        try:
            tree = parse_xml(path.read_bytes(), path.name)
        except DefinitionError as err:
            failures[path.name] = str(err)
            continue
        assert not is_dmn(tree)
        assert tree.getroot().tag == f"{{{xmlsafe.BPMN_NS}}}definitions"
    assert failures == {}

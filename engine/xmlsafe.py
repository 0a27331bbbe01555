"""The one place uploaded BPMN/DMN XML is parsed: hardened lxml, caps, and located errors.

Uploads are untrusted. Before lxml sees a byte the file is size-checked, decoded by Python
(so the DOCTYPE scan and libxml2 read exactly the same characters) and its prolog is scanned
for a DOCTYPE, so entity tricks (XXE, billion laughs) are refused before any expansion. The
parser itself has DTDs, entities and network off, and the tree is then checked again.
XInclude is never processed: nothing here calls ``xinclude()``.
"""

import codecs
import re
from itertools import islice

from lxml import etree

from . import defaults
from .errors import DefinitionError

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_NAMESPACES = frozenset({
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
})

DOCTYPE_REFUSED = "DOCTYPE and entity declarations are not allowed"

# libxml2 refuses deeper documents by itself unless huge_tree is on, so a larger
# MAX_XML_DEPTH cannot take effect; messages quote the limit that really applies.
_LIBXML2_MAX_DEPTH = 256

# A BOM outranks the declaration (XML 1.0, appendix F). UTF-32 first: its LE BOM
# starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED_ENCODING = re.compile(
    rb"<\?xml\s[^>]*?encoding\s*=\s*[\"']([A-Za-z][A-Za-z0-9._-]*)[\"']")
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_LIBXML2_HINT = re.compile(r",?\s*(?:see xmlCtxt\w+|use XML_PARSE_\w+ option)\.?$")


def parse_xml(data: bytes | str, filename: str = "<upload>") -> etree._ElementTree:
    """Parse an uploaded BPMN/DMN file safely, or raise DefinitionError naming file and line."""
    utf8 = _as_utf8(data, filename)
    if not utf8 or utf8.isspace():
        raise DefinitionError("empty file", filename, 1)
    _refuse_doctype_in_prolog(utf8, filename)
    tree = _parse(utf8, filename)
    _refuse_dtd(tree, filename)
    root = tree.getroot()
    _check_root(root, filename)
    _check_limits(root, filename)
    return tree


def is_dmn(tree) -> bool:
    """True when the tree (or element) is a DMN definitions document rather than BPMN."""
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    return etree.QName(root).namespace in DMN_NAMESPACES


def _as_utf8(data, filename):
    """The upload as UTF-8 bytes without BOM, refused when too large or not in its encoding."""
    if isinstance(data, str):
        return _encode_text(data, filename)
    data = bytes(data)
    _check_size(len(data), filename)
    encoding = _source_encoding(data, filename)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        raise DefinitionError(f"bad encoding: byte 0x{data[err.start]:02x} is not valid "
                              f"{_label(encoding)}", filename, _line_at(data, err.start)) from None
    except UnicodeError:
        # Codecs such as idna pass the ASCII probe but are no document encoding.
        raise _unsupported_encoding(encoding, filename) from None
    # Valid UTF-8 needs no copy; anything else is re-encoded so libxml2 reads only UTF-8.
    return data if encoding == "utf-8" else text.encode("utf-8")


def _encode_text(text, filename):
    """A str upload is already decoded: its XML declaration's encoding no longer applies."""
    try:
        data = text.removeprefix("\ufeff").encode("utf-8")
    except UnicodeEncodeError as err:
        raise DefinitionError("bad encoding: text contains an unpaired surrogate", filename,
                              text.count("\n", 0, err.start) + 1) from None
    _check_size(len(data), filename)
    return data


def _check_size(size, filename):
    limit = defaults.MAX_XML_BYTES
    if size > limit:
        raise DefinitionError(f"file too large: {size} bytes (limit {limit / 2**20:g} MiB)",
                              filename, 1)


def _source_encoding(data, filename):
    """Python codec name for the bytes: BOM first, then the XML declaration, else UTF-8."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    match = _DECLARED_ENCODING.match(data)
    if match is None:
        return "utf-8"
    name = match.group(1).decode("ascii")
    try:
        codec = codecs.lookup(name).name
        ascii_compatible = "<?xml".encode(codec) == b"<?xml"
    except (LookupError, UnicodeError):
        raise _unsupported_encoding(name, filename) from None
    # The declaration was readable as ASCII, so a UTF-16/UTF-32/EBCDIC claim is false.
    if not ascii_compatible:
        raise DefinitionError(f"the file declares encoding {name!r} but is not written in it: "
                              "save the file as UTF-8", filename, 1)
    return codec


def _unsupported_encoding(name, filename):
    return DefinitionError(f"unsupported encoding {name!r}: save the file as UTF-8", filename, 1)


def _label(codec):
    return "UTF-8" if codec in ("utf-8", "utf-8-sig") else codec


def _refuse_doctype_in_prolog(utf8, filename):
    """Refuse a DOCTYPE (or a stylesheet instruction) before the root, without parsing."""
    pos = 0
    while match := _PROLOG_ITEM.match(utf8, pos):
        if match.group().startswith(b"<?xml-stylesheet"):
            raise DefinitionError("processing instruction <?xml-stylesheet?> is not allowed",
                                  filename, _line_at(utf8, pos))
        pos = match.end()
    if utf8[pos:pos + 9].upper() == b"<!DOCTYPE":
        raise DefinitionError(DOCTYPE_REFUSED, filename, _line_at(utf8, pos))


def _line_at(data, pos):
    return data.count(b"\n", 0, pos) + 1


def _parse(utf8, filename):
    """Run the hardened lxml parser; syntax errors become DefinitionError at lxml's line."""
    parser = etree.XMLParser(
        encoding="utf-8",        # _as_utf8 already decoded; never let libxml2 guess again
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,         # keeps libxml2's own depth and text-size limits on
        # SpiffWorkflow iterates children and calls .tag.endswith(): comments and
        # processing instructions there would crash it, and no BPMN meaning is lost.
        remove_comments=True,
        remove_pis=True,
    )
    try:
        return etree.fromstring(utf8, parser).getroottree()
    except etree.XMLSyntaxError as err:
        # parser.error_log holds this parse only (err.error_log keeps earlier ones too),
        # and its first entry is the cause rather than a consequence.
        if len(parser.error_log):
            first = parser.error_log[0]
            raise _syntax_error(first.message, first.line, filename) from err
        raise _syntax_error(err.msg, err.lineno, filename) from err


def _syntax_error(message, line, filename):
    lines = (message or "").strip().splitlines()
    message = _LIBXML2_HINT.sub("", lines[0]) if lines else "unreadable document"
    if message.startswith("Excessive depth"):
        return _too_deep(filename, line or 1)
    return DefinitionError(f"not well-formed XML: {message}", filename, line or 1)


def _too_deep(filename, line):
    limit = min(defaults.MAX_XML_DEPTH, _LIBXML2_MAX_DEPTH)
    return DefinitionError(f"elements nested too deeply: more than {limit} levels", filename, line)


def _refuse_dtd(tree, filename):
    """Second line of defence: the prolog scan should already have refused any DOCTYPE."""
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise DefinitionError(DOCTYPE_REFUSED, filename, 1)


def _check_limits(root, filename):
    """Refuse more than MAX_XML_ELEMENTS elements or deeper than MAX_XML_DEPTH levels."""
    limit = defaults.MAX_XML_ELEMENTS
    extra = next(islice(root.iter(etree.Element), limit, None), None)
    if extra is not None:
        raise DefinitionError(f"too many elements: more than {limit}", filename,
                              extra.sourceline)
    depth = defaults.MAX_XML_DEPTH
    if depth < _LIBXML2_MAX_DEPTH:
        # An absolute path of depth+1 steps walks each level once, in C.
        too_deep = root.xpath("(" + "/*" * (depth + 1) + ")[1]")
        if too_deep:
            raise _too_deep(filename, too_deep[0].sourceline)


def _check_root(root, filename):
    """Only BPMN 2.0 and DMN definitions documents are accepted."""
    name = etree.QName(root)
    if name.localname == "definitions" and (name.namespace == BPMN_NS
                                            or name.namespace in DMN_NAMESPACES):
        return
    where = f" in namespace {name.namespace}" if name.namespace else " without a namespace"
    raise DefinitionError(f"not a BPMN 2.0 or DMN file: root element is <{name.localname}>{where}",
                          filename, root.sourceline)

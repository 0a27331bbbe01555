"""Deploying: versions and checksums, pinned instances, located refusals, attacks, the MIWG corpus."""

from pathlib import Path

import pytest

from engine import DefinitionError
from engine.store import ProcessDefinition

from .conftest import DATA, TENANT, bpmn, deploy, only_task

ATTACKS = DATA / "attacks"
MIWG = Path(__file__).resolve().parents[4] / "shared" / "corpora" / "miwg"
SCRIPT_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="hostile" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>a</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="x" name="Innocent looking"><bpmn:incoming>a</bpmn:incoming><bpmn:outgoing>b</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="e"><bpmn:incoming>b</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="x" />
    <bpmn:sequenceFlow id="b" sourceRef="x" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>
"""
SCRIPT_LINE = 6   # the line of <bpmn:script> in the template


def versions(eng, key):
    return [d.version for d in eng.definition_versions(TENANT, key)]


def test_deploy_creates_version_one_and_identical_redeploy_none(eng):
    """Identical XML deployed twice keeps one version and says it was unchanged."""
    [first] = deploy(eng, "claim_review.bpmn")
    assert (str(first), first.created) == ("claim_review v1", True)
    [again] = deploy(eng, "claim_review.bpmn")
    assert (str(again), again.created) == ("claim_review v1 (unchanged)", False)
    assert versions(eng, "claim_review") == [1]


def test_changed_xml_is_a_new_version_and_running_instances_stay_pinned(eng, clock):
    """An instance started on v1 keeps running v1 after v2 is deployed."""
    deploy(eng, "claim_review.bpmn")
    old = eng.start("claim_review", "OCC-1", {"amount": 10}, TENANT)
    changed = bpmn("claim_review.bpmn").replace(b'name="Review claim"', b'name="Check claim"')
    [v2] = eng.deploy(changed, "claim_review.bpmn", TENANT)
    assert str(v2) == "claim_review v2"
    new = eng.start("claim_review", "OCC-2", {"amount": 10}, TENANT)
    assert only_task(eng, old).name == "Review claim"
    assert only_task(eng, new).name == "Check claim"
    eng.complete(only_task(eng, old).id, "agent", {"approved": True})
    assert eng.instance(old).status == "completed"
    assert versions(eng, "claim_review") == [2, 1]


def test_specs_are_rebuilt_from_the_database_after_a_restart(eng, restart, clock):
    """A fresh engine (empty spec cache) runs both versions from their stored XML."""
    deploy(eng, "claim_review.bpmn")
    iid = eng.start("claim_review", "OCC-3", {"amount": 10}, TENANT)
    fresh = restart()
    fresh.complete(only_task(fresh, iid).id, "agent", {"approved": False})
    assert fresh.instance(iid).status == "completed"


def test_dry_run_validates_and_stores_nothing(eng):
    """A dry run reports the version it would create and writes no definition."""
    [preview] = eng.deploy(bpmn("claim_review.bpmn"), "claim_review.bpmn", TENANT, dry_run=True)
    assert str(preview) == "claim_review v1"
    assert eng.definitions(TENANT) == []


def test_definitions_record_checksum_source_and_tenant(eng):
    """A definition row keeps the checksum, file name, tenant and deployer."""
    deploy(eng, "claim_review.bpmn")
    with eng.reading() as session:
        row = session.query(ProcessDefinition).one()
    assert (row.tenant, row.key, row.filename, row.deployed_by) == (
        TENANT, "claim_review", "claim_review.bpmn", "designer")
    assert len(row.checksum) == 64


def test_malformed_file_is_refused_with_its_line(eng):
    """Broken XML is refused as `FILE:LINE: message` on one line."""
    with pytest.raises(DefinitionError) as err:
        eng.deploy((ATTACKS / "malformed.bpmn").read_bytes(), "malformed.bpmn", TENANT)
    text = str(err.value)
    assert text.startswith("malformed.bpmn:") and err.value.line > 1
    assert "\n" not in text
    assert eng.definitions(TENANT) == []


@pytest.mark.parametrize("name", sorted(p.name for p in ATTACKS.glob("*.bpmn")
                                        if p.name != "xinclude.bpmn"))
def test_xml_attack_files_are_refused_at_deploy(eng, name):
    """Every hostile XML file is refused with a located one-line reason and stores nothing."""
    with pytest.raises(DefinitionError) as err:
        eng.deploy((ATTACKS / name).read_bytes(), name, TENANT)
    assert str(err.value).startswith(f"{name}:")
    assert "root:" not in str(err.value)        # /etc/passwd never leaks into a message
    assert eng.definitions(TENANT) == []


def test_huge_file_is_refused_before_parsing(eng):
    """A file over 5 MiB is refused by size."""
    padding = b"<!-- " + b"x" * (5 * 1024 * 1024) + b" -->"
    data = bpmn("claim_review.bpmn").replace(b"<bpmn:process", padding + b"<bpmn:process", 1)
    with pytest.raises(DefinitionError, match="file too large"):
        eng.deploy(data, "huge.bpmn", TENANT)


@pytest.mark.parametrize("snippet,message", [
    ("script_import_os.py", "import"),
    ("script_dunder_import.py", "__import__"),
    ("script_mro_walk.py", "__subclasses__"),
    ("script_pow_bomb.py", "exponent too large"),
    ("script_format_string.py", "format"),
])
def test_hostile_scripts_are_refused_at_deploy(eng, snippet, message):
    """Scripts that import, walk dunders, format-string or power-bomb never get deployed."""
    script = (ATTACKS / snippet).read_text()
    xml = SCRIPT_TEMPLATE.format(script=script.replace("&", "&amp;").replace("<", "&lt;"))
    with pytest.raises(DefinitionError) as err:
        eng.deploy(xml.encode(), "hostile.bpmn", TENANT)
    assert message in err.value.message
    assert "script refused" in err.value.message
    assert SCRIPT_LINE <= err.value.line < SCRIPT_LINE + script.count("\n") + 1
    assert eng.definitions(TENANT) == []


def test_unknown_called_process_is_refused(eng):
    """A call activity to a process nobody deployed names it and its line."""
    xml = SCRIPT_TEMPLATE.replace(
        '<bpmn:scriptTask id="x" name="Innocent looking">',
        '<bpmn:callActivity id="x" calledElement="nowhere">').replace(
        "</bpmn:scriptTask>", "</bpmn:callActivity>").format(script="")
    with pytest.raises(DefinitionError, match="process 'nowhere' is not deployed") as err:
        eng.deploy(xml.encode(), "caller.bpmn", TENANT)
    assert err.value.line == SCRIPT_LINE - 1


def test_non_executable_diagram_is_refused(eng):
    """A diagram with only non-executable processes says how to fix it."""
    xml = bpmn("claim_review.bpmn").replace(b'isExecutable="true"', b'isExecutable="false"')
    with pytest.raises(DefinitionError, match='isExecutable="true"'):
        eng.deploy(xml, "draft.bpmn", TENANT)


@pytest.mark.skipif(not MIWG.is_dir(), reason="shared/corpora/miwg not beside the checkout")
@pytest.mark.parametrize("path", sorted(MIWG.glob("*.bpmn")) if MIWG.is_dir() else [],
                         ids=lambda p: p.name)
def test_miwg_reference_model_deploys_or_is_refused_with_a_located_reason(eng, path):
    """Each MIWG model from a real modelling tool deploys, or is refused as FILE:LINE: reason."""
    try:
        deployed = eng.deploy(path.read_bytes(), path.name, TENANT)
    except DefinitionError as err:
        text = str(err)
        assert text.startswith(f"{path.name}:") and "\n" not in text
        assert err.line and err.line > 0, text
        assert len(err.message) > 10
    else:
        assert deployed and all(d.version == 1 for d in deployed)


@pytest.mark.parametrize("element_id, reserved, line", [
    ("start", "Start", 14), ("end", "End", 23), ("review", "review.EndJoin", 18)])
def test_element_ids_the_engine_uses_itself_are_refused(eng, element_id, reserved, line):
    """A start event called "Start" would replace the engine's own start and leave the process
    with no path: refused at its line instead of ending every instance at once."""
    xml = bpmn("minimal.bpmn").replace(f'"{element_id}"'.encode(), f'"{reserved}"'.encode())
    with pytest.raises(DefinitionError) as err:
        eng.deploy(xml, "minimal.bpmn", TENANT, actor="designer")
    assert str(err.value) == (f"minimal.bpmn:{line}: id '{reserved}' is reserved by the engine; "
                              "give the element another id")
    assert eng.definitions(TENANT) == []

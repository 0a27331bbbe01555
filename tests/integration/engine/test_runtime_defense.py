"""Second line of defence: hostile scripts that got past deploy become incidents, never run.

A definition can reach run time without today's deploy checks (deployed by an older, laxer
release, or inserted by hand). The sandbox must still refuse it when it runs.
"""

import pytest

from engine import sandbox

from .conftest import DATA, TENANT
from .test_deploy import SCRIPT_TEMPLATE

SNIPPETS = {
    "script_import_os.py": "import",
    "script_dunder_import.py": "__import__",
    "script_mro_walk.py": "not allowed",
    "script_pow_bomb.py": "exponent too large",
    "script_format_string.py": "format",
    "script_infinite_loop.py": "endless loop",
}


@pytest.fixture
def lax_deploy(monkeypatch):
    """Deploy with the static script check switched off, as an older release would have."""
    def deploy(eng, xml):
        with monkeypatch.context() as patch:
            patch.setattr(sandbox, "check_script", lambda source: None)
            return eng.deploy(xml.encode(), "hostile.bpmn", TENANT)
    return deploy


@pytest.mark.parametrize("snippet", sorted(SNIPPETS))
def test_hostile_script_at_run_time_is_an_incident_and_has_no_effect(eng, restart, clock,
                                                                      lax_deploy, snippet):
    """The script task fails into an incident; none of its variables are ever written."""
    script = (DATA / "attacks" / snippet).read_text()
    lax_deploy(eng, SCRIPT_TEMPLATE.format(
        script=script.replace("&", "&amp;").replace("<", "&lt;")))
    fresh = restart()                       # specs re-parsed from the database
    iid = fresh.start("hostile", "H-1", tenant=TENANT)
    [incident] = fresh.incidents(TENANT)
    assert incident.task_name == "Innocent looking"
    assert SNIPPETS[snippet] in incident.message
    assert incident.instance_id == iid
    variables = fresh.instance(iid).variables
    assert not {"listing", "classes", "names", "fee", "leak", "count"} & set(variables)
    assert fresh.instance(iid).status == "running"

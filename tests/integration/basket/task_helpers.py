"""Helpers of the task page tests: a frozen clock, demo cases, logged-in clients, upload files."""
import struct
import zlib
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine

from processes.accounts import services as accounts
from webapp.extensions import db as _db

DATA = Path(__file__).resolve().parents[2] / "data" / "bpmn"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)      # Monday, 10:00 in Brussels (CET)

# Every camunda:formData field type and constraint the task page renders.
FIELDS_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="Definitions_permit_request" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="permit_request" name="Permit request" isExecutable="true">
    <bpmn:extensionElements>
      <camunda:properties>
        <camunda:property name="basketColumns" value="plate, zone" />
      </camunda:properties>
    </bpmn:extensionElements>
    <bpmn:startEvent id="start"><bpmn:outgoing>s1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="check" name="Approve permit" camunda:candidateGroups="back-office"
                   camunda:dueDate="PT3H" camunda:priority="20">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="plate" label="Plate" type="string">
            <camunda:validation><camunda:constraint name="readonly" /></camunda:validation>
          </camunda:formField>
          <camunda:formField id="reason" label="Reason" type="string">
            <camunda:validation>
              <camunda:constraint name="required" />
              <camunda:constraint name="minlength" config="3" />
              <camunda:constraint name="maxlength" config="20" />
            </camunda:validation>
          </camunda:formField>
          <camunda:formField id="nights" label="Nights" type="long" defaultValue="2">
            <camunda:validation>
              <camunda:constraint name="min" config="1" />
              <camunda:constraint name="max" config="14" />
            </camunda:validation>
          </camunda:formField>
          <camunda:formField id="urgent" label="Urgent" type="boolean" />
          <camunda:formField id="approved" label="Approve?" type="boolean">
            <camunda:validation><camunda:constraint name="required" /></camunda:validation>
          </camunda:formField>
          <camunda:formField id="valid_until" label="Valid until" type="date">
            <camunda:validation>
              <camunda:constraint name="min" config="2026-01-01" />
              <camunda:constraint name="max" config="2026-12-31" />
            </camunda:validation>
          </camunda:formField>
          <camunda:formField id="zone" label="Zone" type="enum">
            <camunda:validation><camunda:constraint name="required" /></camunda:validation>
            <camunda:value id="north" name="North car park" />
            <camunda:value id="south" name="South car park" />
          </camunda:formField>
        </camunda:formData>
      </bpmn:extensionElements>
      <bpmn:incoming>s1</bpmn:incoming>
      <bpmn:outgoing>s2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>s2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="s1" sourceRef="start" targetRef="check" />
    <bpmn:sequenceFlow id="s2" sourceRef="check" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def frozen_clock():
    """The clock stands still at T0 (10:00 in Brussels) until the test moves it."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def upload_dir(app, tmp_path):
    """Uploads of `app` go to tmp_path/uploads (never to the repository's instance folder)."""
    folder = tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = str(folder)
    return folder


def stored_files(folder):
    """Every file stored under an upload folder, as paths relative to it."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def engine_of(app):
    """The app's workflow Engine (usable without an app context)."""
    return app.extensions["parkops"]


def start_claim_review(app, tenant="demo", business_key="OCC-0042", amount=1200):
    """Deploy claim_review.bpmn (once) and start a case; returns its open 'Review claim' task."""
    eng = engine_of(app)
    if not eng.definition_versions(tenant, "claim_review"):
        eng.deploy((DATA / "claim_review.bpmn").read_bytes(), "claim_review.bpmn", tenant,
                   "designer")
    instance_id = eng.start("claim_review", business_key, {"amount": amount}, tenant, "designer")
    return open_task(app, instance_id)


def start_permit_request(app, tenant="demo"):
    """Deploy the every-field-type diagram (once) and start a case; returns its open task."""
    eng = engine_of(app)
    if not eng.definition_versions(tenant, "permit_request"):
        eng.deploy(FIELDS_BPMN, "permit_request.bpmn", tenant, "designer")
    instance_id = eng.start("permit_request", "PRM-7", {"plate": "1-ABC-123", "zone": "north"},
                            tenant, "designer")
    return open_task(app, instance_id)


def open_task(app, instance_id):
    """The single open task of a case."""
    tasks = [t for t in engine_of(app).instance_tasks(instance_id) if t.status == "open"]
    assert len(tasks) == 1, [t.name for t in tasks]
    return tasks[0]


def add_user(app, tenant_key, username, roles, tenant_name=None):
    """Create a user (password = user name), and its tenant when missing."""
    with app.app_context():
        tenant = accounts.get_tenant(_db.session, tenant_key) or accounts.create_tenant(
            _db.session, tenant_key, tenant_name or tenant_key.title())
        accounts.create_user(_db.session, tenant, username, username, roles=roles)
        _db.session.commit()


def seed_demo_users(app):
    """Create every table and the demo tenant's users in an app made by `make_app`."""
    with app.app_context():
        _db.create_all()
        accounts.seed_demo(_db.session)
        _db.session.commit()


def log_in(app, username, tenant="demo"):
    """A new test client of `app`, logged in as `username` (password = user name)."""
    client = app.test_client()
    data = {"tenant": tenant, "username": username, "password": username}
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = FormControls(login_page).controls.get("csrf_token")
    if token:   # only when the app has CSRF switched on
        data["csrf_token"] = token[0]["value"]
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def task_url(task, action=""):
    """URL of a task page, or of one of its actions ('claim', 'complete'...)."""
    return f"/basket/tasks/{task.id}" + (f"/{action}" if action else "")


def png_bytes():
    """A real 1x1 PNG image."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


# The start of a Windows program ("MZ" header): what a renamed .exe really is.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 240


class FormControls(HTMLParser):
    """Every input/select/textarea of a page by name: a list of attribute dicts each."""

    def __init__(self, html):
        super().__init__()
        self.controls, self.options = {}, {}
        self._select = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea") and "name" in attrs:
            self.controls.setdefault(attrs["name"], []).append(dict(attrs, tag=tag))
        if tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select:
            self.options.setdefault(self._select, []).append(attrs)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None

    def one(self, name):
        """The single control called `name`."""
        found = self.controls.get(name, [])
        assert len(found) == 1, (name, found)
        return found[0]

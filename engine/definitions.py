"""Deploying definitions (versioned, checksummed, per tenant) and the in-memory spec cache."""

import hashlib
import threading
from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import bindparam, func, select

from . import audit, camunda, clock, starttimers
from .errors import DefinitionError, NotFound
from .parsing import parse_files
from .prepared import Prepared
from .store import Deployment, ProcessDefinition
from .xmlsafe import is_dmn, parse_xml

BPMN = f"{{{camunda.BPMN_NS}}}"


@dataclass(frozen=True)
class Deployed:
    """What deploy() reports per process or decision key."""

    key: str
    version: int
    name: str | None
    created: bool
    kind: str = "bpmn"

    def __str__(self):
        return f"{self.key} v{self.version}" + ("" if self.created else " (unchanged)")


def latest(session, tenant, key, kind="bpmn"):
    """The newest definition of `key` in `tenant`, or None."""
    return session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.tenant == tenant, ProcessDefinition.key == key,
               ProcessDefinition.kind == kind)
        .order_by(ProcessDefinition.version.desc()).limit(1)).first()


def deploy(session, data, filename, tenant, actor=None, handlers=None, dry_run=False):
    """Validate one file (with its deployed dependencies) and store new versions of its keys."""
    tree = parse_xml(data, filename)
    deps = _dependencies(session, tenant, tree, filename)
    files = [(filename, data)] + [(d["filename"], d["source"]) for d in deps]
    bundle = parse_files(files, handlers=handlers)
    own_checksum = _checksum([data] + [d["source"] for d in deps])
    if is_dmn(tree):
        items = [(key, name, "dmn", None) for key, (name, fn) in bundle.decisions.items()
                 if fn == filename]
    else:
        items = [(p.key, p.name, "bpmn", p) for p in bundle.processes.values()
                 if p.filename == filename]
    if dry_run:
        return [_preview(session, tenant, key, name, kind, own_checksum)
                for key, name, kind, _ in items]
    return _store(session, tenant, actor, files, items, own_checksum)


def _preview(session, tenant, key, name, kind, checksum):
    current = latest(session, tenant, key, kind)
    if current is not None and current.checksum == checksum:
        return Deployed(key, current.version, name, False, kind)
    return Deployed(key, (current.version if current else 0) + 1, name, True, kind)


def _store(session, tenant, actor, files, items, checksum):
    now = clock.now()
    deployment = None
    results = []
    for key, name, kind, parsed in items:
        current = latest(session, tenant, key, kind)
        if current is not None and current.checksum == checksum:
            results.append(Deployed(key, current.version, name, False, kind))
            continue
        if deployment is None:
            deployment = Deployment(tenant=tenant, deployed_at=now, deployed_by=actor,
                                    files=[{"filename": f, "source": _text(d)} for f, d in files])
            session.add(deployment)
            session.flush()
        version = (current.version if current else 0) + 1
        definition = ProcessDefinition(
            tenant=tenant, key=key, kind=kind, version=version, name=name,
            filename=files[0][0], checksum=checksum, deployment_id=deployment.id,
            deployed_at=now, deployed_by=actor,
            start_form=(parsed.start_form or None) if parsed else None,
            start_messages=(parsed.start_messages or None) if parsed else None,
            **_settings(parsed))
        session.add(definition)
        if kind == "bpmn":
            session.flush()
            starttimers.replace(session, tenant, key, definition.id,
                                starttimers.schedules(parsed, now))
        audit.record(session, tenant, "definition_deployed", actor=actor,
                     key=key, version=version, definition_kind=kind)
        results.append(Deployed(key, version, name, True, kind))
    return results


def _settings(parsed):
    """Per-process settings from the diagram: `sla` (ISO duration) and `basketColumns`."""
    props = parsed.properties if parsed else {}
    columns = camunda.split_list(props.get("basketColumns"))
    return {"sla_seconds": _seconds(props.get("sla")), "basket_columns": columns or None}


def _seconds(duration):
    if not duration:
        return None
    parsed = TimerEventDefinition.parse_iso_duration(duration.strip())
    return int(TimerEventDefinition.get_timedelta_from_start(parsed, clock.now()).total_seconds())


def _text(data):
    return data.decode("utf-8") if isinstance(data, bytes) else data


def _checksum(sources):
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source if isinstance(source, bytes) else source.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _dependencies(session, tenant, tree, filename):
    """Files of already deployed definitions that this file calls or decides with."""
    root = tree.getroot()
    own = {n.get("id") for n in root.iter(f"{BPMN}process")}
    wanted = []
    for node in root.iter(f"{BPMN}callActivity"):
        ref = node.get("calledElement")
        if ref and ref not in own:
            wanted.append(("bpmn", ref, node.sourceline))
    for node in root.iter(f"{BPMN}businessRuleTask"):
        ref = node.get(f"{{{camunda.CAMUNDA_NS}}}decisionRef")
        if ref:
            wanted.append(("dmn", ref, node.sourceline))
    files, seen = [], set()
    for kind, ref, line in wanted:
        found = latest(session, tenant, ref, kind)
        if found is None:
            what = "process" if kind == "bpmn" else "decision"
            raise DefinitionError(f"{what} '{ref}' is not deployed in this tenant; "
                                  "deploy it first", filename, line)
        if found.deployment_id not in seen:
            seen.add(found.deployment_id)
            files.extend(session.get(Deployment, found.deployment_id).files)
    return _unique_files(files, filename)


def _unique_files(files, own_filename):
    unique = {}
    for item in files:
        if item["filename"] != own_filename:
            unique.setdefault(item["filename"], item)
    return list(unique.values())


@dataclass(frozen=True)
class Runnable:
    """A deployed definition's immutable facts with its parsed spec: all a run needs from it."""

    id: int
    tenant: str
    key: str
    version: int
    sla_seconds: int | None
    parsed: object          # parsing.ParsedProcess


class SpecCache:
    """Runnables by definition id; a definition never changes once deployed, so no invalidation."""

    def __init__(self):
        self._by_definition = {}
        self._lock = threading.Lock()

    def get(self, definition_id):
        """The Runnable of a definition id if it was parsed here already, else None."""
        return self._by_definition.get(definition_id)

    def runnable(self, session, definition_id):
        """The Runnable of a definition id: a dict lookup once its deployment was parsed here."""
        cached = self._by_definition.get(definition_id)
        if cached is not None:
            return cached
        definition = session.get(ProcessDefinition, definition_id)
        if definition is None:
            raise NotFound(f"process definition {definition_id} not found")
        deployment = session.get(Deployment, definition.deployment_id)
        bundle = parse_files([(f["filename"], f["source"]) for f in deployment.files],
                             checks=False)
        parsed = bundle.processes.get(definition.key)
        if parsed is None:
            raise NotFound(f"process '{definition.key}' missing from its deployment")
        cached = Runnable(definition.id, definition.tenant, definition.key, definition.version,
                          definition.sla_seconds, parsed)
        with self._lock:
            self._by_definition[definition_id] = cached
        return cached


def latest_id(session, tenant, key, kind="bpmn"):
    """The id of the newest definition of `key` in `tenant`, or None (one indexed lookup)."""
    return _LATEST_ID.scalar(session.connection(), {"tenant": tenant, "key": key, "kind": kind})


_DEFINITIONS = ProcessDefinition.__table__
_LATEST_ID = Prepared(select(_DEFINITIONS.c.id)
                     .where(_DEFINITIONS.c.tenant == bindparam("tenant"),
                            _DEFINITIONS.c.key == bindparam("key"),
                            _DEFINITIONS.c.kind == bindparam("kind"))
                     .order_by(_DEFINITIONS.c.version.desc()).limit(1))


def count_versions(session, tenant, key):
    """How many versions of a key exist (for tests and listings)."""
    return session.scalar(select(func.count()).select_from(ProcessDefinition).where(
        ProcessDefinition.tenant == tenant, ProcessDefinition.key == key))

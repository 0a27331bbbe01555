"""Uploaded BPMN/DMN files -> SpiffWorkflow specs, or a DefinitionError naming file and line.

Order matters: hardened XML parse, Camunda normalisation, our own checks (expressions in the
sandbox, forms, handlers, script language), then SpiffWorkflow's XSD validation and parser.
"""

import hashlib
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator, full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import (BusinessRuleTaskParser, CamundaTaskParser,
                                                    UserTaskParser)
from SpiffWorkflow.camunda.specs.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import (calls, camunda, clock, decisions, dmnchecks, forms, sandbox, semantics,
               starttimers)
from .errors import DefinitionError, ExpressionRejected
from .xmlsafe import is_dmn, parse_xml

C = f"{{{camunda.CAMUNDA_NS}}}"
_SCRIPT_FORMATS = ("", "python", "py", "text/x-python", "python3")
# Names SpiffWorkflow gives the task specs it adds to every process: an element with such an id
# would silently replace one (a start event called "Start" leaves the process with no path).
_RESERVED_IDS = frozenset({"Start", "End", "Root", "StartEventSplit", "StartEventJoin"})
_RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin")


class HandlerServiceTask(ServiceTask):
    """A service task that waits (STARTED) until the job runner has called its named handler."""

    def __init__(self, wf_spec, bpmn_id, handler=None, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.handler = handler

    def _run_hook(self, task):
        return None


class HumanTaskParser(UserTaskParser):
    """User task parser that also keeps the Camunda assignment, due date and form attributes."""

    def create_task(self):
        task = super().create_task()
        task.parkops = human_task_meta(self.node, self.lane)
        return task


class ManualTaskParser(CamundaTaskParser):
    """Manual tasks are human tasks without a form."""

    def create_task(self):
        task = super().create_task()
        task.parkops = human_task_meta(self.node, self.lane)
        return task


class ServiceTaskParser(CamundaTaskParser):
    """Service task parser: the handler name comes from camunda:topic or delegateExpression."""

    def create_task(self):
        return self.spec_class(self.spec, self.bpmn_id, handler=handler_name(self.node),
                               **self.bpmn_attributes)


class DecisionTaskParser(BusinessRuleTaskParser):
    """Business-rule task parser: camunda:resultVariable and camunda:mapDecisionResult, checked
    against the decision's output columns when the parser checks (see parse_files)."""

    def create_task(self):
        result_variable = self.node.get(f"{C}resultVariable")
        mapping = self.node.get(f"{C}mapDecisionResult")
        parser = self.process_parser.parser
        engine = parser.get_engine(self.get_decision_ref(self.node), self.node)
        problem = decisions.mapping_problem(result_variable, mapping, engine.outputs)
        if problem and parser.checks:
            self.raise_validation_exception(f"business-rule task '{_label(self.node)}': {problem}")
        return self.spec_class(self.spec, self.bpmn_id, dmnEngine=engine,
                               result_variable=result_variable, mapping=mapping,
                               **self.bpmn_attributes)


class MappedCallActivityParser(CamundaParser.OVERRIDE_PARSER_CLASSES[
        full_tag("callActivity")][0]):
    """Call activity parser that keeps the camunda:in/out variable mappings (engine.calls)."""

    def create_task(self):
        task = super().create_task()
        try:
            task.ins, task.outs = calls.read_mappings(self.node)
        except ValueError as exc:
            if self.process_parser.parser.checks:
                message, element = exc.args
                raise ValidationException(f"call activity '{_label(self.node)}': {message}",
                                          file_name=self.filename,
                                          line_number=element.sourceline) from None
        return task


class ParkOpsParser(CamundaParser):
    """CamundaParser with ParkOps' human-task, service-task, business-rule-task and call
    activity specs, and decision tables evaluated as Camunda evaluates them (engine.decisions)."""

    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (HumanTaskParser, UserTask),
        full_tag("manualTask"): (ManualTaskParser, CamundaParser.OVERRIDE_PARSER_CLASSES[
            full_tag("manualTask")][1]),
        full_tag("serviceTask"): (ServiceTaskParser, HandlerServiceTask),
        full_tag("businessRuleTask"): (DecisionTaskParser, decisions.DecisionTask),
        full_tag("callActivity"): (MappedCallActivityParser, calls.MappedCallActivity),
    }

    def __init__(self, *args, checks=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.checks = checks

    def get_engine(self, decision_ref, node):
        """The decision `decision_ref` (a CamundaDecision), with its table's aggregation."""
        table = super().get_engine(decision_ref, node).decision_table
        element = self.dmn_parsers[decision_ref].node
        found = element.xpath(".//*[local-name()='decisionTable']")
        return decisions.CamundaDecision(table, found[0].get("aggregation") if found else None)


def human_task_meta(node, lane):
    """Assignment, deadlines, priority and form declared on a userTask/manualTask element."""
    groups = camunda.split_list(node.get(f"{C}candidateGroups"))
    if not groups and lane:
        groups = [camunda.role_name(lane)]
    return {
        "candidate_groups": groups,
        "candidate_users": camunda.split_list(node.get(f"{C}candidateUsers")),
        "assignee": node.get(f"{C}assignee"),
        "due_date": node.get(f"{C}dueDate"),
        "follow_up_date": node.get(f"{C}followUpDate"),
        "priority": node.get(f"{C}priority"),
        "form": forms.read_form(node),
    }


def handler_name(node):
    """The registry name a serviceTask calls, or None when the diagram names none."""
    topic = node.get(f"{C}topic")
    if topic:
        return topic.strip()
    delegate = node.get(f"{C}delegateExpression") or node.get(f"{C}expression")
    if delegate:
        return camunda.juel_to_python(delegate).strip() or None
    for prop in node.iterfind(f"{{{camunda.BPMN_NS}}}extensionElements/{C}properties/{C}property"):
        if prop.get("name") == "handler":
            return prop.get("value")
    return None


@dataclass
class ParsedProcess:
    """One executable process of a deployment, ready to instantiate."""

    key: str
    name: str | None
    filename: str
    spec: object
    subprocess_specs: dict
    start_form: dict = field(default_factory=dict)
    start_messages: list = field(default_factory=list)
    start_signals: list = field(default_factory=list)
    properties: dict = field(default_factory=dict)     # camunda:property on the process


@dataclass
class Bundle:
    """Everything parsed from the files deployed together."""

    processes: dict
    decisions: dict           # decision id -> (name, filename)
    checksums: dict           # filename -> sha256 of its bytes


def parse_files(files, handlers=None, checks=True):
    """Parse [(filename, bytes)] into a Bundle; `handlers` (names) checks service tasks.

    `checks=False` rebuilds a stored deployment: it passed the checks of its day, and what
    today's rules refuse is refused by the sandbox at run time, as an incident.
    """
    parser = ParkOpsParser(validator=BpmnValidator(), checks=checks)
    trees, decisions, checksums = {}, {}, {}
    for filename, data in files:
        checksums[filename] = hashlib.sha256(_as_bytes(data)).hexdigest()
        tree = parse_xml(data, filename)
        trees[filename] = tree
        with _located(filename, tree):
            if is_dmn(tree):
                if checks:
                    _check_decision_tables(tree, filename)
                    _check_expressions(dmnchecks.decision_expressions(tree), filename)
                decisions.update(_add_dmn(parser, tree, filename))
            else:
                _prepare_bpmn(tree, filename, handlers, checks)
                parser.add_bpmn_xml(tree, filename)
    processes = {}
    for filename, tree in trees.items():
        if not is_dmn(tree):
            with _located(filename, tree):
                processes.update(_processes_of(parser, tree, filename))
    return Bundle(processes, decisions, checksums)


def _as_bytes(data):
    return data.encode("utf-8") if isinstance(data, str) else data


def _add_dmn(parser, tree, filename):
    root = tree.getroot()
    parser.add_dmn_xml(root, filename)
    return {d.get("id"): (d.get("name"), filename)
            for d in root if isinstance(d.tag, str) and d.tag.endswith("}decision")}


def _processes_of(parser, tree, filename):
    found = {}
    nodes = tree.getroot().iterfind(f"{{{camunda.BPMN_NS}}}process")
    executable = [n for n in nodes if n.get("isExecutable", "true") == "true"]
    if not executable:
        first = tree.getroot().find(f"{{{camunda.BPMN_NS}}}process")
        line = first.sourceline if first is not None else tree.getroot().sourceline
        raise DefinitionError('no executable process: mark one isExecutable="true"', filename, line)
    for node in executable:
        key = node.get("id")
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
        semantics.adapt(spec, *subprocess_specs.values())
        start = node.find(f"{{{camunda.BPMN_NS}}}startEvent")
        found[key] = ParsedProcess(
            key=key, name=node.get("name") or key, filename=filename, spec=spec,
            subprocess_specs=subprocess_specs,
            start_form=forms.read_form(start) if start is not None else {},
            start_messages=_start_names(tree, node, "message"),
            start_signals=_start_names(tree, node, "signal"),
            properties=process_properties(node))
    return found


def process_properties(process):
    """`camunda:property` name/value pairs declared on the process element itself."""
    path = f"{{{camunda.BPMN_NS}}}extensionElements/{C}properties/{C}property"
    return {p.get("name"): p.get("value") for p in process.iterfind(path) if p.get("name")}


def _start_names(tree, process, kind):
    """Names of the messages (kind "message") or signals ("signal") that start `process`:
    its start events with such an event definition."""
    bpmn = f"{{{camunda.BPMN_NS}}}"
    names = {m.get("id"): m.get("name") or m.get("id")
             for m in tree.getroot().iter(f"{bpmn}{kind}")}
    refs = [d.get(f"{kind}Ref") for d in process.iterfind(
        f"{bpmn}startEvent/{bpmn}{kind}EventDefinition")]
    return [names.get(ref, ref) for ref in refs if ref]


def _prepare_bpmn(tree, filename, handlers, checks=True):
    camunda.normalise(tree)
    if not checks:
        return
    _check_expressions(camunda.expressions(tree), filename)
    _check_expressions(calls.mapping_expressions(tree.getroot()), filename)
    _check_nodes(tree, filename, handlers)


def _check_expressions(found, filename):
    """Refuse, with its line, the first (kind, text, line) the sandbox would not run."""
    for kind, text, line in found:
        try:
            (sandbox.check_script if kind == "script" else sandbox.check_expression)(text)
        except ExpressionRejected as exc:
            inner = (line or 1) + (exc.line - 1 if exc.line else 0)
            raise DefinitionError(f"{kind} refused: {exc.message} in {_excerpt(text)}",
                                  filename, inner) from None


def _check_decision_tables(tree, filename):
    """Refuse, with its line, a decision table whose hit policy or aggregation cannot run."""
    for table, outputs in dmnchecks.decision_tables(tree):
        problem = decisions.table_problem(table.get("hitPolicy"), table.get("aggregation"),
                                          outputs)
        if problem:
            raise DefinitionError(f"decision table '{_label(table.getparent())}': {problem}",
                                  filename, table.sourceline)


def _excerpt(text, limit=60):
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[:limit - 1] + "…")


def _label(node):
    return " ".join((node.get("name") or node.get("id") or "?").split())


def _check_nodes(tree, filename, handlers):
    root = tree.getroot()
    bpmn = f"{{{camunda.BPMN_NS}}}"
    for node in root.iter(f"{bpmn}process"):
        sla = process_properties(node).get("sla")
        if sla is not None and not camunda.is_iso_duration(sla):
            raise DefinitionError(f"process property sla='{sla}' is not an ISO-8601 duration "
                                  "such as P2D or PT4H", filename, node.sourceline)
        for element in node.iter(f"{bpmn}*"):
            element_id = element.get("id")
            if element_id and (element_id in _RESERVED_IDS
                               or element_id.endswith(_RESERVED_SUFFIXES)):
                raise DefinitionError(f"id '{element_id}' is reserved by the engine; give the "
                                      "element another id", filename, element.sourceline)
    now = clock.now()
    for node in root.iter(f"{bpmn}startEvent"):
        for tag in starttimers.KINDS:
            for timer in node.iterfind(f"{bpmn}timerEventDefinition/{bpmn}{tag}"):
                problem = starttimers.problem(tag, timer.text or "", now)
                if problem:
                    raise DefinitionError(f"timer start event '{_label(node)}': {problem}",
                                          filename, timer.sourceline)
    for node in root.iter(f"{bpmn}dataStore"):
        raise DefinitionError(f"data store '{_label(node)}' has no implementation here; "
                              "keep the data in process variables", filename, node.sourceline)
    for node in root.iter(f"{bpmn}scriptTask"):
        fmt = (node.get("scriptFormat") or "").strip().lower()
        if fmt not in _SCRIPT_FORMATS:
            raise DefinitionError(f"script task '{_label(node)}' is written in '{fmt}'; "
                                  "only Python scripts run here", filename, node.sourceline)
    for node in root.iter(f"{bpmn}serviceTask"):
        _check_service_task(node, filename, handlers)
    for node in list(root.iter(f"{bpmn}userTask")) + list(root.iter(f"{bpmn}startEvent")):
        for fld in forms.read_form(node).get("fields", []):
            problem = forms.field_problems(fld)
            if problem:
                raise DefinitionError(problem, filename, node.sourceline)


def _check_service_task(node, filename, handlers):
    name = handler_name(node)
    label = _label(node)
    if not name:
        raise DefinitionError(
            f"service task '{label}' names no handler: set camunda:type=\"external\" and "
            "camunda:topic=\"<handler>\"", filename, node.sourceline)
    if handlers is not None and name not in handlers:
        known = ", ".join(sorted(handlers)) or "none registered"
        raise DefinitionError(f"service task '{label}' calls unknown handler '{name}' "
                              f"(known: {known})", filename, node.sourceline)


class _located:
    """Turn SpiffWorkflow's parse errors into DefinitionError with the element's line."""

    def __init__(self, filename, tree):
        self.filename, self.tree = filename, tree

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, _tb):
        if exc is None or isinstance(exc, DefinitionError):
            return False
        if isinstance(exc, (ValidationException, SpiffWorkflowException)):
            raise DefinitionError(_message(exc), self.filename, self._line(exc)) from None
        if isinstance(exc, (KeyError, ValueError, TypeError, AttributeError, IndexError)):
            # SpiffWorkflow's parser trips over shapes it does not expect; the upload is at fault.
            raise DefinitionError(f"unsupported BPMN construct ({exc_type.__name__}: {exc})",
                                  self.filename, 1) from None
        return False

    def _line(self, exc):
        line = getattr(exc, "line_number", None)
        if isinstance(line, int) and line > 0:
            return line
        node_id = getattr(exc, "id", None)
        if node_id:
            found = self.tree.getroot().xpath("//*[@id=$i]", i=node_id)
            if found:
                return found[0].sourceline
        return 1


def _message(exc):
    text = str(exc.args[0]) if exc.args else str(exc)
    text = " ".join(text.split())
    node_id = getattr(exc, "id", "")
    tag = getattr(exc, "tag", "")
    where = f" ({tag} '{node_id}')" if node_id else ""
    return f"{text}{where}"

"""Routes of the designer blueprint (thin: parse input, call one service, render)."""
from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.utils import secure_filename

from engine import DefinitionError, InvalidVariables, monitoring
from engine import defaults as engine_defaults

from ..access import area
from ..basket.task_forms import apply_errors, build_task_form, submitted_values
from ..errors import status_of
from ..extensions import get_engine
from ..monitor import display
from . import bp
from .forms import UPLOAD_EXTENSIONS, StartForm, UploadForm
from .source import excerpt

display.install(bp)


@bp.get("/")
@area("designer")
def index():
    """The upload form and the latest version of each of the tenant's definitions."""
    return _index_page(UploadForm())


@bp.post("/upload")
@area("designer")
def upload():
    """Validate (dry run) or deploy one file; a refusal shows the faulty lines of the file."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _index_page(form), 422
    data, filename = _read_upload(form.file.data)
    deploying = bool(form.deploy.data)
    try:
        results = get_engine().deploy(data, filename, current_user.tenant,
                                      actor=current_user.username, dry_run=not deploying)
    except DefinitionError as error:
        return (_index_page(form, refusal=error, source=excerpt(data, error.line)),
                status_of(error))
    if not deploying:
        return _index_page(form, checked=results, checked_file=filename)
    flash(f"Deployed {filename}: {', '.join(map(str, results)) or 'nothing to deploy'}", "info")
    return redirect(url_for(".index"))


@bp.get("/definitions/<key>")
@area("designer")
def definition(key):
    """Every version of one definition key, newest first, each with its source to download."""
    versions = get_engine().definition_versions(current_user.tenant, key)
    if not versions:
        abort(404)
    wanted = request.args.get("version", type=int)
    shown = next((d for d in versions if d.version == wanted), versions[0])
    schedules = get_engine().start_schedules(current_user.tenant, key)
    return render_template("designer/definition.html", key=key, versions=versions, shown=shown,
                           schedules=schedules)


@bp.get("/definitions/<key>/versions/<int:version>/source")
@area("designer")
def source(key, version):
    """The XML a version was deployed from, as a download (never rendered inline)."""
    found = monitoring.definition_source(get_engine(), current_user.tenant, key, version)
    if found is None:
        abort(404)
    extension = found.filename.rsplit(".", 1)[-1].lower()
    if extension not in UPLOAD_EXTENSIONS:
        extension = found.definition.kind
    name = secure_filename(f"{key}.v{version}.{extension}") or f"definition.v{version}.xml"
    response = send_file(BytesIO(found.text.encode("utf-8")), mimetype="application/xml",
                         as_attachment=True, download_name=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/definitions/<key>/start", methods=["GET", "POST"])
@area("designer")
def start(key):
    """Start the latest version of `key` by hand with its start form and a business key."""
    definition = _startable(key)
    form, spec = StartForm(), definition.start_form
    if not form.validate_on_submit():
        shown = request.form if form.is_submitted() else None
        return (_start_page(definition, form, build_task_form(spec, _defaults(spec), shown)),
                422 if form.is_submitted() else 200)
    try:
        instance_id = get_engine().start(
            key, (form.business_key.data or "").strip() or None,
            submitted_values(spec, request.form),
            tenant=current_user.tenant, actor=current_user.username)
    except InvalidVariables as error:
        variables = build_task_form(spec, {}, request.form)
        form.form_errors.extend(apply_errors(variables, error.errors))
        return _start_page(definition, form, variables), status_of(error)
    flash(f"Started {key} v{definition.version} as instance #{instance_id}.", "info")
    return redirect(url_for("monitor.instance", instance_id=instance_id))


def _index_page(form, **result):
    summaries = monitoring.definition_summaries(get_engine(), current_user.tenant)
    return render_template("designer/index.html", form=form, summaries=summaries,
                           max_mib=_max_mib(), **result)


def _start_page(definition, form, variables):
    return render_template("designer/start.html", definition=definition, form=form,
                           variables=variables)


def _defaults(spec):
    """The declared default of each start-form field, shown as the initial value."""
    return {f["id"]: f.get("default") for f in (spec or {}).get("fields", [])}


def _startable(key):
    """The latest BPMN version of `key` in the user's tenant, or 404."""
    versions = get_engine().definition_versions(current_user.tenant, key)
    latest = next((d for d in versions if d.kind == "bpmn"), None)
    if latest is None:
        abort(404)
    return latest


def _read_upload(storage):
    """The uploaded bytes and a file name safe to store and show."""
    filename = secure_filename(storage.filename or "")
    if "." not in filename:
        filename = f"upload.{(storage.filename or '').rsplit('.', 1)[-1].lower() or 'bpmn'}"
    return storage.read(), filename


def _max_mib():
    return f"{engine_defaults.MAX_XML_BYTES / 2**20:g}"

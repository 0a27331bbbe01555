"""Starting the onboarding process for an application."""
from . import defaults
from .applications import submit_application
from .housekeeping import ensure_scheduled


def start_onboarding(eng, application, actor):
    """Start season_parker_onboarding for a committed application; records the instance id
    (the caller commits it). The caller's session must hold no write lock meanwhile."""
    application.instance_id = eng.start(
        defaults.PROCESS_KEY, application.number,
        {"application_id": application.id, "applicant": application.name,
         "site_name": application.site.name, "product_name": application.product.name},
        tenant=application.tenant, actor=actor)
    return application.instance_id


def apply(eng, write_session, provider, tenant, request, channel, actor):
    """Store an application and start its onboarding; (id, number) of the application.

    `write_session` is a fresh session; the application is committed before the process
    starts, so a refused start (process not deployed) leaves a visible, restartable record.
    """
    application = submit_application(write_session, provider, tenant, request, channel, actor)
    _loaded = (application.site, application.product)   # the start then needs no new read
    write_session.commit()
    start_onboarding(eng, application, actor)
    write_session.commit()
    ensure_scheduled(eng, tenant)      # the nightly housekeeping runs wherever season parking does
    return application.id, application.number

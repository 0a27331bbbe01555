"""gunicorn settings read by `gunicorn wsgi:app` started in this folder (make cluster, README
"Production"). Options on the command line (-w, -b, -k ...) still apply on top of these."""
import gc

# Sync workers that send each answer in one write (webapp/serving.py).
worker_class = "webapp.serving.OneWriteSyncWorker"


def post_worker_init(worker):
    """Once a worker has loaded the app, put the ~200,000 objects it built for good (app,
    models, parsed diagrams, translations) out of the garbage collector's way: each full
    collection walked them all, about 0.1 s in which the worker answered nobody."""
    gc.freeze()

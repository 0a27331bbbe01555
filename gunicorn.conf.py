"""gunicorn settings read by `gunicorn wsgi:app` started in this folder (make cluster, README
"Production"): sync workers that send each answer in one write (webapp/serving.py). Options on
the command line (-w, -b, -k ...) still apply on top of these."""
worker_class = "webapp.serving.OneWriteSyncWorker"

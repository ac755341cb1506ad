"""gunicorn settings for production (see docs/deploy.md). Every value can be overridden by the
environment: WEB_CONCURRENCY, GUNICORN_BIND, GUNICORN_TIMEOUT."""

import logging
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: requests are short and database-bound; the usual 2 × cores + 1 is the default
# until a benchmark says otherwise (docs/benchmarks.md).
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so slow leaks cannot build up.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
# Neither the query string nor personal data goes to the access log.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Warm the worker's catalogue cache before its first request (see docs/appointments.md);
    a database that is not there yet only makes the first requests slower."""
    try:
        from hamburg_service.appointments.availability import grids_warm

        grids = grids_warm()
    except Exception:  # the worker serves anyway; the cache fills on demand
        logging.getLogger("hamburg_service").warning("Catalogue cache not warmed", exc_info=True)
    else:
        worker.log.info("Catalogue cache warmed: %d location-days", grids)

"""gunicorn settings of `manage.py serve` (`-c python:jiangtai.gunicorn_conf`); the command
line adds the address, workers and threads. Use it too when starting gunicorn by hand.

preload_app: the application, with the search dictionaries (jiangtai.warmup.preload), is
loaded once in the master and the workers are forked from it: they share those pages
(copy-on-write) instead of loading a copy each, and a worker that replaces a dead one is
ready at once. Nothing in the master opens a database connection before the fork.
Code changes need a restart of the master (serve), not only a HUP.

gc.freeze() before each fork: the objects loaded so far move to a generation the collector
never visits, so a worker's collections do not write into (and so copy) the pages it shares
with the master — the dictionaries are millions of objects."""

import gc

preload_app = True


def pre_fork(server, worker):
    gc.freeze()


def post_worker_init(worker):
    from jiangtai.warmup import warm_worker

    warm_worker()

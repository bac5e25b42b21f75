"""What `manage.py serve` becomes once the database is ready: the supervisor of gunicorn, the
task workers, the scheduler and the demo's background seed (see serve's docstring).

`serve` prepares everything with Django loaded, then replaces itself (`os.execv`, the same
process id) with `python -m demo.supervisor <plan>`, which imports no Django at all: the
supervisor that stays up for the life of the site holds about 10 MB instead of Django's 90
(issue 18: the memory of the whole `make run` stack). The plan is JSON on the command line:
the commands to run, the address, the demo's seed and progress file if there is one; never
the environment (its secrets), which the supervisor has from serve and passes on.

A task worker or scheduler that dies is started again after a pause that doubles with each
quick failure (1 s, 2 s, 4 s … at most a minute; one that ran a minute or more counts as
healthy again), while the web server goes on answering. If gunicorn itself ends, everything
is stopped and the exit status is 1, for the service manager to restart the whole command."""

import http.client
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from demo import progress as demo_progress

logger = logging.getLogger("jiangtai.serve")

RESTART_FIRST_DELAY = 1.0  # seconds before the first restart of a dead helper process
RESTART_MAX_DELAY = 60.0  # the doubling pause never grows past this
HEALTHY_AFTER = 60.0  # a helper that ran this long starts again from the first delay
POLL_SECONDS = 0.2
WEB_READY_SECONDS = 60  # the demo's seed starts once gunicorn answers, or after this


@dataclass
class Helper:
    """A process the supervisor keeps running: started again with backoff whenever it ends."""

    name: str
    argv: list[str]
    env: dict
    cwd: str
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_failures: int = 0
    restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd)
        self.started_at = time.monotonic()
        self.restart_at = None
        logger.info("%s started (pid %d)", self.name, self.process.pid)

    def check(self, now: float) -> None:
        """Start again when due; notice an unexpected end and schedule the restart."""
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.start()
            return
        code = self.process.poll()
        if code is None:
            return
        ran = now - self.started_at
        self.quick_failures = 1 if ran >= HEALTHY_AFTER else self.quick_failures + 1
        delay = min(RESTART_FIRST_DELAY * 2 ** (self.quick_failures - 1), RESTART_MAX_DELAY)
        self.restart_at = now + delay
        logger.error(
            "%s (pid %d) ended with %s after %.1f s; starting it again in %.0f s",
            self.name, self.process.pid, describe_exit(code), ran, delay,
        )  # fmt: skip

    def stop(self) -> None:
        self.restart_at = None
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _wait(process: subprocess.Popen | None) -> None:
    if process is None:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_answering(host: str, port: int, web: subprocess.Popen) -> None:
    """Until gunicorn answers /healthz (or ends, or WEB_READY_SECONDS pass)."""
    deadline = time.monotonic() + WEB_READY_SECONDS
    while time.monotonic() < deadline and web.poll() is None:
        conn = http.client.HTTPConnection(host, port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        time.sleep(POLL_SECONDS)


def _seeded(seed: subprocess.Popen, progress_file: Path, web: subprocess.Popen) -> None:
    """The demo's seed ended: committed, the web workers start again to warm up on it;
    failed, the pages say so (the site works without the demo)."""
    if seed.returncode == 0:
        logger.info("demo county loaded; restarting the web workers to warm up on it")
        demo_progress.write(progress_file, demo_progress.READY, 100)
        web.send_signal(signal.SIGHUP)
        return
    logger.error(
        "loading the demo county failed (%s); nothing of it was kept: the site runs "
        "without it, and the next start loads it again",
        describe_exit(seed.returncode),
    )
    state = demo_progress.read(progress_file)
    if state is None or state["state"] != demo_progress.FAILED:
        demo_progress.write(progress_file, demo_progress.FAILED, 0)


def supervise(plan: dict) -> int:
    """Run the plan until SIGTERM or Ctrl-C (0) or until gunicorn ends by itself (1)."""
    cwd = plan["cwd"]
    # serve's environment, as it was before it added the checkout to PYTHONPATH for us
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if plan.get("pythonpath"):
        env["PYTHONPATH"] = plan["pythonpath"]
    web = subprocess.Popen(plan["web"], env={**env, **plan["web_env"]}, cwd=cwd)
    logger.info("web server started (pid %d)", web.pid)
    helpers = [Helper(h["name"], h["argv"], env, cwd) for h in plan["helpers"]]
    progress_file = Path(plan["progress_file"]) if plan.get("progress_file") else None
    seed = None
    if plan.get("seed"):
        # The first page before the demo: the seed waits until gunicorn answers.
        _wait_answering(plan["host"], plan["port"], web)
        print("Loading the demo county in the background …", flush=True)
        seed = subprocess.Popen(plan["seed"], env=env, cwd=cwd)
        logger.info("demo county's seed started (pid %d)", seed.pid)
    else:
        for helper in helpers:
            helper.start()

    stopping = False

    def stop(*_args):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and web.poll() is None:
            now = time.monotonic()
            if seed is not None and seed.poll() is not None:
                _seeded(seed, progress_file, web)
                seed = None
                for helper in helpers:
                    helper.start()
            if seed is None:
                for helper in helpers:
                    helper.check(now)
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        stopping = True
    web_failed = not stopping and web.poll() is not None
    if web_failed:
        logger.error(
            "web server (pid %d) ended with %s; stopping", web.pid, describe_exit(web.poll())
        )
    if seed is not None and seed.poll() is None:
        seed.terminate()  # its transaction is never committed: nothing of it stays
    for helper in helpers:
        helper.stop()
    if web.poll() is None:
        web.terminate()
    for process in [web, seed, *(helper.process for helper in helpers)]:
        _wait(process)
    if progress_file is not None:
        shutil.rmtree(progress_file.parent, ignore_errors=True)
    return 1 if web_failed else 0


def main() -> int:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    return supervise(json.loads(sys.argv[1]))


if __name__ == "__main__":
    sys.exit(main())

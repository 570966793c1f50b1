"""The load of bench/run.py: one persona, N users, each logged in once through the login form,
then requesting a plan of pages in turn as fast as the server answers (no think time).

run.py writes the plan as JSON and names it in BENCH_LOCUST_PLAN:
    {"username", "password", "users", "seconds", "out",
     "pages": [{"name": "/clients/", "urls": ["/clients/"]}, ...]}

The measured window opens when the last user has logged in (logins hash a password: they would
weigh on the first seconds) and closes `seconds` later, when the run is stopped. Every request of
the window is written to `out` (name, milliseconds, status, error), so that run.py computes
exact percentiles and can refuse a run where a page did not answer 200.
"""

import json
import os
import re
import time

import gevent
from gevent.event import Event
from locust import FastHttpUser, constant, events, task

PLAN = json.loads(open(os.environ["BENCH_LOCUST_PLAN"], encoding="utf-8").read())
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

logged_in = Event()
window = {"start": None, "end": None, "logins": 0, "errors": []}
samples = []


@events.request.add_listener
def record(name, response_time, response, exception, **kwargs):
    if window["start"] is not None and window["end"] is None:
        status = getattr(response, "status_code", 0) or 0
        samples.append([name, round(response_time, 3), status, None if exception is None else str(exception)[:200]])


@events.quitting.add_listener
def write_samples(environment, **kwargs):
    with open(PLAN["out"], "w", encoding="utf-8") as out:
        json.dump({**window, "samples": samples}, out)


def close_window(environment):
    window["end"] = time.monotonic()
    environment.runner.quit()


class Persona(FastHttpUser):
    wait_time = constant(0)
    number = 0

    def on_start(self):
        Persona.number += 1
        self.turn = Persona.number  # users start at different pages of the plan
        self.visits = {}
        try:
            self.log_in()
        except Exception as error:  # noqa: BLE001 — any failure ends the run, told to run.py
            window["errors"].append(f"login of {PLAN['username']}: {error}")
            self.environment.runner.quit()
            return
        window["logins"] += 1
        if window["logins"] == PLAN["users"]:
            window["start"] = time.monotonic()
            gevent.spawn_later(PLAN["seconds"], close_window, self.environment)
            logged_in.set()
        logged_in.wait()

    def cookies(self):
        """The cookies as a header, by hand: under production settings they are Secure, and the
        cookie jar does not send those to http://127.0.0.1."""
        return {"Cookie": "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.client.cookiejar)}

    def log_in(self):
        form = self.client.get("/accounts/login/", name="login form")
        token = CSRF_FIELD.search(form.text or "")
        if form.status_code != 200 or token is None:
            raise RuntimeError(f"login form answered {form.status_code}")
        answer = self.client.post(
            "/accounts/login/",
            data={"username": PLAN["username"], "password": PLAN["password"], "csrfmiddlewaretoken": token.group(1)},
            headers=self.cookies(),
            name="login",
            allow_redirects=False,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"login answered {answer.status_code}, not a redirect: wrong password or locked out?")
        self.headers = self.cookies()
        check = self.client.get("/ping/", headers=self.headers, name="login check", allow_redirects=False)
        if check.status_code != 200:
            raise RuntimeError(f"/ping/ after login answered {check.status_code}")

    @task
    def next_page(self):
        page = PLAN["pages"][self.turn % len(PLAN["pages"])]
        self.turn += 1
        visit = self.visits.get(page["name"], self.turn)
        self.visits[page["name"]] = visit + 1
        url = page["urls"][visit % len(page["urls"])]
        with self.client.get(
            url, headers=self.headers, name=page["name"], allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == 200:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")

"""Online services (issue 13, docs/online-services.md): the form engine under load, over HTTP
against gunicorn as documented.

(1) A step submit — validate 100 fields, evaluate the form's 20 conditions, save the draft —
    `POST /online/draft/<id>/<step>/` (a 302 to the next step), p95 ≤ 30 ms.
(2) Saving a form definition of 100 fields (the admin's check: JSON Schema, the semantic
    checks, a new version) in process, ≤ 1 s.
(3) A submission with three 2 MB uploads: the step that uploads three 2 MB PDFs (each checked
    by its content, stored outside the web root) and the submit (one transaction: the
    application, its files moved to its case, the case, the hand-offs, the receipt mail), p95
    of the two together ≤ 300 ms.
(4) 200 applicants at once for 2 minutes (each: start, the 100-field step, an upload, submit,
    the receipt page): zero 5xx and zero lost submissions (every submit answered with a
    receipt is in the database).
Each with `GET /healthz` interleaved as the trivial baseline of the same moment.
"""

from __future__ import annotations

import collections
import http.client
import io
import json
import random
import re
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import harness
from harness import HOST, BenchError, Context, Result, md_table, ms

SLUG = "bench-hundred"
FIELDS = 100
CONDITIONS = 20
CSRF = "benchcsrf" + "x" * 23  # a 32-character CSRF secret, sent as cookie and field


# --- in process (bench/djcall.py) -----------------------------------------------------------


def _definition(fields: int, conditions: int) -> dict[str, Any]:
    """A form of `fields` fields on its first step, the last `conditions` of them shown only
    when an earlier answer says so (all true for the bench's answers: every one is checked),
    then a step of three uploads."""
    kinds = ["text", "number", "date", "choice", "yesno", "name", "email", "textarea"]
    items: list[dict[str, Any]] = [
        {
            "key": "family_name",
            "type": "name",
            "required": True,
            "label": {"de": "Name", "en": "Name"},
        },
        {
            "key": "given_names",
            "type": "name",
            "required": True,
            "label": {"de": "Vorname", "en": "Given"},
        },
    ]
    for i in range(fields - 2):
        kind = kinds[i % len(kinds)]
        field: dict[str, Any] = {
            "key": f"f{i}",
            "type": kind,
            "required": True,
            "label": {"de": f"Feld {i}", "en": f"Field {i}"},
        }
        if kind == "number":
            field.update({"min": 0, "max": 1000})
        if kind == "date":
            field.update({"min": "-120y", "max": "today"})
        if kind == "choice":
            field.update(
                {
                    "widget": "radio",
                    "options": [
                        {"value": v, "label": {"de": v.upper(), "en": v.upper()}}
                        for v in ("a", "b", "c")
                    ],
                }
            )
        if kind in ("text", "textarea"):
            field["max_length"] = 200
        items.append(field)
    # The conditions: on the last fields, each on an answer before it.
    for n, field in enumerate(items[-conditions:]):
        source = items[2 + (n * 3) % (fields - 2 - conditions)]
        if source["type"] == "number":
            field["show_if"] = {">=": [{"var": source["key"]}, 0]}
        elif source["type"] == "yesno":
            field["show_if"] = {"==": [{"var": source["key"]}, True]}
        else:
            field["show_if"] = {"!!": [{"var": source["key"]}]}
    uploads = [
        {
            "key": f"doc{i}",
            "type": "file",
            "required": True,
            "max_files": 1,
            "max_mb": 3,
            "types": ["pdf"],
            "label": {"de": f"Nachweis {i}", "en": f"Proof {i}"},
        }
        for i in range(3)
    ]
    return {
        "slug": SLUG,
        "title": {"de": "Bench: 100 Felder", "en": "Bench: 100 fields"},
        "intro": {"de": "Messung.", "en": "Benchmark."},
        "case_type": "dog-registration",
        "handler": "dog_registration",
        "trust_level": "none",
        "resume_days": 7,
        "steps": [
            {"key": "hundred", "title": {"de": "Felder", "en": "Fields"}, "fields": items},
            {"key": "uploads", "title": {"de": "Nachweise", "en": "Proofs"}, "fields": uploads},
        ],
        "case": {"applicant_name": ["given_names", "family_name"]},
    }


def _answers(content: dict[str, Any]) -> dict[str, str]:
    """The POST of the 100-field step, every field answered validly."""
    out: dict[str, str] = {"family_name": "Müller-Lüdenscheidt", "given_names": "Anna"}
    for field in content["steps"][0]["fields"][2:]:
        key, kind = field["key"], field["type"]
        if kind == "number":
            out[key] = "42"
        elif kind == "date":
            out.update({f"{key}.day": "14", f"{key}.month": "3", f"{key}.year": "1990"})
        elif kind == "choice":
            out[key] = "b"
        elif kind == "yesno":
            out[key] = "yes"
        elif kind == "name":
            out[key] = "Øster"
        elif kind == "email":
            out[key] = "anna@example.org"
        else:
            out[key] = "Eine Antwort"
    return out


def setup() -> dict[str, Any]:
    """The bench's form, published (a new version each run), and what its first step posts."""
    from django.utils import timezone

    from hamburg_service.cases.demo import CASE_TYPES, LIFECYCLE, case_types_ensure
    from hamburg_service.cases.models import CaseTransition, CaseType
    from hamburg_service.catalog.models import Service
    from hamburg_service.forms.definition import content_hash, definition_check
    from hamburg_service.forms.models import DefinitionState, FormDefinition

    case_types_ensure()
    if not CaseType.objects.filter(slug="dog-registration").exists():
        # A generated city names its services otherwise: the type on its first service.
        dog = next(t for t in CASE_TYPES if t["slug"] == "dog-registration")
        spec = {k: v for k, v in dog.items() if k != "service"}
        case_type = CaseType.objects.create(service=Service.objects.order_by("pk").first(), **spec)
        CaseTransition.objects.bulk_create(
            CaseTransition(case_type=case_type, source=a, target=b) for a, b in LIFECYCLE
        )
    content = _definition(FIELDS, CONDITIONS)
    definition_check(content)
    now = timezone.now()
    last = FormDefinition.objects.filter(slug=SLUG).order_by("-version").first()
    FormDefinition.objects.filter(slug=SLUG, state=DefinitionState.PUBLISHED).update(
        state=DefinitionState.RETIRED
    )
    FormDefinition.objects.create(
        slug=SLUG,
        version=(last.version + 1) if last else 1,
        state=DefinitionState.PUBLISHED,
        content=content,
        content_hash=content_hash(content),
        created_at=now,
        published_at=now,
    )
    return {"answers": _answers(content), "first": "hundred", "uploads": "uploads"}


def definition_save(*, repeats: int) -> dict[str, Any]:
    """Time what the admin's save of a 100-field definition does: the form's check of the
    pasted JSON (parsed, JSON Schema, the semantic checks) and the new version
    (`forms.loading.definition_version_add`, which checks again), `repeats` times; the
    versions made are removed."""
    from hamburg_service.forms.definition import definition_check
    from hamburg_service.forms.loading import definition_version_add
    from hamburg_service.forms.models import FormDefinition

    content = _definition(FIELDS, CONDITIONS)
    content["slug"] = "bench-save"
    pasted = json.dumps(content, indent=2, ensure_ascii=False)
    samples = []
    for _i in range(repeats):
        started = time.perf_counter()
        checked = json.loads(pasted)
        definition_check(checked)
        definition_version_add(content=checked)
        samples.append(time.perf_counter() - started)
    FormDefinition.objects.filter(slug="bench-save").delete()
    return {"samples": samples}


def submissions_since(*, since: str) -> dict[str, Any]:
    """The references of the bench's submissions after `since` (ISO), to find lost ones."""
    from django.utils.dateparse import parse_datetime

    from hamburg_service.forms.models import Submission

    moment = parse_datetime(since)
    rows = Submission.objects.filter(definition__slug=SLUG, submitted_at__gte=moment).values_list(
        "public_id", flat=True
    )
    return {"ids": [str(r) for r in rows]}


# --- over HTTP ------------------------------------------------------------------------------


def _pdf(size: int, seed: int) -> bytes:
    """A real PDF of about `size` bytes: a page with a noise image (JPEG inside)."""
    from PIL import Image

    rng = random.Random(seed)
    side = int((size / 1.2) ** 0.5 / 1.1)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, format="PDF", quality=95)
    return out.getvalue()


class Applicant:
    """One browser: a session cookie, the CSRF secret, one connection per request."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies = {"csrftoken": CSRF}

    def send(
        self, method: str, path: str, body: bytes | None = None, content_type: str = ""
    ) -> tuple[int, str, bytes]:
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Accept": "text/html",
            "Referer": f"http://{HOST}:{self.port}/",
        }
        if content_type:
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            for value in response.headers.get_all("Set-Cookie") or []:
                match = re.match(r"sessionid=([^;]*)", value)
                if match:
                    self.cookies["sessionid"] = match.group(1)
            return response.status, response.headers.get("Location", ""), data
        finally:
            conn.close()

    def post(self, path: str, form: dict[str, str]) -> tuple[int, str, bytes]:
        body = urlencode({**form, "csrfmiddlewaretoken": CSRF}).encode()
        return self.send("POST", path, body, "application/x-www-form-urlencoded")

    def post_files(
        self, path: str, form: dict[str, str], files: dict[str, bytes]
    ) -> tuple[int, str, bytes]:
        boundary = uuid.uuid4().hex
        parts = []
        for key, value in {**form, "csrfmiddlewaretoken": CSRF}.items():
            parts.append(
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{key}"\r\n\r\n{value}\r\n'.encode()
            )
        for key, data in files.items():
            parts.append(
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; '
                    f'filename="{key}.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
                ).encode()
                + data
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.send("POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}")

    def expect(self, answer: tuple[int, str, bytes], status: int, what: str) -> str:
        code, location, body = answer
        if code != status:
            raise BenchError(f"{what}: {code} (expected {status}) {body[:300]!r}")
        return location


def _start(web: Applicant) -> str:
    """A new draft: answers the path of its first step."""
    location = web.expect(web.post(f"/online/{SLUG}/", {}), 302, "start")
    return location.split("?")[0]


def _revision(html: bytes) -> str:
    match = re.search(rb'name="revision" value="(\d+)"', html)
    if not match:
        raise BenchError("no revision field on the step page")
    return match.group(1).decode()


def _fill(web: Applicant, answers: dict[str, str], files: dict[str, bytes]) -> str:
    """Start, the 100-field step, the uploads step: answers the summary's path."""
    first = _start(web)
    code, _loc, page = web.send("GET", first)
    if code != 200:
        raise BenchError(f"step page: {code}")
    second = web.expect(
        web.post(first, {**answers, "revision": _revision(page), "action": "continue"}), 302, "step"
    )
    code, _loc, page = web.send("GET", second)
    summary = web.expect(
        web.post_files(second, {"revision": _revision(page), "action": "continue"}, files),
        302,
        "uploads",
    )
    return summary


def _submit_path(summary: str) -> str:
    return summary.replace("/summary/", "/submit/")


def run(ctx: Context) -> Result:
    quick = ctx.quick
    n = 40 if quick else 300
    setup_data = ctx.call("online:setup")
    answers = setup_data["answers"]
    port = ctx.server.port
    health = Applicant(port)

    def healthz() -> None:
        health.expect(health.send("GET", "/healthz"), 200, "healthz")

    # (1) The step submit: one draft, its first step posted again and again (each save is a
    # new revision: the page's hidden revision is carried on).
    stepper = Applicant(port)
    first = _start(stepper)
    _code, _loc, page = stepper.send("GET", first)
    revision = {"value": int(_revision(page))}

    def step() -> None:
        form = {**answers, "revision": str(revision["value"]), "action": "continue"}
        stepper.expect(stepper.post(first, form), 302, "step submit")
        revision["value"] += 1

    # Warm every worker (each parses the definition once) before timing.
    timings = harness.measure_interleaved({"healthz": healthz, "step": step}, n, warmup=25)

    # (2) Saving a 100-field definition, in process.
    saved = ctx.call("online:definition_save", repeats=10 if quick else 30)
    save = harness.Timing(name="save", samples=saved["samples"])

    # (3) A submission with three 2 MB uploads: the upload step and the submit, timed apart.
    pdfs = {f"doc{i}": _pdf(2_000_000, i) for i in range(3)}
    upload_n = 15 if quick else 60
    uploads, submits, totals, base = [], [], [], []
    for _i in range(upload_n):
        web = Applicant(port)
        first = _start(web)
        _code, _loc, page = web.send("GET", first)
        second = web.expect(
            web.post(first, {**answers, "revision": _revision(page), "action": "continue"}),
            302,
            "step",
        )
        _code, _loc, page = web.send("GET", second)
        form = {"revision": _revision(page), "action": "continue"}
        started = time.perf_counter()
        summary = web.expect(web.post_files(second, form, pdfs), 302, "uploads")
        middle = time.perf_counter()
        # The summary shows the revision the upload step saved: the page's plus one.
        web.expect(
            web.post(_submit_path(summary), {"revision": str(int(form["revision"]) + 1)}),
            302,
            "submit",
        )
        ended = time.perf_counter()
        uploads.append(middle - started)
        submits.append(ended - middle)
        totals.append(ended - started)
        started = time.perf_counter()
        healthz()
        base.append(time.perf_counter() - started)
    upload_t = harness.Timing("upload", uploads)
    submit_t = harness.Timing("submit", submits)
    total_t = harness.Timing("total", totals)
    base_t = harness.Timing("healthz", base)

    # (4) Many applicants at once.
    rush = _rush(
        ctx, applicants=40 if quick else 200, seconds=20 if quick else 120, answers=answers
    )

    step_t = timings["step"]
    health_t = timings["healthz"]
    rows = [
        [
            "(1) step submit, 100 fields, 20 conditions",
            str(step_t.n),
            ms(step_t.median),
            ms(step_t.p95),
            ms(health_t.p95),
            f"{step_t.p95 / health_t.p95:.1f}",
            "≤ 30 ms",
            "met" if step_t.p95 <= 0.030 else "**missed**",
        ],
        [
            "(2) save a 100-field definition (in process)",
            str(save.n),
            ms(save.median),
            ms(save.p95),
            "–",
            "–",
            "≤ 1 s",
            "met" if save.p95 <= 1.0 else "**missed**",
        ],
        [
            "(3a) upload step, three 2 MB PDFs",
            str(upload_t.n),
            ms(upload_t.median),
            ms(upload_t.p95),
            ms(base_t.p95),
            f"{upload_t.p95 / base_t.p95:.1f}",
            "",
            "",
        ],
        [
            "(3b) submit (application, files, case, one transaction)",
            str(submit_t.n),
            ms(submit_t.median),
            ms(submit_t.p95),
            ms(base_t.p95),
            f"{submit_t.p95 / base_t.p95:.1f}",
            "",
            "",
        ],
        [
            "(3) submission with three 2 MB uploads = (3a) + (3b)",
            str(total_t.n),
            ms(total_t.median),
            ms(total_t.p95),
            ms(base_t.p95),
            f"{total_t.p95 / base_t.p95:.1f}",
            "≤ 300 ms",
            "met" if total_t.p95 <= 0.300 else "**missed**",
        ],
    ]
    table = md_table(
        ["measure", "n", "median ms", "p95 ms", "healthz p95 ms", "ratio", "target", ""], rows
    )
    verdict = "met" if rush["lost"] == 0 and rush["server_errors"] == 0 else "**missed**"
    text = "\n".join(
        [
            table,
            "",
            f"(4) {rush['applicants']} applicants at once for {rush['seconds']} s (each: start, "
            "the 100-field step, an upload of a small PDF, submit, the receipt page): "
            f"{rush['submitted']} submissions answered with a receipt, {rush['found']} found in "
            f"the database, **{rush['lost']} lost**; {rush['requests']} requests, "
            f"**{rush['server_errors']} 5xx**, {rush['client_errors']} other failures "
            f"({rush['failures']}); request p95 {ms(rush['p95'])} ms, healthz p95 during the "
            f"rush {ms(rush['healthz_p95'])} ms — {verdict}.",
        ]
    )
    return Result(
        title="Online services: step submit, definition save, uploads, many applicants",
        markdown=text,
        ratios={"step": step_t.p95 / health_t.p95, "submission": total_t.p95 / base_t.p95},
    )


def _rush(ctx: Context, *, applicants: int, seconds: int, answers: dict[str, str]) -> dict:
    port = ctx.server.port
    small = _pdf(60_000, 99)
    since = ctx.call("online:now")["now"]
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    submitted: list[str] = []
    statuses: collections.Counter[str] = collections.Counter()
    failures: collections.Counter[str] = collections.Counter()
    latencies: list[float] = []

    def timed(web: Applicant, method: str, *args: Any) -> tuple[int, str, bytes]:
        started = time.perf_counter()
        answer = web.send(method, *args) if method == "GET" else getattr(web, method)(*args)
        with lock:
            latencies.append(time.perf_counter() - started)
            statuses[str(answer[0])] += 1
        return answer

    def applicant(seed: int) -> None:
        rng = random.Random(seed)
        time.sleep(rng.random() * 2)
        while time.monotonic() < stop:
            web = Applicant(port)
            try:
                code, first, _b = timed(web, "post", f"/online/{SLUG}/", {})
                if code != 302:
                    raise BenchError(f"start {code}")
                code, _l, page = timed(web, "GET", first)
                code, second, _b = timed(
                    web,
                    "post",
                    first,
                    {**answers, "revision": _revision(page), "action": "continue"},
                )
                if code != 302:
                    raise BenchError(f"step {code}")
                code, _l, page = timed(web, "GET", second)
                form = {"revision": _revision(page), "action": "continue"}
                files = {"doc0": small, "doc1": small, "doc2": small}
                code, summary, _b = timed(web, "post_files", second, form, files)
                if code != 302:
                    raise BenchError(f"uploads {code}")
                saved = {"revision": str(int(form["revision"]) + 1)}
                code, receipt, _b = timed(web, "post", _submit_path(summary), saved)
                if code != 302 or "/receipt/" not in receipt:
                    raise BenchError(f"submit {code}")
                public_id = receipt.rstrip("/").split("/")[-1]
                with lock:
                    submitted.append(public_id)
                timed(web, "GET", receipt)
            except Exception as exc:  # counted, the applicant starts again
                with lock:
                    failures[type(exc).__name__ + ": " + str(exc)[:60]] += 1

    threads = [
        threading.Thread(target=applicant, args=(i,), daemon=True) for i in range(applicants)
    ]
    for thread in threads:
        thread.start()
    health = Applicant(port)
    health_samples = []
    while time.monotonic() < stop:
        started = time.perf_counter()
        health.send("GET", "/healthz")
        health_samples.append(time.perf_counter() - started)
        time.sleep(0.5)
    for thread in threads:
        thread.join(timeout=300)
    found = set(ctx.call("online:submissions_since", since=since)["ids"])
    lost = [s for s in submitted if s not in found]
    server_errors = sum(v for k, v in statuses.items() if k.startswith("5"))
    return {
        "applicants": applicants,
        "seconds": seconds,
        "submitted": len(submitted),
        "found": len(found & set(submitted)),
        "lost": len(lost),
        "requests": sum(statuses.values()),
        "server_errors": server_errors,
        "client_errors": sum(failures.values()),
        "failures": ", ".join(f"{k} ×{v}" for k, v in failures.most_common(3)) or "none",
        "p95": harness.percentile(sorted(latencies), 95),
        "healthz_p95": harness.percentile(sorted(health_samples), 95),
    }


def now() -> dict[str, str]:
    from django.utils import timezone

    return {"now": timezone.now().isoformat()}

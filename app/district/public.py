"""The district's public pages: ``/apply`` (apply for mediation online) and ``/apply/status``.

No login. Hardened as a page on the internet must be:

* **CSRF:** a form token, signed by the server (HMAC with a key every server process shares,
  kept in ``server_secret``), set as a SameSite=Strict cookie and repeated in the form; both
  must match and the signature hold.
* **Bots without a CAPTCHA:** a honeypot field people never see (a filled one is refused as if
  it were accepted: the bot learns nothing), and a minimum time between getting the form and
  sending it (the token carries the time it was issued).
* **Rate limits per address**, in the database (``auth_throttle``, shared by all processes):
  5 applications stored and 60 attempts per hour, 30 status look-ups per 10 minutes.
* **Size limits:** the request at most 8 MB; at most 5 evidence files, 5 MB each, 7 MB
  together, each a PDF, JPEG or PNG by its content (not its name). Multipart is parsed in
  memory (no temporary files) with python-multipart's streaming parser, with part and header
  limits.
* **Strict validation** with a Chinese message next to each field; nothing of other
  applicants is ever shown (the status page needs the reference number *and* the ID number's
  last six characters, and says the same "not found" for either wrong).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from typing import Annotated

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from app.district import auth
from app.district.applications import (
    APPLICANT_KINDS,
    FIELD_LABELS,
    MAX_FILE_BYTES,
    MAX_FILES,
    MAX_REQUEST_BYTES,
    ApplicationError,
    ApplicationInvalid,
    EvidenceFile,
    check_application,
    dispute_type_choices,
    public_status,
    station_choices,
    status_text,
    submit,
)
from app.district.dashboard import SECURITY_HEADERS, _env
from app.district.models_work import ServerSecret
from app.domain.dates import iso_date

log = logging.getLogger(__name__)

FORM_COOKIE = "ld_apply"
HONEYPOT = "website"
#: a form sent sooner than this after it was fetched is a bot's
MIN_FILL_SECONDS = 3.0
MAX_FORM_AGE_SECONDS = 4 * 3600
TEXT_FIELDS = (
    "applicant_kind", "applicant_name", "id_number", "phone", "employer_name",
    "employer_credit_code", "station_code", "dispute_type", "claims", "amount", "facts",
    "consent", "form_token", HONEYPOT,
)  # fmt: skip
MAX_FIELD_BYTES = 32 * 1024

auth.THROTTLES.setdefault("apply-try", (60, 3600.0))
auth.THROTTLES.setdefault("apply-addr", (5, 3600.0))
auth.THROTTLES.setdefault("status-addr", (30, 600.0))


# ------------------------------------------------------------------ the form token


def _secret(request: Request) -> bytes:
    """The key of the form tokens (read each time: one small query; every process agrees)."""
    sessions = request.app.state.sessions
    with sessions() as s, s.begin():
        row = s.get(ServerSecret, "apply-form")
        if row is None:
            s.add(ServerSecret(name="apply-form", value=secrets.token_bytes(32)))
    with sessions() as s:  # another process may have inserted first: read what is stored
        value = bytes(s.scalar(select(ServerSecret.value).where(ServerSecret.name == "apply-form")))
    return value


def _mac(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:32]


def make_form_token(key: bytes, now: float | None = None) -> str:
    payload = f"{int(now if now is not None else time.time())}.{secrets.token_urlsafe(12)}"
    return f"{payload}.{_mac(key, payload)}"


def form_token_problem(key: bytes, cookie: str, field: str, now: float | None = None) -> str | None:
    """None when the token is good; otherwise a reason (Chinese) to show the applicant."""
    now = time.time() if now is None else now
    expired = "页面已过期，请重新填写后提交（填写内容已保留）"
    if not cookie or not field or len(field) > 100 or not hmac.compare_digest(cookie, field):
        return expired
    try:
        issued, nonce, mac = field.split(".")
        issued_at = int(issued)
    except ValueError:
        return expired
    if not hmac.compare_digest(mac, _mac(key, f"{issued}.{nonce}")):
        return expired
    age = now - issued_at
    if age > MAX_FORM_AGE_SECONDS or age < -60:
        return expired
    if age < MIN_FILL_SECONDS:
        return "提交过快，请核对填写内容后再提交"
    return None


# ------------------------------------------------------------------ multipart, in memory


class FormTooLarge(Exception):
    pass


def parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], list[EvidenceFile]]:
    """The text fields and the uploaded files of a multipart/form-data body (held in memory)."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    _ctype, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary or len(boundary) > 200:
        raise HTTPException(400, "表单格式不正确")
    fields: dict[str, str] = {}
    files: list[EvidenceFile] = []
    state: dict = {"headers": {}, "field": b"", "value": b"", "data": [], "size": 0}
    parts = [0]

    def on_part_begin():
        parts[0] += 1
        if parts[0] > len(TEXT_FIELDS) + MAX_FILES + 5:
            raise FormTooLarge("too many parts")
        state.update(headers={}, data=[], size=0)

    def on_header_field(data, start, end):
        state["field"] += data[start:end]

    def on_header_value(data, start, end):
        state["value"] += data[start:end]

    def on_header_end():
        state["headers"][state["field"].lower()] = state["value"]
        state["field"], state["value"] = b"", b""

    def on_part_data(data, start, end):
        state["size"] += end - start
        if state["size"] > MAX_FILE_BYTES + 1:
            raise FormTooLarge("part too large")
        state["data"].append(data[start:end])

    def on_part_end():
        disposition = state["headers"].get(b"content-disposition", b"")
        _kind, opts = parse_options_header(disposition)
        name = opts.get(b"name", b"").decode("utf-8", "replace")
        data = b"".join(state["data"])
        if b"filename" in opts:
            if name != "evidence":
                return
            filename = opts.get(b"filename", b"").decode("utf-8", "replace")[:200]
            if not data and not filename:
                return  # the browser's empty file input
            files.append(EvidenceFile(filename, "", data))
            if len(files) > MAX_FILES + 1:
                raise FormTooLarge("too many files")
            if len(data) > MAX_FILE_BYTES:
                files[-1].data = data  # checked (and refused with a message) by check_files
            return
        if name in TEXT_FIELDS and name not in fields:
            if len(data) > MAX_FIELD_BYTES:
                raise FormTooLarge("field too large")
            try:
                fields[name] = data.decode("utf-8")
            except UnicodeDecodeError:
                raise HTTPException(400, "表单内容不是有效的文字（UTF-8）") from None

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
        max_size=MAX_REQUEST_BYTES,
        max_header_count=8,
        max_header_size=2048,
    )
    try:
        parser.write(body)
        parser.finalize()
    except FormTooLarge:
        raise
    except HTTPException:
        raise
    except Exception:
        raise HTTPException(400, "表单格式不正确") from None
    return fields, files


# ------------------------------------------------------------------ pages


def _render(name: str, status: int = 200, **context) -> HTMLResponse:
    html = _env.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def install_public(app: FastAPI) -> None:
    secure = app.state.config.secure_cookies

    def form_page(request: Request, status: int = 200, values=None, errors=None, message=None):
        key = _secret(request)
        token = make_form_token(key)
        with request.app.state.sessions() as s:
            stations = station_choices(s)
            types = dispute_type_choices(s)
        response = _render(
            "apply.html",
            status=status,
            title="网上申请劳动争议调解",
            stations=stations,
            types=types,
            kinds=APPLICANT_KINDS,
            values=values or {"applicant_kind": "worker"},
            errors=errors or {},
            labels=FIELD_LABELS,
            message=message,
            form_token=token,
            honeypot=HONEYPOT,
            max_files=MAX_FILES,
            max_mb=MAX_FILE_BYTES // (1024 * 1024),
        )
        response.set_cookie(
            FORM_COOKIE, token, httponly=True, samesite="strict", secure=secure, max_age=4 * 3600
        )
        return response

    @app.get("/apply", include_in_schema=False)
    def apply_page(request: Request) -> HTMLResponse:
        return form_page(request)

    @app.post(
        "/apply",
        tags=["公众"],
        response_class=HTMLResponse,
        openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {
            "schema": {"type": "object", "properties": {
                **{name: {"type": "string"} for name in TEXT_FIELDS},
                "evidence": {"type": "array", "items": {"type": "string", "format": "binary"}},
            }}}}}},
    )  # fmt: skip
    async def apply_submit(request: Request) -> Response:
        """网上申请调解（公众页面的表单提交；需先取得 /apply 页面的表单令牌）。"""
        ctype = request.headers.get("content-type", "")
        if not ctype.startswith("multipart/form-data"):
            raise HTTPException(415, "表单格式不正确")
        body = await request.body()
        if len(body) > MAX_REQUEST_BYTES:
            return form_page(request, 413, errors={"evidence": "提交的内容过大（合计不超过8MB）"})
        try:
            fields, files = parse_multipart(body, ctype)
        except FormTooLarge:
            return form_page(
                request,
                413,
                errors={"evidence": f"证据材料过多或过大（最多{MAX_FILES}个，每个不超过"
                        f"{MAX_FILE_BYTES // (1024 * 1024)}MB）"},
            )  # fmt: skip
        values = {k: v for k, v in fields.items() if k not in ("form_token", HONEYPOT)}
        key = await run_in_threadpool(_secret, request)
        problem = form_token_problem(
            key, request.cookies.get(FORM_COOKIE, ""), fields.get("form_token", "")
        )
        if problem:
            return form_page(request, 403, values=values, message=problem)
        client = _client(request)
        throttled = "提交次数过多，请约{minutes}分钟后再试，或到街镇劳动关系服务站现场申请"
        sessions = request.app.state.sessions

        def store():
            # every attempt counts (a generous limit: people correct their mistakes) ...
            auth.check_throttle(sessions, "apply-try", client, throttled)
            if fields.get(HONEYPOT):
                return None
            with sessions() as s:
                data = check_application(s, fields, files)
            # ... and every application stored (a tight one)
            auth.check_throttle(sessions, "apply-addr", client, throttled)
            return submit(sessions, data)

        try:
            row = await run_in_threadpool(store)
        except auth.Throttled as exc:
            response = form_page(request, 429, values=values, message=str(exc))
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except ApplicationInvalid as exc:
            return form_page(request, 422, values=values, errors=exc.errors)
        except ApplicationError as exc:
            return form_page(request, exc.status, values=values, message=str(exc))
        if row is None:  # the honeypot was filled: answered like a success, stored nowhere
            log.info("public form: honeypot filled, submission dropped")
            return _render("apply_done.html", title="申请已提交", reference=None, received_on="")
        log.info("online application received for %s", row.station_code)
        response = _render(
            "apply_done.html",
            title="申请已提交",
            reference=row.reference,
            received_on=iso_date(row.received_on),
        )
        response.delete_cookie(FORM_COOKIE)
        return response

    def status_page(request: Request, status: int = 200, **context) -> HTMLResponse:
        return _render("apply_status.html", status=status, title="查询申请进度", **context)

    @app.get("/apply/status", include_in_schema=False)
    def status_form(request: Request) -> HTMLResponse:
        return status_page(request)

    @app.post("/apply/status", tags=["公众"], response_class=HTMLResponse)
    def status_lookup(
        request: Request,
        reference: Annotated[str, Form(max_length=40)] = "",
        id_tail: Annotated[str, Form(max_length=12)] = "",
    ) -> HTMLResponse:
        """凭受理编号和身份证号后六位查询申请进度（只显示状态）。"""
        # The form is harmless to forge (it reveals nothing without both keys); the throttle is
        # what stops guessing.
        errors = {}
        if not reference.strip():
            errors["reference"] = "请填写受理编号"
        if len("".join(ch for ch in id_tail if ch.isalnum())) != 6:
            errors["id_tail"] = "请填写身份证号的后六位（含末位X）"
        if errors:
            return status_page(request, 422, errors=errors, reference=reference[:40])
        try:
            auth.check_throttle(
                request.app.state.sessions,
                "status-addr",
                _client(request),
                "查询次数过多，请约{minutes}分钟后再试",
            )
        except auth.Throttled as exc:
            response = status_page(request, 429, message=str(exc), reference=reference[:40])
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        with request.app.state.sessions() as s:
            found = public_status(s, reference, id_tail)
        if found is None:
            return status_page(
                request,
                404,
                message="没有找到：请核对受理编号和身份证号后六位",
                reference=reference[:40],
            )
        return status_page(
            request,
            result=status_text(found),
            result_status=found.status,
            found_reference=found.reference,
        )

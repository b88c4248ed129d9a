"""Dashboard pages of issue 12 (网上申请, 操作记录) and the station API for online applications.

Every page checks the user's role and streets (:mod:`app.district.roles`); a street-limited user
gets "not found" for another street's application, exactly as for one that does not exist.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, defer

from app.district import roles
from app.district.applications import (
    APPLICANT_KINDS,
    STATUS_LABELS,
    ApplicationError,
    application_dict,
    decide,
    dispute_type_choices,
    evidence_of,
    for_station,
    get_for,
    reroute,
    station_choices,
    visible_applications,
)
from app.district.auth import StationPrincipal
from app.district.dashboard import (
    Admin,
    base_context_for,
    check_csrf,
    client_address,
    read_form,
    render,
)
from app.district.models_work import ApplicationEvidence
from app.district.server import ERRORS, signed_body, station_principal
from app.domain.validators import mask_id_number

Station = Annotated[StationPrincipal, Depends(station_principal)]
SignedStation = Annotated[StationPrincipal, Depends(signed_body)]
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class DecisionIn(BaseModel):
    decision: str = Field(pattern="^(accept|decline)$", description="accept 受理；decline 不予受理")
    case_no: str | None = Field(default=None, max_length=60, description="受理时登记的案号")
    reason: str | None = Field(default=None, max_length=500, description="不予受理的理由")


class DecisionOut(BaseModel):
    id: str
    reference: str
    status: str


def install_admin_pages(app: FastAPI) -> None:
    def sessions(request: Request) -> Session:
        return request.app.state.sessions()

    @app.exception_handler(ApplicationError)
    async def _app_error(request: Request, exc: ApplicationError):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        return render("forbidden.html", status=exc.status, title="网上申请", error=str(exc))

    # ------------------------------------------------------------ 网上申请 (dashboard)

    def list_page(request: Request, sess: roles.DistrictUser, status: str | None, **extra):
        with sessions(request) as s:
            rows = visible_applications(s, sess, status or None)
            types = dict(dispute_type_choices(s))
        return render(
            "applications.html",
            title="网上申请",
            rows=rows,
            current_status=status or "",
            statuses=STATUS_LABELS,
            types=types,
            station_name=roles.station_name,
            **base_context_for(sess, "applications"),
            **extra,
        )

    @app.get("/dashboard/applications", include_in_schema=False)
    def applications(
        request: Request,
        sess: Admin,
        status: Annotated[str | None, Query(max_length=20)] = None,
    ) -> HTMLResponse:
        if status and status not in STATUS_LABELS:
            status = None
        return list_page(request, sess, status)

    def detail_page(
        request: Request, sess: roles.DistrictUser, app_id: str, *, viewed: bool = True, **extra
    ):
        """``viewed``: a look at the application (audited); False when the page only shows the
        result of an action on it (which is audited itself)."""
        with sessions(request) as s, s.begin():
            row = get_for(s, sess, app_id)
            evidence = list(
                s.query(ApplicationEvidence)
                .options(defer(ApplicationEvidence.data))
                .filter(ApplicationEvidence.application_id == row.id)
                .order_by(ApplicationEvidence.seq)
            )
            types = dict(dispute_type_choices(s))
            stations = [(c, n) for c, n in station_choices(s) if sess.sees(c)]
            if viewed:
                roles.audit(
                    s,
                    sess.admin_name,
                    "application.view",
                    f"查看申请 {row.reference}",
                    target_kind="application",
                    target_id=row.reference,
                    station_code=row.station_code,
                    client=client_address(request),
                )
            s.flush()
            s.expunge_all()
        return render(
            "application.html",
            title=f"网上申请 {row.reference}",
            a=row,
            evidence=evidence,
            types=types,
            kinds=APPLICANT_KINDS,
            statuses=STATUS_LABELS,
            stations=stations,
            station_name=roles.station_name,
            masked_id=mask_id_number(row.id_number),
            **base_context_for(sess, "applications"),
            **extra,
        )

    @app.get("/dashboard/applications/{app_id}", include_in_schema=False)
    def application_detail(
        request: Request, sess: Admin, app_id: Annotated[str, Path(pattern=UUID)]
    ) -> HTMLResponse:
        return detail_page(request, sess, app_id)

    @app.post("/dashboard/applications/{app_id}/route", include_in_schema=False)
    async def application_reroute(
        request: Request, sess: Admin, app_id: Annotated[str, Path(pattern=UUID)]
    ) -> HTMLResponse:
        form = await read_form(request)
        check_csrf(sess, form)
        roles.require(sess, "route")
        try:
            with sessions(request) as s, s.begin():
                row = reroute(
                    s,
                    sess,
                    app_id,
                    form.get("station_code", ""),
                    form.get("reason", ""),
                    client=client_address(request),
                )
                to = row.station_code
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            return detail_page(request, sess, app_id, viewed=False, error=str(exc))
        if not sess.sees(to):  # cannot happen (refused above); never show it anyway
            return list_page(request, sess, None, message="已改派")
        return detail_page(
            request, sess, app_id, viewed=False, message=f"已改派到{roles.station_name(to)}"
        )

    @app.get("/dashboard/applications/{app_id}/evidence/{seq}", include_in_schema=False)
    def application_evidence(
        request: Request,
        sess: Admin,
        app_id: Annotated[str, Path(pattern=UUID)],
        seq: Annotated[int, Path(ge=1, le=100)],
    ) -> Response:
        with sessions(request) as s, s.begin():
            row = get_for(s, sess, app_id)
            ev = next((e for e in evidence_of(s, row.id) if e.seq == seq), None)
            if ev is None:
                raise HTTPException(404, "没有这份证据材料")
            roles.audit(
                s,
                sess.admin_name,
                "application.evidence",
                f"下载申请 {row.reference} 的证据材料 {seq}",
                target_kind="application",
                target_id=row.reference,
                station_code=row.station_code,
                client=client_address(request),
            )
            data, ctype, name = bytes(ev.data), ev.content_type, ev.filename
        return _file_response(data, ctype, name)

    # ------------------------------------------------------------ 操作记录 (dashboard)

    @app.get("/dashboard/audit", include_in_schema=False)
    def audit_page(
        request: Request,
        sess: Admin,
        actor: Annotated[str | None, Query(max_length=60)] = None,
        action: Annotated[str | None, Query(max_length=40)] = None,
        station: Annotated[str | None, Query(max_length=16)] = None,
        since: Annotated[str | None, Query(max_length=10)] = None,
        until: Annotated[str | None, Query(max_length=10)] = None,
        target: Annotated[str | None, Query(max_length=80)] = None,
    ) -> HTMLResponse:
        roles.require(sess, "audit")
        error = None
        texts = (actor, action, station, target)
        if any(t and any(ch < " " or ch == "\x7f" for ch in t) for t in texts):
            actor = action = station = target = None  # PostgreSQL refuses NUL: no 500
            error = "筛选条件含有不可见的控制字符，已忽略"
        start = end = None
        try:
            # days as the office sees them (local time), compared in UTC as stored
            if since:
                start = datetime.combine(date.fromisoformat(since), datetime.min.time())
                start = start.astimezone(UTC)
            if until:
                end = datetime.combine(date.fromisoformat(until), datetime.min.time())
                end = (end + timedelta(days=1)).astimezone(UTC)
        except ValueError:
            error = "日期应写成 2026-12-01"
            start = end = None
        flt = roles.AuditFilter(
            actor=actor or None,
            action=action or None,
            station_code=station or None,
            since=start,
            until=end,
            target_id=target or None,
        )
        with sessions(request) as s:
            entries = roles.audit_entries(s, sess, flt)
            stations = [(c, n) for c, n in station_choices(s) if sess.sees(c)]
        return render(
            "audit.html",
            title="操作记录",
            entries=entries,
            actions=roles.ACTION_LABELS,
            stations=stations,
            station_name=roles.station_name,
            f={
                "actor": actor or "",
                "action": action or "",
                "station": station or "",
                "since": since or "",
                "until": until or "",
                "target": target or "",
            },
            error=error,
            **base_context_for(sess, "audit"),
        )

    # ------------------------------------------------------------ 区级用户 (dashboard)

    @app.get("/dashboard/users", include_in_schema=False)
    def users_page(request: Request, sess: Admin) -> HTMLResponse:
        from sqlalchemy import select

        from app.district.models import AdminUser

        roles.require(sess, "audit")
        with sessions(request) as s:
            users = list(s.scalars(select(AdminUser).order_by(AdminUser.name)))
        return render(
            "users.html",
            title="区级用户",
            users=users,
            role_names=roles.ROLES,
            permissions=roles.PERMISSIONS,
            permission_labels=roles.PERMISSION_LABELS,
            station_name=roles.station_name,
            **base_context_for(sess, "users"),
        )

    # ------------------------------------------------------------ the station API

    @app.get("/api/v1/applications", responses=ERRORS, tags=["网上申请"])
    def station_applications(request: Request, principal: Station) -> list[dict]:
        """分派给本站、尚未处理的网上申请（含证据材料清单）。"""
        with sessions(request) as s:
            rows = for_station(s, principal.station_code)
            out = []
            for row in rows:
                evidence = list(
                    s.query(ApplicationEvidence)
                    .options(defer(ApplicationEvidence.data))
                    .filter(ApplicationEvidence.application_id == row.id)
                    .order_by(ApplicationEvidence.seq)
                )
                out.append(application_dict(row, evidence))
        return out

    @app.get(
        "/api/v1/applications/{app_id}/evidence/{seq}",
        responses=ERRORS,
        tags=["网上申请"],
        response_class=Response,
    )
    def station_evidence(
        request: Request,
        principal: Station,
        app_id: Annotated[str, Path(pattern=UUID)],
        seq: Annotated[int, Path(ge=1, le=100)],
    ) -> Response:
        """本站某份申请的一份证据材料（原文件）。"""
        from app.district.models_work import Application

        with sessions(request) as s:
            row = s.get(Application, app_id)
            if row is None or row.station_code != principal.station_code:
                raise HTTPException(404, "没有找到分派给本站的这份申请")
            ev = next((e for e in evidence_of(s, row.id) if e.seq == seq), None)
            if ev is None:
                raise HTTPException(404, "没有这份证据材料")
            data, ctype, name = bytes(ev.data), ev.content_type, ev.filename
        return _file_response(data, ctype, name)

    @app.post(
        "/api/v1/applications/{app_id}/decision",
        response_model=DecisionOut,
        responses=ERRORS,
        tags=["网上申请"],
    )
    def station_decision(
        request: Request,
        body: DecisionIn,
        principal: SignedStation,
        app_id: Annotated[str, Path(pattern=UUID)],
    ) -> DecisionOut:
        """本站受理（附案号）或不予受理（附理由）一份网上申请；重复提交同一决定不会重复处理。"""
        with sessions(request) as s, s.begin():
            row = decide(
                s,
                principal.station_code,
                app_id,
                body.decision,
                case_no=body.case_no,
                reason=body.reason,
            )
            return DecisionOut(id=row.id, reference=row.reference, status=row.status)


def _file_response(data: bytes, ctype: str, name: str) -> Response:
    return Response(
        data,
        media_type=ctype,
        headers={
            "Content-Disposition": f"attachment; filename=evidence; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )

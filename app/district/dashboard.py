"""The district dashboard: HTML pages behind an admin login (session cookie, CSRF tokens).

Pages are rendered on the server (Jinja2, autoescaped) with inline SVG charts; no script and no
external resource, so the page works on an offline LAN and under a strict Content-Security-Policy.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from app.district import auth, roles
from app.district.charts import PALETTE, bar_chart
from app.district.export import workbook_bytes
from app.district.metrics import FIELD_LABELS, merged_enterprises, station_rows, totals
from app.district.models import Notice, ReferenceEntry
from app.district.reference import KINDS, ReferenceError, publish_notice, upsert_item
from app.domain import reference as domain_reference
from app.domain.dates import short_datetime
from app.domain.enums import FIVE_ONE

SESSION_COOKIE = "ld_session"
LOGIN_COOKIE = "ld_login"
MAX_FORM_BYTES = 64 * 1024
SHORT_FIVE = {
    "work_team": "工作队伍",
    "expert_lecture": "专家讲座",
    "park_tour": "进园宣讲",
    "observation": "观摩学习",
    "model_units": "和谐典型",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

_env = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


class LoginRequired(Exception):
    pass


#: the only messages ``/login?error=CODE`` shows: a link cannot put words of its own on the page
LOGIN_MESSAGES = {
    "expired": "登录已过期，请重新登录",
    "logged-out": "已退出登录",
}


def _when(dt: datetime | None) -> str:
    return short_datetime(dt) if dt else "从未同步"


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def render(name: str, status: int = 200, **context) -> HTMLResponse:
    context.setdefault("title", "区级看板")
    html = _env.get_template(name).render(when=_when, pct=_pct, money=_money, **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


async def read_form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, "提交的内容过长")
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("application/x-www-form-urlencoded"):
        raise HTTPException(415, "表单格式不正确")
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, "表单内容无法识别") from None
    return {k: v[0] for k, v in parsed.items()}


def admin_session(request: Request) -> roles.DistrictUser:
    """The logged-in district user, with the role and streets as they are now in the database
    (a disabled user's open session stops working at the next request)."""
    with request.app.state.sessions() as s:
        sess = auth.admin_session(s, request.cookies.get(SESSION_COOKIE))
        user = roles.user_for(s, sess.admin_name, sess.csrf_token) if sess else None
    if user is None:
        raise LoginRequired()
    return user


def check_csrf(sess: roles.DistrictUser, form: dict[str, str]) -> None:
    if not hmac.compare_digest(form.get("csrf_token", ""), sess.csrf_token):
        raise HTTPException(403, "页面已过期或请求来源不明，请刷新页面后重试")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


Admin = Annotated[roles.DistrictUser, Depends(admin_session)]


def install_dashboard(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, exc: LoginRequired):
        if request.url.path.startswith("/api/"):
            return Response(
                '{"detail":"需要区级管理员登录"}', status_code=401, media_type="application/json"
            )
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(roles.RoleError)
    async def _forbidden(request: Request, exc: roles.RoleError):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=403)
        return render("forbidden.html", status=403, title="无权操作", error=str(exc))

    def base_context(sess: roles.DistrictUser, page: str) -> dict:
        return base_context_for(sess, page)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/dashboard", status_code=303)

    @app.get("/login", include_in_schema=False)
    def login_page(request: Request, error: str | None = None) -> HTMLResponse:
        token = secrets.token_urlsafe(24)
        message = LOGIN_MESSAGES.get(error or "")
        response = render("login.html", title="登录", login_csrf=token, error=message)
        response.set_cookie(
            LOGIN_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.app.state.config.secure_cookies,
            max_age=3600,
        )
        return response

    @app.post("/login", include_in_schema=False)
    async def login_submit(request: Request) -> Response:
        form = await read_form(request)
        cookie = request.cookies.get(LOGIN_COOKIE, "")
        if not cookie or not hmac.compare_digest(cookie, form.get("csrf_token", "")):
            return render(
                "login.html",
                status=403,
                title="登录",
                login_csrf=cookie,
                error="登录页面已过期，请刷新后重新登录",
            )
        from starlette.concurrency import run_in_threadpool

        client = request.client.host if request.client else "?"
        name = form.get("name", "")

        def go():
            auth.login_throttled(request.app.state.sessions, name, client)
            try:
                with request.app.state.sessions() as s, s.begin():
                    token, sess = auth.login(s, name, form.get("password", ""), client)
                    roles.audit(s, sess.admin_name, "login", "登录看板", client=client)
                    return token, sess
            except auth.AuthError:
                with request.app.state.sessions() as s, s.begin():
                    roles.audit(
                        s, name.strip()[:60] or "?", "login.failed", "登录失败", client=client
                    )
                raise

        try:
            token, _sess = await run_in_threadpool(go)
        except auth.Throttled as exc:
            response = render(
                "login.html", status=429, title="登录", login_csrf=cookie, error=str(exc)
            )
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except auth.AuthError as exc:
            return render("login.html", status=401, title="登录", login_csrf=cookie, error=str(exc))
        response = RedirectResponse("/dashboard", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.app.state.config.secure_cookies,
            max_age=auth.SESSION_HOURS * 3600,
        )
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request, sess: Admin) -> Response:
        check_csrf(sess, await read_form(request))
        with request.app.state.sessions() as s, s.begin():
            auth.logout(s, request.cookies.get(SESSION_COOKIE))
            roles.audit(s, sess.admin_name, "logout", "退出登录", client=client_address(request))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    def _year(year: int | None) -> int:
        return year or date.today().year

    @app.get("/dashboard", include_in_schema=False)
    def overview(
        request: Request, sess: Admin, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
    ) -> HTMLResponse:
        year = _year(year)
        cfg = request.app.state.config
        with request.app.state.sessions() as s:
            rows = [
                r for r in station_rows(s, year, stale_days=cfg.stale_days) if sess.sees(r.code)
            ]
            waiting, oldest = _waiting_applications(s, sess)
            from app.district.work import counts_by_street

            corrections = [c for c in counts_by_street(s, sess) if c.open]
        stale = {r.name for r in rows if r.stale}
        charts = [
            bar_chart("案件数", [(r.name, r.cases, str(r.cases)) for r in rows], color=PALETTE[0]),
            bar_chart(
                "调解成功率",
                [(r.name, r.rate or 0, _pct(r.rate)) for r in rows],
                color=PALETTE[1],
            ),
            bar_chart(
                "追回金额（元）",
                [(r.name, float(r.recovered), _money(r.recovered)) for r in rows],
                color=PALETTE[2],
            ),
            bar_chart(
                "距上次同步（天，红色为超期）",
                [
                    (
                        r.name,
                        _days_since(r.last_sync_at),
                        "从未同步"
                        if r.last_sync_at is None
                        else f"{_days_since(r.last_sync_at):.1f}",
                    )
                    for r in rows
                ],
                color=PALETTE[0],
                highlight=stale,
            ),
        ]
        this_year = date.today().year
        return render(
            "dashboard.html",
            title="街镇对比",
            rows=rows,
            total=totals(rows),
            year=year,
            years=list(range(this_year, this_year - 6, -1)) if year >= this_year - 5 else [year],
            five_one=FIVE_ONE,
            short_five=SHORT_FIVE,
            charts=charts,
            stale_days=f"{cfg.stale_days:g}",
            waiting=waiting,
            oldest=oldest,
            corrections=corrections,
            now=_when(datetime.now(UTC)),
            **base_context(sess, "overview"),
        )

    @app.get("/dashboard/export.xlsx", include_in_schema=False)
    def export(
        request: Request, sess: Admin, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
    ) -> Response:
        year = _year(year)
        with request.app.state.sessions() as s:
            rows = station_rows(s, year, stale_days=request.app.state.config.stale_days)
            rows = [r for r in rows if sess.sees(r.code)]
            merged = merged_enterprises(s, stations=sess.streets)
        data = workbook_bytes(year, rows, merged)
        name = f"district-{year}.xlsx"
        return Response(
            data,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={
                "Content-Disposition": f"attachment; filename={name}; filename*=UTF-8''"
                + f"%E9%BC%93%E6%A5%BC%E5%8C%BA%E8%A1%97%E9%95%87%E5%AF%B9%E6%AF%94-{year}.xlsx",
                "Cache-Control": "no-store",
            },
        )

    @app.get("/dashboard/enterprises", include_in_schema=False)
    def enterprises(request: Request, sess: Admin) -> HTMLResponse:
        with request.app.state.sessions() as s:
            merged = merged_enterprises(s, stations=sess.streets)
            names = {r.code: r.name for r in station_rows(s, date.today().year)}
        return render(
            "enterprises.html",
            title="企业合并视图",
            merged=merged,
            labels=FIELD_LABELS,
            station_names=names,
            **base_context(sess, "enterprises"),
        )

    def _notices_page(request: Request, sess, **extra) -> HTMLResponse:
        with request.app.state.sessions() as s:
            notices = list(
                s.scalars(select(Notice).order_by(Notice.published_at.desc()).limit(200))
            )
        return render(
            "notices.html",
            title="通知公告",
            notices=notices,
            **base_context(sess, "notices"),
            **extra,
        )

    def _devices_page(request: Request, sess, **extra) -> HTMLResponse:
        from sqlalchemy import func

        from app.district.models import (
            DistrictStation,
            EnrollmentCode,
            RecordConflict,
            StationCredential,
            StoredBlob,
            utcnow,
        )

        now = utcnow()
        with request.app.state.sessions() as s:
            stations = list(s.scalars(select(DistrictStation).order_by(DistrictStation.code)))
            creds = list(
                s.scalars(
                    select(StationCredential).order_by(
                        StationCredential.station_code, StationCredential.created_at
                    )
                )
            )
            pending = dict(
                s.execute(
                    select(EnrollmentCode.station_code, func.count())
                    .where(EnrollmentCode.used_at.is_(None), EnrollmentCode.expires_at > now)
                    .group_by(EnrollmentCode.station_code)
                ).all()
            )
            blobs = {
                code: (n, size or 0)
                for code, n, size in s.execute(
                    select(
                        StoredBlob.station_code, func.count(), func.sum(StoredBlob.size)
                    ).group_by(StoredBlob.station_code)
                ).all()
            }
            conflicts = dict(
                s.execute(
                    select(RecordConflict.station_code, func.count())
                    .where(RecordConflict.resolved_at.is_(None))
                    .group_by(RecordConflict.station_code)
                ).all()
            )
        by_station: dict[str, list] = {}
        for c in creds:
            by_station.setdefault(c.station_code, []).append(c)
        return render(
            "devices.html",
            title="站点电脑",
            stations=stations,
            by_station=by_station,
            pending=pending,
            blobs=blobs,
            conflicts=conflicts,
            **base_context(sess, "devices"),
            **extra,
        )

    @app.get("/dashboard/devices", include_in_schema=False)
    def devices_page(request: Request, sess: Admin) -> HTMLResponse:
        return _devices_page(request, sess)

    @app.post("/dashboard/devices/revoke", include_in_schema=False)
    async def devices_revoke(request: Request, sess: Admin) -> HTMLResponse:
        form = await read_form(request)
        check_csrf(sess, form)
        try:
            with request.app.state.sessions() as s, s.begin():
                station = auth.revoke_device(s, form.get("device", "")[:32])
        except auth.AuthError as exc:
            return _devices_page(request, sess, error=str(exc))
        return _devices_page(
            request,
            sess,
            message=f"已停用{station}的一台电脑：其同步凭据立即失效，本站其他电脑不受影响",
        )

    @app.get("/dashboard/notices", include_in_schema=False)
    def notices(request: Request, sess: Admin) -> HTMLResponse:
        return _notices_page(request, sess)

    @app.post("/dashboard/notices", include_in_schema=False)
    async def notices_submit(request: Request, sess: Admin) -> HTMLResponse:
        form = await read_form(request)
        check_csrf(sess, form)
        roles.require(sess, "notice")
        try:
            with request.app.state.sessions() as s, s.begin():
                notice = publish_notice(
                    s, form.get("title", ""), form.get("body", ""), sess.admin_name
                )
                roles.audit(
                    s,
                    sess.admin_name,
                    "notice.publish",
                    f"发布通知“{notice.title[:60]}”",
                    target_kind="notice",
                    target_id=notice.id,
                    client=client_address(request),
                )
        except ReferenceError as exc:
            return _notices_page(request, sess, error=str(exc))
        return _notices_page(request, sess, message="通知已发布，各站点下次同步时收到")

    def _reference_page(request: Request, sess, **extra) -> HTMLResponse:
        with request.app.state.sessions() as s:
            items = list(
                s.scalars(select(ReferenceEntry).order_by(ReferenceEntry.kind, ReferenceEntry.code))
            )
        return render(
            "reference.html",
            title="代码表",
            items=items,
            kinds=KINDS,
            **base_context(sess, "reference"),
            **extra,
        )

    @app.get("/dashboard/reference", include_in_schema=False)
    def reference_page(request: Request, sess: Admin) -> HTMLResponse:
        return _reference_page(request, sess)

    @app.post("/dashboard/reference", include_in_schema=False)
    async def reference_submit(request: Request, sess: Admin) -> HTMLResponse:
        form = await read_form(request)
        check_csrf(sess, form)
        roles.require(sess, "reference")
        try:
            with request.app.state.sessions() as s, s.begin():
                item = upsert_item(
                    s,
                    form.get("kind", ""),
                    form.get("code", ""),
                    form.get("name", ""),
                    active=form.get("active") == "1",
                )
                roles.audit(
                    s,
                    sess.admin_name,
                    "reference.save",
                    f"{KINDS.get(item.kind, item.kind)} {item.code}“{item.name[:60]}”"
                    + ("" if item.active else "（停用）"),
                    target_kind="reference",
                    target_id=f"{item.kind}:{item.code}",
                    client=client_address(request),
                )
        except ReferenceError as exc:
            return _reference_page(request, sess, error=str(exc))
        return _reference_page(request, sess, message="已保存，各站点下次同步时更新")

    @app.get("/api/v1/admin/summary", tags=["区级管理"])
    def admin_summary(
        request: Request, sess: Admin, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
    ) -> list[dict]:
        """街镇对比数据（需区级管理员登录的会话）。"""
        year = _year(year)
        with request.app.state.sessions() as s:
            rows = station_rows(s, year, stale_days=request.app.state.config.stale_days)
        rows = [r for r in rows if sess.sees(r.code)]
        return [
            {
                "station_code": r.code,
                "station_name": r.name,
                "cases": r.cases,
                "success": r.success,
                "failed": r.failed,
                "success_rate": r.rate,
                "overdue": r.overdue,
                "recovered": str(r.recovered),
                "visits": r.visits,
                "open_problems": r.open_problems,
                "five_one": r.five_one,
                "last_sync_at": r.last_sync_at.isoformat() if r.last_sync_at else None,
                "stale": r.stale,
            }
            for r in rows
        ]


def _waiting_applications(s, sess: roles.DistrictUser) -> tuple[list[tuple[str, int]], str]:
    """Online applications the stations have not decided yet, per station of the user's streets."""
    from sqlalchemy import func

    from app.district.models_work import Application
    from app.domain.dates import iso_date

    q = (
        select(Application.station_code, func.count(), func.min(Application.received_on))
        .where(Application.status == "received")
        .group_by(Application.station_code)
    )
    counts = [(c, n, d) for c, n, d in s.execute(q) if sess.sees(c)]
    order = {st.code: i for i, st in enumerate(domain_reference.stations())}
    counts.sort(key=lambda r: order.get(r[0], 99))
    oldest = min((d for _c, _n, d in counts), default=None)
    return [(roles.station_name(c), n) for c, n, _d in counts], iso_date(oldest)


def base_context_for(sess: roles.DistrictUser, page: str) -> dict:
    """What every dashboard page needs: the user, their role and streets, the CSRF token."""
    return {
        "admin": sess.admin_name,
        "role": sess.role,
        "role_label": sess.role_label,
        "streets_label": sess.streets_label(),
        "can": sess.can,
        "csrf_token": sess.csrf_token,
        "page": page,
    }


def _days_since(dt: datetime | None) -> float:
    if dt is None:
        return 0.0
    return max(0.0, (datetime.now(UTC) - dt).total_seconds() / 86400)

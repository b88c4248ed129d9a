"""Dashboard pages and station API for case transfers (移交) and correction requests (退回补正).

Every page checks the user's role and streets (:mod:`app.district.roles`): a street-limited
user sees only the transfers from or to their streets and the requests of their streets.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from app.district import roles, work
from app.district.applications import station_choices
from app.district.auth import StationPrincipal
from app.district.dashboard import (
    Admin,
    base_context_for,
    check_csrf,
    client_address,
    read_form,
    render,
)
from app.district.models_work import CaseTransfer
from app.district.server import ERRORS, signed_raw, station_principal
from app.domain.enums import DeclineCategory
from app.sync import protocol

Station = Annotated[StationPrincipal, Depends(station_principal)]
SignedRaw = Annotated[tuple[StationPrincipal, bytes], Depends(signed_raw)]
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _json(body: bytes) -> dict:
    try:
        doc = protocol.loads(body)
    except (ValueError, RecursionError):
        raise HTTPException(422, "请求格式不正确：内容不是有效的 JSON") from None
    if not isinstance(doc, dict):
        raise HTTPException(422, "请求格式不正确：应为 JSON 对象")
    return doc


def _str(doc: dict, key: str) -> str | None:
    value = doc.get(key)
    return value if isinstance(value, str) else None


def install_work_pages(app: FastAPI) -> None:
    def sessions(request: Request) -> Session:
        return request.app.state.sessions()

    @app.exception_handler(work.WorkError)
    async def _work_error(request: Request, exc: work.WorkError):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        return render("forbidden.html", status=exc.status, title="区级看板", error=str(exc))

    # ------------------------------------------------------------ 案件移交 (dashboard)

    def transfers_page(request: Request, sess: roles.DistrictUser, **extra) -> HTMLResponse:
        with sessions(request) as s:
            rows = work.visible_transfers(s, sess)
            chains = {r.id: [c.id for c in work.chain_of(s, r)] for r in rows}
            by_id = {r.id: r for r in rows}
            for ids in chains.values():
                for i in ids:
                    if i not in by_id:
                        other = s.get(CaseTransfer, i)
                        if other is not None and (
                            sess.sees(other.from_station) or sess.sees(other.to_station)
                        ):
                            by_id[i] = other
            stations = [(c, n) for c, n in station_choices(s) if sess.sees(c)]
            s.expunge_all()
        return render(
            "transfers.html",
            title="案件移交",
            rows=rows,
            chains={k: [by_id[i] for i in v if i in by_id] for k, v in chains.items()},
            statuses=work.TRANSFER_STATUS,
            categories=dict(DeclineCategory.choices()),
            stations=stations,
            station_name=roles.station_name,
            **base_context_for(sess, "transfers"),
            **extra,
        )

    @app.get("/dashboard/transfers", include_in_schema=False)
    def transfers(request: Request, sess: Admin) -> HTMLResponse:
        return transfers_page(request, sess)

    @app.post("/dashboard/transfers", include_in_schema=False)
    async def order(request: Request, sess: Admin) -> HTMLResponse:
        form = await read_form(request)
        check_csrf(sess, form)
        roles.require(sess, "transfer")
        try:
            with sessions(request) as s, s.begin():
                row = work.order_transfer(
                    s, sess, form.get("case_no", ""), form.get("to_station", ""),
                    form.get("reason", ""), client=client_address(request),
                )  # fmt: skip
                done = (
                    f"已决定将案件 {row.from_case_no} 由{roles.station_name(row.from_station)}"
                    f"移交{roles.station_name(row.to_station)}：{roles.station_name(row.from_station)}"
                    "下次同步时执行"
                )
        except work.WorkError as exc:
            return transfers_page(request, sess, error=str(exc), form=form)
        return transfers_page(request, sess, message=done)

    # ------------------------------------------------------------ 退回补正 (dashboard)

    def corrections_page(request: Request, sess: roles.DistrictUser, status=None, **extra):
        with sessions(request) as s:
            rows = work.visible_requests(s, sess, status or None)
            counts = work.counts_by_street(s, sess)
            stations = [(c, n) for c, n in station_choices(s) if sess.sees(c)]
            s.expunge_all()
        return render(
            "corrections.html",
            title="退回补正",
            rows=rows,
            counts=counts,
            statuses=work.CORRECTION_STATUS,
            current_status=status or "",
            kinds={k: v[0] for k, v in work.CORRECTABLE.items()},
            fields=work.CORRECTABLE,
            stations=stations,
            station_name=roles.station_name,
            **base_context_for(sess, "corrections"),
            **extra,
        )

    @app.get("/dashboard/corrections", include_in_schema=False)
    def corrections(
        request: Request,
        sess: Admin,
        status: Annotated[str | None, Query(max_length=20)] = None,
    ) -> HTMLResponse:
        if status and status not in work.CORRECTION_STATUS:
            status = None
        return corrections_page(request, sess, status)

    @app.post("/dashboard/corrections", include_in_schema=False)
    async def create_correction(request: Request, sess: Admin) -> HTMLResponse:
        form = await read_form(request)
        check_csrf(sess, form)
        roles.require(sess, "correct")
        entity = form.get("entity", "")
        # one field list per kind on the page (no script): the chosen kind's field is used
        field = form.get(f"field_{entity}", "") or form.get("field", "")
        try:
            with sessions(request) as s, s.begin():
                req = work.create_request(
                    s, sess, station=form.get("station_code", ""), entity=entity,
                    record=form.get("record", ""), field=field, message=form.get("message", ""),
                    due_on=form.get("due_on", ""), client=client_address(request),
                )  # fmt: skip
                done = (
                    f"已退回补正：{roles.station_name(req.station_code)} {req.record_label} 的"
                    f"“{req.field_label}”，站点下次同步时收到"
                )
        except work.WorkError as exc:
            return corrections_page(request, sess, error=str(exc), form=form)
        return corrections_page(request, sess, message=done)

    # ------------------------------------------------------------ the station API

    @app.get("/api/v1/transfers", responses=ERRORS, tags=["案件移交"])
    def station_transfers(request: Request, principal: Station) -> dict:
        """本站要执行的移交决定、移交给本站的案件（含内容）、本站移出案件的处理结果。"""
        with sessions(request) as s:
            return work.for_station(s, principal.station_code)

    @app.post("/api/v1/transfers/{transfer_id}/send", responses=ERRORS, tags=["案件移交"])
    def station_send(
        request: Request, signed: SignedRaw, transfer_id: Annotated[str, Path(pattern=UUID)]
    ) -> dict:
        """本站移交一个案件（本站决定的，或执行区级的移交决定）：案件内容与附件清单；重复提交不会重复处理。"""
        principal, body = signed
        doc = _json(body)
        with sessions(request) as s, s.begin():
            row = work.station_sends(
                s, principal.station_code, transfer_id, case_no=_str(doc, "case_no") or "",
                to_station=_str(doc, "to_station") or "", reason=_str(doc, "reason") or "",
                data=doc.get("data"),
            )  # fmt: skip
            return {"id": row.id, "status": row.status}

    @app.post("/api/v1/transfers/{transfer_id}/refuse", responses=ERRORS, tags=["案件移交"])
    def station_refuse(
        request: Request, signed: SignedRaw, transfer_id: Annotated[str, Path(pattern=UUID)]
    ) -> dict:
        """本站无法执行区级的移交决定（例如案件已结案），附理由。"""
        principal, body = signed
        doc = _json(body)
        with sessions(request) as s, s.begin():
            row = work.station_refuses(
                s, principal.station_code, transfer_id, _str(doc, "reason") or ""
            )
            return {"id": row.id, "status": row.status}

    @app.post("/api/v1/transfers/{transfer_id}/decision", responses=ERRORS, tags=["案件移交"])
    def station_transfer_decision(
        request: Request, signed: SignedRaw, transfer_id: Annotated[str, Path(pattern=UUID)]
    ) -> dict:
        """接收站点登记（附新案号）或不予接收（附理由和原因类别）移交的案件。"""
        principal, body = signed
        doc = _json(body)
        with sessions(request) as s, s.begin():
            row = work.station_decides(
                s, principal.station_code, transfer_id, _str(doc, "decision") or "",
                case_no=_str(doc, "case_no"), reason=_str(doc, "reason"),
                category=_str(doc, "category"),
            )  # fmt: skip
            return {"id": row.id, "status": row.status}

    @app.get(
        "/api/v1/transfers/{transfer_id}/files/{seq}",
        responses=ERRORS,
        tags=["案件移交"],
        response_class=Response,
    )
    def station_transfer_file(
        request: Request,
        principal: Station,
        transfer_id: Annotated[str, Path(pattern=UUID)],
        seq: Annotated[int, Path(ge=1, le=200)],
    ) -> Response:
        """移交给本站的案件的一个附件（移交站点上传的内容）。"""
        with sessions(request) as s:
            sender, sha, _name = work.transfer_file(s, principal.station_code, transfer_id, seq)
        data = request.app.state.blobs.get(sender, sha)
        if data is None:
            raise HTTPException(404, "移交站点尚未上传这个附件的内容，请稍后同步")
        return Response(content=data, media_type="application/octet-stream")

    @app.get("/api/v1/corrections", responses=ERRORS, tags=["退回补正"])
    def station_corrections(request: Request, principal: Station) -> list[dict]:
        """区级对本站记录的补正要求（含已补正的）。"""
        with sessions(request) as s:
            return work.requests_for_station(s, principal.station_code)

    @app.post("/api/v1/corrections/{request_id}/answer", responses=ERRORS, tags=["退回补正"])
    def station_answer(
        request: Request, signed: SignedRaw, request_id: Annotated[str, Path(pattern=UUID)]
    ) -> dict:
        """本站已修改被要求补正的记录（报告修改了哪些字段、记录的新版本）。"""
        principal, body = signed
        doc = _json(body)
        fields = doc.get("fields")
        version = doc.get("version")
        with sessions(request) as s, s.begin():
            row = work.station_answers(
                s, principal.station_code, request_id,
                fields=fields if isinstance(fields, list) else None,
                version=version if isinstance(version, int) and not isinstance(version, bool)
                else None,
                answered_by=_str(doc, "answered_by"),
            )  # fmt: skip
            return {"id": row.id, "status": row.status}

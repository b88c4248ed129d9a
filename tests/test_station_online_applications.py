"""The station side of online applications (issue 12), with a real district server and two
enrolled stations: fetched at sync with the evidence, accepted into a prefilled registration
keeping the received date, or declined; the decision goes back and the public status follows.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.cases.attachments import load
from app.cases.intake import register_case
from app.cases.online import decline, intake_form, list_applications, mark_accepted
from app.district.models_work import Application
from app.store.models import Attachment, OnlineApplication
from app.sync import sync_once
from tests.sync_fixtures import *  # noqa: F403
from tests.test_district_applications import (
    GOOD,
    PDF,
    post_application,
    reference_of,
    result_text,
    status_of,
)


def received_on(server, reference: str, day: date) -> None:
    """An application that came in some days ago (the station syncs later)."""
    engine = server.engine()
    try:
        with engine.begin() as conn:
            conn.execute(
                Application.__table__.update()
                .where(Application.reference == reference)
                .values(received_on=day)
            )
    finally:
        engine.dispose()


def test_applications_reach_the_right_station_and_the_decision_goes_back(
    district, station_a, station_b
):
    tail = GOOD["id_number"][-6:]
    earlier = date.today() - timedelta(days=4)
    with district.http() as client:
        ref_a = reference_of(
            post_application(
                client, district, files=[("evidence", ("劳动合同.pdf", PDF, "application/pdf"))]
            )
        )
        ref_b = reference_of(post_application(client, district, {"station_code": "GUXI"}))
        received_on(district, ref_a, earlier)

        assert sync_once(station_a).ok and sync_once(station_b).ok
        rows_a, rows_b = list_applications(station_a), list_applications(station_b)
        assert [r.reference for r in rows_a] == [ref_a] and rows_a[0].files == 1
        assert [r.reference for r in rows_b] == [ref_b]
        assert rows_a[0].received_on == earlier and rows_a[0].status == "new"
        # a second sync fetches nothing twice
        assert sync_once(station_a).ok and len(list_applications(station_a)) == 1

        # GUDONG accepts: the registration is prefilled and keeps the received date
        form = intake_form(station_a, rows_a[0].id)
        assert form.received_on == earlier and form.channel == "online"
        assert form.channel_ref == ref_a
        assert form.workers[0].name == "林小明" and form.workers[0].id_number == GOOD["id_number"]
        assert form.respondent.new.name == GOOD["employer_name"]
        assert str(form.claims[0].amount) == "18000.50"
        # The employment status is not in the application: the mediator asks it.
        assert form.employment_status is None
        form.employment_status = "ongoing"
        registered = register_case(station_a, form)
        assert mark_accepted(station_a, rows_a[0].id, registered.case_id, registered.case_no) == 1
        with station_a.read() as s:
            from app.store.models import DisputeCase

            case = s.get(DisputeCase, registered.case_id)
            assert case.received_on == earlier and case.intake_ref == ref_a
            attachment_id = s.scalar(
                select(Attachment.id).where(Attachment.owner_id == registered.case_id)
            )
        assert load(station_a, attachment_id).content == PDF
        # still 已收到 until the station syncs; then 已受理（案号）
        assert result_text(status_of(client, ref_a, tail)) == "已收到"
        assert sync_once(station_a).ok
        assert result_text(status_of(client, ref_a, tail)) == f"已受理（{registered.case_no}）"
        with station_a.read() as s:
            assert s.get(OnlineApplication, rows_a[0].id).reported_at is not None

        # GUXI declines with a reason
        try:
            decline(station_b, rows_b[0].id, "  ")
        except Exception as exc:
            assert "理由" in str(exc)
        else:
            raise AssertionError("an empty reason was accepted")
        decline(station_b, rows_b[0].id, "用人单位不在本街道，请向鼓东街道申请")
        assert sync_once(station_b).ok
        assert (
            result_text(status_of(client, ref_b, tail))
            == "不予受理（用人单位不在本街道，请向鼓东街道申请）"
        )


def test_a_rerouted_application_moves_to_the_other_station(district, station_a, station_b):
    from app.district import db as district_db
    from app.district import roles
    from app.district.applications import reroute

    with district.http() as client:
        ref = reference_of(post_application(client, district))
    assert sync_once(station_a).ok
    [row] = list_applications(station_a)
    engine = district.engine()
    try:
        with district_db.sessions(engine)() as s, s.begin():
            admin = roles.DistrictUser("quju", "-", "admin", None)
            reroute(s, admin, row.id, "GUXI", "用人单位在鼓西街道")
    finally:
        engine.dispose()
    assert sync_once(station_a).ok and sync_once(station_b).ok
    assert list_applications(station_a) == []
    assert [r.reference for r in list_applications(station_b)] == [ref]

"""The district's code lists reach the station's forms and lists; the shipped lists stay the fallback.

The domain rules in-process; then end to end: a real ``labor-district`` process renames one
dispute type, retires another and adds a third; after one sync pass the station offers and names
the district's codes, and a case that holds the retired code still shows its name. Logging in
(the sync controller starting with the main window) puts the store's lists to use again.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.cases.detail import load_case
from app.cases.queries import CaseFilter, list_cases
from app.district.reference import upsert_item
from app.domain import reference
from app.domain.enums import CaseStatus
from app.domain.reference import CodeItem
from app.store.models import CaseClaim, DisputeCase
from app.sync import codelists, sync_once
from tests.sync_fixtures import *  # noqa: F403


@pytest.fixture(autouse=True)
def _shipped_lists_around_each_test():
    reference.install_district_code_lists({})
    yield
    reference.install_district_code_lists({})


def codes(items) -> list[str]:
    return [i.code for i in items]


def test_without_district_lists_the_shipped_ones_are_used():
    shipped = reference.shipped_code_list("dispute_type")
    assert reference.dispute_types() == shipped
    assert reference.dispute_type_name("wages") == "劳动报酬/拖欠工资"
    assert reference.intake_channels() == reference.shipped_code_list("intake_channel")
    assert reference.dispute_type_name("no_such_code") == "no_such_code"


def test_district_lists_rename_retire_and_add_codes():
    reference.install_district_code_lists(
        {
            "dispute_type": [
                CodeItem("platform_work", "新就业形态劳动纠纷"),
                CodeItem("wages", "拖欠劳动报酬", art16=True),
                CodeItem("rest_leave", "休息休假", active=False),
            ]
        }
    )
    # offered: the district's active codes, the shipped order first, new codes after
    assert codes(reference.dispute_types()) == ["wages", "platform_work"]
    assert reference.dispute_type_name("wages") == "拖欠劳动报酬"
    assert reference.code_item("dispute_type", "wages").art16
    # retired: not offered, still named; a form for a record holding it still shows it
    assert reference.dispute_type_name("rest_leave") == "休息休假"
    assert codes(reference.choices("dispute_type", "rest_leave")) == [
        "wages",
        "platform_work",
        "rest_leave",
    ]
    assert reference.choices("dispute_type", "wages") == reference.dispute_types()
    # a code the district never listed keeps its shipped name
    assert reference.dispute_type_name("overtime") == "加班费"
    # the other list was not sent: shipped
    assert reference.intake_channels() == reference.shipped_code_list("intake_channel")
    # another store without lists: nothing of the first one stays behind
    reference.install_district_code_lists({})
    assert reference.dispute_types() == reference.shipped_code_list("dispute_type")


def district_changes(server) -> None:
    from app.district.db import sessions

    engine = server.engine()
    try:
        with sessions(engine)() as s, s.begin():
            upsert_item(s, "dispute_type", "wages", "拖欠劳动报酬（含加班费）")
            upsert_item(s, "dispute_type", "rest_leave", "休息休假", active=False)
            upsert_item(s, "dispute_type", "platform_work", "新就业形态劳动纠纷")
            upsert_item(s, "intake_channel", "walk_in", "来访（窗口受理）")
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_pull_brings_the_district_names_and_old_records_keep_theirs(district, station_a, qtbot):
    with station_a.unit_of_work() as s:
        case = DisputeCase(
            case_no="(2026)鼓楼鼓东劳调字第0003号",
            case_year=2026,
            case_seq=3,
            status=CaseStatus.IN_MEDIATION,
            intake_channel="walk_in",
            received_on=date(2026, 3, 2),
            registered_at=station_a.station.created_at,
        )
        claim = CaseClaim(case_id=case.id, dispute_type="rest_leave")
        s.add_all([case, claim])
    assert sync_once(station_a).ok  # the district's seeded lists arrive
    assert reference.dispute_type_name("wages") == "劳动报酬/拖欠工资"

    district_changes(district)
    result = sync_once(station_a)
    assert result.ok and result.received == 4
    assert reference.dispute_type_name("wages") == "拖欠劳动报酬（含加班费）"
    assert reference.intake_channel_name("walk_in") == "来访（窗口受理）"
    offered = codes(reference.dispute_types())
    assert "rest_leave" not in offered and "platform_work" in offered
    assert offered.index("wages") < offered.index("platform_work")
    with station_a.read() as s:
        held = s.get(CaseClaim, claim.id).dispute_type
        shown = load_case(s, case.id)
        listed = list_cases(s, CaseFilter()).rows
    assert reference.dispute_type_name(held) == "休息休假"
    assert "rest_leave" in codes(reference.choices("dispute_type", held))
    assert "rest_leave" in codes(reference.known_codes("dispute_type"))  # list filters
    # the case as the station shows it: the retired type by name, the channel by its new name
    assert [c.type_name for c in shown.claims] == ["休息休假"]
    assert shown.channel_name == "来访（窗口受理）"
    assert [r.dispute_types for r in listed] == ["休息休假"]

    # a new login (another process, say): the store's lists are put to use when the main
    # window's sync controller starts
    reference.install_district_code_lists({})
    assert reference.dispute_type_name("wages") == "劳动报酬/拖欠工资"
    from app.ui.context import AppContext
    from app.ui.sync.controller import SyncController

    controller = SyncController.for_context(AppContext(station_a))
    controller.start(first_delay_ms=3_600_000)
    try:
        assert reference.dispute_type_name("wages") == "拖欠劳动报酬（含加班费）"
        assert "rest_leave" not in codes(reference.dispute_types())
    finally:
        controller.stop()
    assert codelists.district_code_lists(station_a)["dispute_type"]

"""Defect 6 (station side): ``labor-station sync`` does not say success when it was not one."""

from __future__ import annotations

import uuid

import pytest

from app.cli.main import main
from app.store.models import Enterprise
from app.sync import state
from app.sync.client import DistrictClient, SyncProblem
from tests.conftest import ADMIN_PASSWORD
from tests.sync_fixtures import *  # noqa: F403


@pytest.fixture
def cli(station_a, monkeypatch):
    monkeypatch.setenv("LABOR_STATION_PASSWORD", ADMIN_PASSWORD)
    return lambda *args: main(["sync", "--data-dir", str(station_a.data_dir), *args])


def test_quarantined_records_make_sync_exit_non_zero(station_a, cli, capsys):
    with station_a.unit_of_work() as s:
        s.add(Enterprise(name="福州正常企业有限公司"))
        s.add(Enterprise(name="福州\x00企业有限公司"))  # the district refuses NUL
    assert cli() == 3
    captured = capsys.readouterr()
    assert "退回 1 条" in captured.out and "控制字符" in captured.out
    assert "被区级服务器退回" in captured.err
    # nothing more to send, nothing newly refused: the next pass succeeds
    assert cli() == 0


def test_a_wild_sequence_number_does_not_break_the_station(district, station_a, cli):
    with state.reading(station_a) as s:
        client = DistrictClient(
            state.get(s, state.SERVER_URL),
            ca_pem=state.get(s, state.CA_PEM),
            credential=state.get(s, state.CREDENTIAL),
        )
    with client, pytest.raises(SyncProblem) as refused:
        client.send_batch(
            {"protocol": 1, "station_code": "GUDONG", "batch_id": str(uuid.uuid4()),
             "seq": 2**53, "ack_outbox_seq": 0, "records": []}
        )  # fmt: skip
    assert refused.value.status == 409
    with station_a.unit_of_work() as s:
        s.add(Enterprise(name="福州之后的企业有限公司"))
    assert cli() == 0


def test_an_unreachable_server_makes_sync_exit_non_zero(station_a, cli, capsys):
    with station_a.unit_of_work() as s:
        s.add(Enterprise(name="福州待发送企业有限公司"))
    assert cli("--server", "https://127.0.0.1:9") != 0
    assert "同步未完成" in capsys.readouterr().err

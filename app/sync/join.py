"""Protocol 2: a new PC joins its station, or a PC is rebuilt from the district (``restore``).

Both take a fresh one-time code issued by a district admin (``labor-district enroll-device``;
``labor-district enroll`` for a restore that replaces every earlier PC of the station), make the
encrypted store with the local administrator, and download every record of the station page by
page (``app.sync.pull``), then ask how to number cases. Until that has finished the store is
marked ``sync.restore_in_progress``: running the same command again on the same folder (with
the same administrator password) resumes where it stopped, and :func:`unfinished` tells the
app not to use the store half-done; deleting the folder throws it away.

Passwords never leave a PC: the station's other users arrive with the download (their accounts,
roles and whether they are enabled, :mod:`app.sync.users`) but without a password here; the
station administrator sets one for each (``users reset-password``, or 设置与用户 → 重置密码). A new
administrator whose user name is an enabled station administrator of the station becomes that
account (one account per person across the PCs).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from app.cases.numbering import NUMBERING_SETTING
from app.store.folder import RESTORE_MARKER, unfinished_folder
from app.store.models import MODEL_BY_ENTITY
from app.store.store import Store, check_password_strength, check_username
from app.sync import blobs, numbers, pull, state
from app.sync.client import DistrictClient, SyncProblem, normalise_server_url
from app.sync.run import checked_ca, save_enrollment

log = logging.getLogger(__name__)


@dataclass
class JoinResult:
    store: Store
    station_name: str
    #: shown once (a new store): the recovery code to print and lock away
    recovery_code: str | None
    resumed: bool = False
    received: int = 0
    #: records per kind: this PC after the download, and what the district holds
    local_counts: dict[str, int] = field(default_factory=dict)
    district_counts: dict[str, int] = field(default_factory=dict)
    numbering: str | None = None
    notes: list[str] = field(default_factory=list)
    attachments: int = 0
    attachments_missing: int = 0

    @property
    def complete(self) -> bool:
        return all(self.local_counts.get(k, 0) >= n for k, n in self.district_counts.items())


#: made in the data folder before the store (no personal data: its name says it all), removed
#: when the download has finished; a store beside it is not to be used
MARKER = RESTORE_MARKER


def unfinished(store: Store) -> bool:
    """A join or restore that has not finished: the store must not be used yet."""
    if unfinished_folder(store.data_dir):
        return True
    with state.reading(store) as s:
        return bool(state.get(s, state.RESTORE))


def local_counts(store: Store) -> dict[str, int]:
    code = store.station.code
    out = {}
    with state.reading(store) as s:
        for entity, model in MODEL_BY_ENTITY.items():
            t = model.__table__
            n = s.scalar(select(func.count()).select_from(t).where(t.c.station_code == code))
            if n:
                out[entity] = n
    return out


def join(
    data_dir: Path,
    server_url: str,
    code: str | None,
    ca_pem: str | None,
    admin: str,
    password: str,
    *,
    display_name: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> JoinResult:
    """Join (or restore) the station of ``code`` into the empty folder ``data_dir``; or resume an
    unfinished one there. Raises ``SyncProblem`` or ``StoreError`` (Chinese text)."""
    data_dir = Path(data_dir)
    admin = check_username(admin)
    recovery = None
    resumed = Store.exists(data_dir)
    if resumed:
        store = Store.open(data_dir, admin, password)
        if not unfinished(store):
            store.close()
            raise SyncProblem(
                "该数据文件夹中已有完整的站点数据：加入本站或恢复只能在新的（空的）数据文件夹中进行"
            )
        with state.reading(store) as s:
            url, ca = state.get(s, state.SERVER_URL), state.get(s, state.CA_PEM)
            credential = state.get(s, state.CREDENTIAL)
        if not credential:
            store.close()
            raise SyncProblem(
                "上次的恢复在登记完成前中断，无法继续：请删除该数据文件夹，"
                "向区人社局申请新的登记码后重新恢复"
            )
        name = store.station.name
    else:
        check_password_strength(password, admin)
        url = normalise_server_url(server_url)
        ca = checked_ca(url, ca_pem)
        if not (code or "").strip():
            raise SyncProblem("请填写区人社局提供的登记码")
        with DistrictClient(url, ca_pem=ca) as client:
            answer = client.enroll(None, code.strip(), None)
        if not isinstance(answer.get("credential"), str) or not answer.get("station_code"):
            raise SyncProblem(
                "区级服务器的答复不完整，登记未完成：请向区人社局申请新的登记码后重试"
            )
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / MARKER).write_bytes(b"")
        store, recovery = Store.create(
            data_dir, answer["station_code"], admin, display_name or admin, password
        )
        save_enrollment(store, url, ca, answer)
        with state.transaction(store) as s:
            state.put(s, state.RESTORE, True)
            # never number on its own before the district has said so (another PC may)
            state.put(s, NUMBERING_SETTING, "pending")
        name = str(answer.get("station_name") or store.station.name)
    result = JoinResult(store, name, recovery, resumed=resumed)
    try:
        with state.reading(store) as s:
            credential = state.get(s, state.CREDENTIAL)
        with DistrictClient(url, ca_pem=ca, credential=credential) as client:
            from app.sync import users

            if not resumed:
                users.adopt_admin(client, store)

            def pulled(done: int, high: int) -> None:
                if progress:
                    progress(done, high, "正在下载本站数据")

            outcome = pull.pull_all(client, store, progress=pulled, cancel=cancel)
            result.received = outcome.applied

            def fetched(done: int, total: int) -> None:
                if progress:
                    progress(done, total, "正在下载附件")

            moved = blobs.download_missing(client, store, cancel=cancel, progress=fetched)
            result.attachments = moved.downloaded
            result.attachments_missing = moved.missing
            accounts = users.exchange(client, store)
            result.notes.extend(accounts.notes)
            from app.sync.audit_upload import fetch_others

            fetch_others(client, store, cancel=cancel)  # the station's 操作记录 so far
            try:
                result.numbering = numbers.refill(client, store).mode
            except SyncProblem as problem:
                if problem.status != 409:
                    raise
                result.notes.append(str(problem))
            result.district_counts = client.counts()
        result.local_counts = local_counts(store)
        with state.transaction(store) as s:
            state.put(s, state.RESTORE, None)
        (data_dir / MARKER).unlink(missing_ok=True)
    except BaseException:
        store.close()
        raise
    log.info("station joined from the district: %s records", result.received)
    return result

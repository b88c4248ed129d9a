"""The station store: one encrypted SQLCipher file per station, opened by a user's password.

Typical use::

    store, recovery_code = Store.create(data_dir, "GUDONG", "admin", "站长", password)
    store = Store.open(data_dir, "admin", password)
    with store.unit_of_work() as s:      # one transaction; audit and outbox written with it
        s.add(Enterprise(name="…"))
    with store.read() as s:
        s.scalars(select(Enterprise)).all()
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

import app.roster  # noqa: F401  (Enterprise name initials and local-edit tracking, for every change)
from app.domain import reference
from app.domain.enums import Role
from app.domain.passwords import STATION_MIN_LENGTH, password_problem
from app.logsetup import describe_exception
from app.store import backup as backups
from app.store import changes, migrate, rekey
from app.store.engine import make_engine, writer
from app.store.errors import (
    BadCredentials,
    Conflict,
    PermissionDenied,
    StoreCorrupt,
    StoreExists,
    StoreNotFound,
    ValidationError,
)
from app.store.folder import DB_FILE, KEYS_FILE, create_private_empty, secure_data_dir
from app.store.keyslots import (
    KDF_MIN_LOG2N,
    KdfParams,
    KeySlotFile,
    calibrate_kdf,
    new_recovery_code,
)
from app.store.models import Setting, StationInfo, UserAccount, utcnow
from app.store.rekey import StoreBusy

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = STATION_MIN_LENGTH
RECOVERY_USER_ID = "recovery"


class _Gate:
    """Connections in use vs. a key rotation: the pool's checkouts take the gate shared, a
    rotation takes it alone (it waits until every connection is back, and a checkout that
    waited through a rotation is retried with a new connection under the new key)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._out: set[int] = set()
        self._closed = False
        self.epoch = 0

    def checkout(self, dbapi_conn, record, proxy) -> None:
        with self._cond:
            waited = False
            while self._closed:
                waited = True
                self._cond.wait()
            if waited or getattr(record, "info", {}).get("epoch", self.epoch) != self.epoch:
                from sqlalchemy.exc import DisconnectionError

                record.info.pop("epoch", None)
                raise DisconnectionError("the store's key changed")  # the pool reconnects
            record.info["epoch"] = self.epoch
            self._out.add(id(dbapi_conn))

    def checkin(self, dbapi_conn, record) -> None:
        with self._cond:
            self._out.discard(id(dbapi_conn))
            self._cond.notify_all()

    @contextlib.contextmanager
    def alone(self, timeout: float = 60.0):
        import time

        deadline = time.monotonic() + timeout
        with self._cond:
            while self._closed:
                self._cond.wait(timeout=1)
            self._closed = True
            try:
                while self._out:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise StoreBusy("数据正在被其他操作使用（如同步、导入），请稍后重试")
                    self._cond.wait(timeout=left)
            except BaseException:
                self._closed = False
                self._cond.notify_all()
                raise
        try:
            yield
        finally:
            with self._cond:
                self.epoch += 1
                self._closed = False
                self._cond.notify_all()


@dataclass(frozen=True)
class CurrentUser:
    id: str
    username: str
    display_name: str
    role: Role

    @property
    def can_write(self) -> bool:
        return self.role in (Role.STATION_ADMIN, Role.MEDIATOR)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.STATION_ADMIN


def check_password_strength(password: str, username: str | None = None) -> None:
    """The station's password policy (``app.domain.passwords``): at least 10 characters, not
    repetitive, not common, not the user name; the reason in Chinese."""
    problem = password_problem(password, min_length=MIN_PASSWORD_LENGTH, username=username)
    if problem:
        raise ValidationError(problem, field="密码")


def check_display_name(display_name: str) -> str:
    """Every account has the name of the person (printed on documents, shown in the audit)."""
    name = (display_name or "").strip()
    if not name:
        raise ValidationError("请填写使用该账户的人的姓名", field="姓名")
    if len(name) > 60:
        raise ValidationError("不能超过60个字符", field="姓名")
    if not name.isprintable():
        raise ValidationError("不能含有控制字符", field="姓名")
    return name


def check_username(username: str) -> str:
    name = username.strip()
    if not name:
        raise ValidationError("不能为空", field="用户名")
    if len(name) > 60:
        raise ValidationError("不能超过60个字符", field="用户名")
    return name


class Store:
    def __init__(self, data_dir: Path, keys: KeySlotFile, key: bytes, user: CurrentUser):
        self.data_dir = Path(data_dir)
        self.keys = keys
        self._key = key
        self.user = user
        self._keys_lock = threading.RLock()
        self.engine: Engine = make_engine(self.db_path, lambda: self._key)
        self._gate = _Gate()
        event.listen(self.engine, "checkout", self._gate.checkout)
        event.listen(self.engine, "checkin", self._gate.checkin)
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._writer = sessionmaker(bind=writer(self.engine), expire_on_commit=False)
        changes.install(self._reader)
        changes.install(self._writer)
        self._station: StationInfo | None = None
        self._change_listeners: list[Callable[[frozenset[str]], None]] = []

    # -------------------------------------------------------------- paths

    @staticmethod
    def db_path_in(data_dir: Path) -> Path:
        return Path(data_dir) / DB_FILE

    @staticmethod
    def keys_path_in(data_dir: Path) -> Path:
        return Path(data_dir) / KEYS_FILE

    @property
    def db_path(self) -> Path:
        return self.db_path_in(self.data_dir)

    @property
    def keys_path(self) -> Path:
        return self.keys_path_in(self.data_dir)

    @classmethod
    def exists(cls, data_dir: Path) -> bool:
        return cls.keys_path_in(data_dir).exists() and cls.db_path_in(data_dir).exists()

    # -------------------------------------------------------------- create / open

    @classmethod
    def create(
        cls,
        data_dir: Path,
        station_code: str,
        admin_username: str,
        admin_display_name: str,
        admin_password: str,
        *,
        kdf: KdfParams | None = None,
    ) -> tuple[Store, str]:
        """A new station store with its administrator. Returns the store and the recovery code."""
        data_dir = Path(data_dir)
        station = reference.station(station_code)
        admin_username = check_username(admin_username)
        admin_display_name = check_display_name(admin_display_name)
        check_password_strength(admin_password, admin_username)
        if cls.keys_path_in(data_dir).exists() or cls.db_path_in(data_dir).exists():
            raise StoreExists()
        secure_data_dir(data_dir)  # POSIX modes; on Windows the user, SYSTEM and Administrators
        create_private_empty(cls.db_path_in(data_dir))
        kdf = kdf or calibrate_kdf()
        key = secrets.token_bytes(32)
        recovery = new_recovery_code()
        keys = KeySlotFile.create(cls.keys_path_in(data_dir), station.code)
        admin = UserAccount(
            username=admin_username,
            display_name=admin_display_name.strip() or admin_username,
            role=Role.STATION_ADMIN,
            password_changed_at=utcnow(),
        )
        store = None
        try:
            engine = make_engine(cls.db_path_in(data_dir), key, create=True)
            try:
                migrate.upgrade(engine)
                with Session(writer(engine), expire_on_commit=False) as s, s.begin():
                    s.add(
                        StationInfo(
                            code=station.code,
                            name=station.name,
                            short_name=station.short,
                            kind=station.kind,
                            store_id=keys.store_id,
                            organisation_name=default_organisation_name(station),
                        )
                    )
                    s.add(admin)
            finally:
                engine.dispose()
            keys.set_user_slot(admin_username, admin_password, key, kdf)
            keys.set_recovery_slot(recovery, key, kdf)
            keys.save()
            user = CurrentUser(admin.id, admin.username, admin.display_name, admin.role)
            store = cls(data_dir, keys, key, user)
        except BaseException:
            for path in (cls.db_path_in(data_dir), cls.keys_path_in(data_dir)):
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(FileNotFoundError):
                        Path(str(path) + suffix).unlink()
            raise
        log.info("created station store for %s", station.code)
        return store, recovery

    @classmethod
    def _load_keys(cls, data_dir: Path) -> KeySlotFile:
        if not cls.exists(data_dir):
            raise StoreNotFound()
        secure_data_dir(data_dir)
        rekey.recover(cls.db_path_in(data_dir), cls.keys_path_in(data_dir))
        return KeySlotFile.load(cls.keys_path_in(data_dir))

    @classmethod
    def open(
        cls, data_dir: Path, username: str, password: str, *, now: float | None = None
    ) -> Store:
        """Unlock with a user's password, migrate the schema if needed, record the login."""
        data_dir = Path(data_dir)
        keys = cls._load_keys(data_dir)
        key = keys.unlock_user(username, password, now=now)
        store = cls._open_unlocked(data_dir, keys, key, username=username)
        store._upgrade_slot(lambda k: k.find_user_slot(username),
                            lambda k, kdf: k.set_user_slot(username, password, store._key, kdf))  # fmt: skip
        return store

    @classmethod
    def open_with_recovery(cls, data_dir: Path, code: str, *, now: float | None = None) -> Store:
        """Unlock with the recovery code; the session acts as station administrator."""
        data_dir = Path(data_dir)
        keys = cls._load_keys(data_dir)
        key = keys.unlock_recovery(code, now=now)
        store = cls._open_unlocked(data_dir, keys, key, username=None)
        store._upgrade_slot(KeySlotFile.recovery_slot,
                            lambda k, kdf: k.set_recovery_slot(code, store._key, kdf))  # fmt: skip
        return store

    @classmethod
    def _open_unlocked(
        cls, data_dir: Path, keys: KeySlotFile, key: bytes, *, username: str | None
    ) -> Store:
        placeholder = CurrentUser(RECOVERY_USER_ID, "", "恢复码", Role.STATION_ADMIN)
        store = cls(data_dir, keys, key, placeholder)
        try:
            migrate.ensure_current(store.engine, backup=store.backup, restore=store._restore_file)
            if username is not None:
                with store._writer() as s, s.begin():
                    account = s.scalar(
                        select(UserAccount).where(UserAccount.username == username.strip())
                    )
                    if account is None or not account.active:
                        raise BadCredentials()
                    account.last_login_at = utcnow()
                    store.user = CurrentUser(
                        account.id, account.username, account.display_name, account.role
                    )
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        with contextlib.suppress(Exception), self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -------------------------------------------------------------- sessions

    def _info(self) -> dict:
        return {
            "user_id": self.user.id,
            "station_code": self.station.code if self._station else self.keys.station_code,
            "read_only": not self.user.can_write,
            "notify": self._notify_changed,
        }

    # -------------------------------------------------------------- change notification

    def add_change_listener(self, listener: Callable[[frozenset[str]], None]) -> None:
        """Call ``listener(entities)`` after every commit that changed synced records; entities
        are table names (``"enterprise"``, ``"dispute_case"`` …). It runs on the committing
        thread: a GUI hands it on to its own thread (the app's context does, with a signal)."""
        self._change_listeners.append(listener)

    def remove_change_listener(self, listener: Callable[[frozenset[str]], None]) -> None:
        with contextlib.suppress(ValueError):
            self._change_listeners.remove(listener)

    def _notify_changed(self, entities: frozenset[str]) -> None:
        for listener in list(self._change_listeners):
            try:
                listener(entities)
            except Exception as exc:  # a listener's bug must not fail the committed write
                log.error("change listener failed: %s", describe_exception(exc))

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (deferred BEGIN; never blocks on a writer)."""
        with self._reader(info=self._info()) as session:
            yield session

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE); commits at the end, rolls back on any error."""
        if not self.user.can_write:
            raise PermissionDenied("只读用户不能修改数据")
        with self._writer(info=self._info()) as session:
            try:
                with session.begin():
                    yield session
            except StaleDataError as exc:
                raise Conflict() from exc

    @contextlib.contextmanager
    def system_transaction(self) -> Iterator[Session]:
        """A write transaction for the app's own bookkeeping (settings, drafts, sync state, audit of
        account changes): no role check, but synced records written here are still stamped, audited
        and refused for read-only users by the change hook."""
        with self._writer(info=self._info()) as session, session.begin():
            yield session

    def require_admin(self) -> None:
        if not self.user.is_admin:
            raise PermissionDenied("只有站点管理员可以进行此操作")

    # -------------------------------------------------------------- station

    @property
    def station(self) -> StationInfo:
        if self._station is None:
            with self._reader() as s:
                self._station = s.scalars(select(StationInfo)).one()
        return self._station

    def update_station_profile(
        self, *, organisation_name: str, address: str | None, phone: str | None
    ) -> None:
        self.require_admin()
        with self.unit_of_work() as s:
            info = s.scalars(select(StationInfo)).one()
            info.organisation_name = organisation_name.strip() or info.organisation_name
            info.address = (address or "").strip() or None
            info.phone = (phone or "").strip() or None
        self._station = None

    # -------------------------------------------------------------- settings (encrypted)

    def get_setting(self, key: str, default=None):
        with self.read() as s:
            row = s.get(Setting, key)
            return default if row is None else row.value

    def set_setting(self, key: str, value) -> None:
        with self.system_transaction() as s:
            row = s.get(Setting, key)
            if row is None:
                s.add(Setting(key=key, value=value))
            else:
                row.value = value

    # -------------------------------------------------------------- users and key slots

    def list_users(self) -> list[UserAccount]:
        with self.read() as s:
            return list(s.scalars(select(UserAccount).order_by(UserAccount.created_at)))

    def _kdf(self) -> KdfParams:
        return calibrate_kdf()

    def add_user(self, username: str, display_name: str, role: Role, password: str) -> UserAccount:
        self.require_admin()
        username = check_username(username)
        display_name = check_display_name(display_name)
        check_password_strength(password, username)
        account = UserAccount(
            username=username,
            display_name=display_name,
            role=Role(role),
            created_by=self.user.id,
            password_changed_at=utcnow(),
        )
        with self._keys_lock:
            try:
                with self._writer(info=self._info()) as s, s.begin():
                    s.add(account)
                    s.flush()
                    self.keys.set_user_slot(username, password, self._key, self._kdf())
                    self.keys.save()
            except IntegrityError as exc:
                self.keys = KeySlotFile.load(self.keys_path)
                raise ValidationError(f"用户名“{username}”已存在", field="用户名") from exc
        self._audit("user_add", account.id, f"新增用户（{Role(role).label}）")
        return account

    def _account(self, s: Session, username: str) -> UserAccount:
        account = s.scalar(select(UserAccount).where(UserAccount.username == username.strip()))
        if account is None:
            raise ValidationError(f"用户“{username}”不存在", field="用户名")
        return account

    # ------------------------------------------------ the database key: rotation and upgrades

    def _upgrade_slot(self, find, renew) -> None:
        """After a login: a first-release slot, or one below today's KDF floor, is made anew
        with the password just given (no one else's slot changes)."""
        with self._keys_lock:
            slot = find(self.keys)
            if slot is None:
                return
            floor = min(KDF_MIN_LOG2N, self._kdf().log2_n) if slot.kdf.log2_n < KDF_MIN_LOG2N else 0
            if self.keys.slot_is_current(slot, floor):
                return
            renew(self.keys, self._kdf())
            self.keys.save()
            log.info("key slot upgraded at login")

    def _rotate_key(self, change, *, reason: str) -> list[str]:
        """Give the store a new database key (SQLCipher), crash-safely, after a verified backup.

        ``change(keys, new_key)`` edits the new slot file (drop a slot, add a new one). Every other
        slot keeps working: the new key is sealed to its public key. Returns the tags of
        first-release slots that could not take the new key (their users need a new password).
        A copy of the old slot file, a backup's or a stolen one, opens none of what is written
        from now on. Must not be called with a session open in this thread.
        """
        with self._keys_lock:
            recovery = self.keys.recovery_slot()
            if recovery is None or recovery.v < 2:
                raise ValidationError(
                    "本站的恢复码是旧版本程序生成的，无法随数据密钥一同更换：请先在“设置与用户”中"
                    "点击“更换恢复码”，打印新的恢复码，然后再进行此操作"
                )
            with self._gate.alone():
                self.engine.dispose()
                old_key = self._key
                safety = backups.create_backup(
                    self.data_dir, self.db_path, self.keys_path, old_key, f"pre-rekey-{reason}"
                )
                new_key = secrets.token_bytes(32)
                next_keys, dropped = self.keys.rotated(old_key, new_key)
                change(next_keys, new_key)
                rekey.swap_key(self.db_path, self.keys_path, old_key, new_key, next_keys)
                self._key, self.keys = new_key, next_keys
            self.engine.dispose()
        with contextlib.suppress(Exception):
            backups.prune(self.data_dir, self._backup_keep())
        log.info("database key rotated (%s); backup %s", reason, safety.name)
        return [slot.tag for slot in dropped if slot.kind == "user"]

    def _backup_keep(self) -> int:
        try:
            return int(self.get_setting(self.BACKUP_KEEP_SETTING, backups.DEFAULT_KEEP))
        except Exception:
            return backups.DEFAULT_KEEP

    def _legacy_users(self, dropped_tags: list[str]) -> list[str]:
        if not dropped_tags:
            return []
        with self.read() as s:
            names = list(s.scalars(select(UserAccount.username).where(UserAccount.active)))
        return [n for n in names if self.keys.user_tag(n) in dropped_tags]

    def reset_password(self, username: str, new_password: str) -> list[str]:
        """Set a user's password (administrator, or a recovery-code session).

        The database key is rotated: the old password (and any copy of the old slot) opens
        nothing written from now on, and the old slot is taken out of every kept backup's key
        file. Returns users whose first-release slots had to go (they need a new password too).
        """
        self.require_admin()
        with self.read() as s:
            username = self._account(s, username).username
        check_password_strength(new_password, username)
        kdf = self._kdf()
        dropped = self._rotate_key(
            lambda keys, key: keys.set_user_slot(username, new_password, key, kdf),
            reason="reset",
        )
        backups.remove_slots_from_backups(self.data_dir, tags={self.keys.user_tag(username)})
        with self._writer(info=self._info()) as s, s.begin():
            account = self._account(s, username)
            account.password_changed_at = utcnow()
            account.active = True
            account_id = account.id
        self._audit("user_reset_password", account_id, "重置密码（已更换数据密钥）")
        return self._legacy_users(dropped)

    def change_own_password(self, old_password: str, new_password: str) -> None:
        """A user's own new password: only that user's slot changes (the user knew the old one).
        A password that may have leaked is reset by the administrator, which rotates the key."""
        check_password_strength(new_password, self.user.username)
        if not self.verify_password(self.user.username, old_password):
            raise BadCredentials("原密码不正确")
        with self._keys_lock, self._writer(info=self._info()) as s, s.begin():
            account = self._account(s, self.user.username)
            account.password_changed_at = utcnow()
            self.keys.set_user_slot(self.user.username, new_password, self._key, self._kdf())
            self.keys.save()
        self._audit("user_change_password", self.user.id, "修改本人密码")

    def set_user_active(
        self, username: str, active: bool, password: str | None = None
    ) -> list[str]:
        """Disable (the slot goes, the database key is rotated and the user's slot is taken out
        of every kept backup's key file: neither the password nor a copied key file opens the
        store any more) or re-enable with a new password (a new slot)."""
        self.require_admin()
        if active:
            if password is None:
                raise ValidationError("重新启用用户需要为其设置新密码", field="密码")
            with self._keys_lock, self._writer(info=self._info()) as s, s.begin():
                account = self._account(s, username)
                check_password_strength(password, account.username)
                account.active = True
                account.password_changed_at = utcnow()
                self.keys.set_user_slot(account.username, password, self._key, self._kdf())
                self.keys.save()
                account_id = account.id
            self._audit("user_enable", account_id, "启用用户")
            return []
        with self.read() as s:
            account = self._account(s, username)
            if account.id == self.user.id:
                raise ValidationError("不能停用当前登录的用户")
            admins = s.scalars(
                select(UserAccount).where(
                    UserAccount.role == Role.STATION_ADMIN, UserAccount.active.is_(True)
                )
            ).all()
            if account.role == Role.STATION_ADMIN and account.active and len(admins) <= 1:
                raise ValidationError("至少需要保留一名启用的站点管理员")
            username = account.username
        tag = self.keys.user_tag(username)
        dropped = self._rotate_key(
            lambda keys, key: keys.remove_user_slot(username), reason="disable"
        )
        backups.remove_slots_from_backups(self.data_dir, tags={tag})
        with self._writer(info=self._info()) as s, s.begin():
            account = self._account(s, username)
            account.active = False
            account_id = account.id
        self._audit("user_disable", account_id, "停用用户（已更换数据密钥）")
        return self._legacy_users(dropped)

    def has_password_here(self, username: str) -> bool:
        """Whether the user can log in on this PC (a key slot here). A user added on another PC
        of the station arrives without one: the administrator sets a password here
        (:meth:`reset_password`); passwords never leave a PC."""
        with self._keys_lock:
            return self.keys.find_user_slot(username) is not None

    def drop_user_slot(self, username: str) -> bool:
        """A user disabled on another PC of the station (sync): as when disabled here, the slot
        goes, the database key is rotated and the slot is taken out of every kept backup's key
        file. No role check: the station administrator decided it on the other PC. Returns
        whether there was a slot. Must not be called with a session open in this thread."""
        if not self.has_password_here(username):
            return False
        tag = self.keys.user_tag(username)
        try:
            self._rotate_key(lambda keys, key: keys.remove_user_slot(username), reason="disable")
        except ValidationError:  # a first-release recovery slot cannot take a new key
            with self._keys_lock:
                self.keys.remove_user_slot(username)
                self.keys.save()
            log.warning("disabled user's slot removed without a key rotation (old recovery slot)")
        backups.remove_slots_from_backups(self.data_dir, tags={tag})
        return True

    def set_user_role(self, username: str, role: Role) -> None:
        self.require_admin()
        with self._writer(info=self._info()) as s, s.begin():
            account = self._account(s, username)
            if account.id == self.user.id and role != Role.STATION_ADMIN:
                raise ValidationError("不能降低当前登录管理员自己的权限")
            account.role = Role(role)
            account_id = account.id
        self._audit("user_role", account_id, f"角色改为{Role(role).label}")

    def verify_password(self, username: str, password: str, *, now: float | None = None) -> bool:
        """For the lock screen: is this the user's password? Throttled like a login."""
        with self._keys_lock:
            try:
                return self.keys.unlock_user(username, password, now=now) == self._key
            except BadCredentials:
                return False

    def rotate_recovery_code(self) -> str:
        """A new recovery code (the old one stops working, for the current store and for every
        kept backup's key file), with a new database key. Administrator only."""
        self.require_admin()
        code = new_recovery_code()
        kdf = self._kdf()
        with self._keys_lock:
            recovery = self.keys.recovery_slot()
            if recovery is None or recovery.v < 2:
                # a first-release recovery slot cannot take a new key: replace it first
                self.keys.set_recovery_slot(code, self._key, kdf)
                self.keys.save()
            self._rotate_key(
                lambda keys, key: keys.set_recovery_slot(code, key, kdf), reason="recovery"
            )
        backups.remove_slots_from_backups(self.data_dir, tags=set(), recovery=True)
        self._audit("recovery_rotate", None, "更换恢复码（已更换数据密钥）")
        return code

    def _audit(self, action: str, entity_id: str | None, summary: str) -> None:
        from app.store.models import AuditEvent

        with self.system_transaction() as s:
            s.add(
                AuditEvent(
                    user_id=self.user.id,
                    action=action,
                    entity="user_account",
                    entity_id=entity_id,
                    summary=summary,
                )
            )

    # -------------------------------------------------------------- backups

    BACKUP_KEEP_SETTING = "backup_keep"

    def backup(self, reason: str = "manual") -> Path:
        """An encrypted, verified copy of the store in ``backups/``; old ones beyond N are removed."""
        with contextlib.suppress(Exception), self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        path = backups.create_backup(self.data_dir, self.db_path, self.keys_path, self._key, reason)
        keep = backups.DEFAULT_KEEP
        with contextlib.suppress(Exception):
            keep = int(self.get_setting(self.BACKUP_KEEP_SETTING, backups.DEFAULT_KEEP))
        backups.prune(self.data_dir, keep)
        log.info("backup made (%s): %s", reason, path.name)
        return path

    def daily_backup_if_due(self, now=None) -> Path | None:
        if not backups.daily_backup_due(self.data_dir, now):
            return None
        return self.backup("daily")

    def _restore_file(self, backup_path: Path) -> None:
        """Put a verified backup in place of the store file (used when a migration fails)."""
        self.engine.dispose()
        backups.replace_store_file(self.db_path, backup_path, self._key)

    def verify_backup(self, backup_path: Path) -> None:
        """The backup opens (under this key or an earlier generation's) and is intact."""
        backups.verify(backup_path, backups.key_for(backup_path, self.keys.known_keys(self._key)))

    @classmethod
    def restore_backup(
        cls,
        data_dir: Path,
        backup_path: Path,
        *,
        admin: tuple[str, str] | None = None,
        recovery_code: str | None = None,
    ) -> Path:
        """Replace the store with a backup, authorised by an administrator's password or the
        recovery code. The backup is verified first; the current store is kept as a "pre-restore"
        backup. Nothing is replaced if any check fails. The store must be closed.

        Passwords stay as they are now (the current key-slot file is kept).
        Returns the path of the safety copy of the replaced store.
        """
        data_dir = Path(data_dir)
        keys = cls._load_keys(data_dir)
        if recovery_code:
            key = keys.unlock_recovery(recovery_code)
        elif admin:
            username, password = admin
            key = keys.unlock_user(username, password)
            engine = make_engine(cls.db_path_in(data_dir), key)
            try:
                with Session(engine) as s:
                    account = s.scalar(
                        select(UserAccount).where(UserAccount.username == username.strip())
                    )
                    if account is None or account.role != Role.STATION_ADMIN or not account.active:
                        raise PermissionDenied("只有站点管理员或恢复码可以恢复备份")
            finally:
                engine.dispose()
        else:
            raise PermissionDenied("恢复备份需要站点管理员密码或恢复码")
        # a backup made before a key rotation is under an earlier key: the current key opens
        # the history of every key this store has had
        backup_key = backups.key_for(Path(backup_path), keys.known_keys(key))
        backups.verify(Path(backup_path), backup_key)
        db_path = cls.db_path_in(data_dir)
        try:
            safety = backups.create_backup(
                data_dir, db_path, cls.keys_path_in(data_dir), key, "pre-restore"
            )
        except StoreCorrupt:
            # The store itself is damaged (often the reason to restore): keep its bytes aside.
            safety = backups.keep_damaged_copy(data_dir, db_path)
        backups.replace_store_file(db_path, Path(backup_path), backup_key, store_key=key)
        backups.prune(data_dir)
        log.info(
            "store restored from %s (previous state kept as %s)",
            Path(backup_path).name,
            safety.name,
        )
        return safety


def default_organisation_name(station: reference.Station) -> str:
    return f"福州市鼓楼区{station.name}劳动争议调解委员会"


def reset_password_with_recovery(
    data_dir: Path, code: str, username: str, new_password: str
) -> None:
    """Forgotten password: the recovery code sets a new one for ``username``."""
    with Store.open_with_recovery(data_dir, code) as store:
        store.reset_password(username, new_password)

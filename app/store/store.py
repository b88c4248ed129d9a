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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

import app.roster  # noqa: F401  (Enterprise name initials and local-edit tracking, for every change)
from app.domain import reference
from app.domain.enums import Role
from app.store import backup as backups
from app.store import changes, migrate, winacl
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
from app.store.keyslots import KdfParams, KeySlotFile, calibrate_kdf, new_recovery_code
from app.store.models import Setting, StationInfo, UserAccount, utcnow

log = logging.getLogger(__name__)

DB_FILE = "station.db"
KEYS_FILE = "station.keys.json"
MIN_PASSWORD_LENGTH = 8
RECOVERY_USER_ID = "recovery"


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


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"密码至少需要{MIN_PASSWORD_LENGTH}个字符", field="密码")
    if password.isdigit() and len(set(password)) <= 2:
        raise ValidationError("密码过于简单，请不要使用重复的数字", field="密码")


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
        self._keys_lock = threading.Lock()
        self.engine: Engine = make_engine(self.db_path, key)
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._writer = sessionmaker(bind=writer(self.engine), expire_on_commit=False)
        changes.install(self._reader)
        changes.install(self._writer)
        self._station: StationInfo | None = None

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
        check_password_strength(admin_password)
        if cls.keys_path_in(data_dir).exists() or cls.db_path_in(data_dir).exists():
            raise StoreExists()
        data_dir.mkdir(parents=True, exist_ok=True)
        winacl.secure_data_dir(data_dir)  # Windows: the user, SYSTEM and Administrators only
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
        return KeySlotFile.load(cls.keys_path_in(data_dir))

    @classmethod
    def open(
        cls, data_dir: Path, username: str, password: str, *, now: float | None = None
    ) -> Store:
        """Unlock with a user's password, migrate the schema if needed, record the login."""
        data_dir = Path(data_dir)
        keys = cls._load_keys(data_dir)
        key = keys.unlock_user(username, password, now=now)
        return cls._open_unlocked(data_dir, keys, key, username=username)

    @classmethod
    def open_with_recovery(cls, data_dir: Path, code: str, *, now: float | None = None) -> Store:
        """Unlock with the recovery code; the session acts as station administrator."""
        data_dir = Path(data_dir)
        keys = cls._load_keys(data_dir)
        key = keys.unlock_recovery(code, now=now)
        return cls._open_unlocked(data_dir, keys, key, username=None)

    @classmethod
    def _open_unlocked(
        cls, data_dir: Path, keys: KeySlotFile, key: bytes, *, username: str | None
    ) -> Store:
        placeholder = CurrentUser(RECOVERY_USER_ID, "", "恢复码", Role.STATION_ADMIN)
        winacl.secure_data_dir(data_dir)  # a folder made by an older version, or copied here
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
        }

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
        check_password_strength(password)
        account = UserAccount(
            username=username,
            display_name=display_name.strip() or username,
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

    def reset_password(self, username: str, new_password: str) -> None:
        """Set a user's password (administrator, or a recovery-code session). Only that slot changes."""
        self.require_admin()
        check_password_strength(new_password)
        with self._keys_lock, self._writer(info=self._info()) as s, s.begin():
            account = self._account(s, username)
            account.password_changed_at = utcnow()
            account.active = True
            self.keys.set_user_slot(account.username, new_password, self._key, self._kdf())
            self.keys.save()
            account_id = account.id
        self._audit("user_reset_password", account_id, "重置密码")

    def change_own_password(self, old_password: str, new_password: str) -> None:
        check_password_strength(new_password)
        if not self.verify_password(self.user.username, old_password):
            raise BadCredentials("原密码不正确")
        with self._keys_lock, self._writer(info=self._info()) as s, s.begin():
            account = self._account(s, self.user.username)
            account.password_changed_at = utcnow()
            self.keys.set_user_slot(self.user.username, new_password, self._key, self._kdf())
            self.keys.save()
        self._audit("user_change_password", self.user.id, "修改本人密码")

    def set_user_active(self, username: str, active: bool, password: str | None = None) -> None:
        """Disable (removes the key slot: the user can no longer decrypt) or re-enable with a password."""
        self.require_admin()
        with self._keys_lock, self._writer(info=self._info()) as s, s.begin():
            account = self._account(s, username)
            if not active:
                if account.id == self.user.id:
                    raise ValidationError("不能停用当前登录的用户")
                admins = s.scalars(
                    select(UserAccount).where(
                        UserAccount.role == Role.STATION_ADMIN, UserAccount.active.is_(True)
                    )
                ).all()
                if account.role == Role.STATION_ADMIN and len(admins) <= 1:
                    raise ValidationError("至少需要保留一名启用的站点管理员")
                account.active = False
                self.keys.remove_user_slot(account.username)
            else:
                if password is None:
                    raise ValidationError("重新启用用户需要为其设置新密码", field="密码")
                check_password_strength(password)
                account.active = True
                account.password_changed_at = utcnow()
                self.keys.set_user_slot(account.username, password, self._key, self._kdf())
            self.keys.save()
            account_id = account.id
        self._audit(
            "user_enable" if active else "user_disable",
            account_id,
            "启用用户" if active else "停用用户",
        )

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
        """A new recovery code (the old one stops working). Administrator only."""
        self.require_admin()
        code = new_recovery_code()
        with self._keys_lock:
            self.keys.set_recovery_slot(code, self._key, self._kdf())
            self.keys.save()
        self._audit("recovery_rotate", None, "更换恢复码")
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
        backups.verify(backup_path, self._key)

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
        backups.verify(Path(backup_path), key)
        db_path = cls.db_path_in(data_dir)
        try:
            safety = backups.create_backup(
                data_dir, db_path, cls.keys_path_in(data_dir), key, "pre-restore"
            )
        except StoreCorrupt:
            # The store itself is damaged (often the reason to restore): keep its bytes aside.
            safety = backups.keep_damaged_copy(data_dir, db_path)
        backups.replace_store_file(db_path, Path(backup_path), key)
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

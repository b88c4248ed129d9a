"""Who may talk to the district server: station credentials, enrollment codes, admins, sessions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.district.models import (
    AdminSession,
    AdminUser,
    AuthThrottle,
    DistrictStation,
    EnrollmentCode,
    StationCredential,
    utcnow,
)
from app.domain.passwords import DISTRICT_MIN_LENGTH, password_problem
from app.sync import protocol

ENROLL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
ENROLL_LENGTH = 16
SESSION_HOURS = 8
MIN_ADMIN_PASSWORD = DISTRICT_MIN_LENGTH

#: (attempts allowed, window in seconds) per scope. Every attempt is counted before it is checked
#: (so concurrent attempts cannot slip past the limit); a success is refunded, and clears the
#: account's count.
THROTTLES = {
    "enroll-addr": (10, 600.0),
    "login-account": (5, 900.0),
    "login-addr": (20, 900.0),
}


class AuthError(Exception):
    """``str()`` is a Chinese message; ``status`` the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 401):
        super().__init__(message)
        self.status = status


class Throttled(AuthError):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message, status=429)
        self.retry_after = retry_after


# ------------------------------------------------------------------ throttles (in the database)


def _throttle_key(scope: str, subject: str) -> str:
    return hashlib.sha256(f"labor-throttle:{scope}:{subject}".encode()).hexdigest()


def throttle_hit(s: Session, scope: str, subject: str) -> tuple[int, int]:
    """Count one attempt (atomically, in the database): returns ``(attempts, retry_after)``.

    ``attempts`` counts this one; when it is above the scope's limit the caller refuses, and
    ``retry_after`` says in how many seconds the window ends. One ``INSERT … ON CONFLICT DO
    UPDATE … RETURNING``, so concurrent requests in several server processes each get their own
    count and no more than the limit ever go through.
    """
    limit, window = THROTTLES[scope]
    now = utcnow()
    cutoff = now - timedelta(seconds=window)
    t = AuthThrottle.__table__
    insert = (pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert)(t)
    stale = t.c.window_start <= cutoff
    stmt = (
        insert.values(key=_throttle_key(scope, subject), scope=scope, count=1, window_start=now)
        .on_conflict_do_update(
            index_elements=[t.c.key],
            set_={
                "count": case((stale, 1), else_=t.c.count + 1),
                "window_start": case((stale, now), else_=t.c.window_start),
            },
        )
        .returning(t.c.count, t.c.window_start)
    )
    count, started = s.execute(stmt).one()
    if started.tzinfo is None:  # RETURNING bypasses the column type on some drivers
        started = started.replace(tzinfo=UTC)
    retry = max(1, int((started + timedelta(seconds=window) - now).total_seconds()) + 1)
    return count, retry if count > limit else 0


def throttle_refund(s: Session, scope: str, subject: str) -> None:
    """An attempt that succeeded does not count against the address."""
    key = _throttle_key(scope, subject)
    s.execute(
        update(AuthThrottle)
        .where(AuthThrottle.key == key, AuthThrottle.count > 0)
        .values(count=AuthThrottle.count - 1)
        .execution_options(synchronize_session=False)
    )


def throttle_clear(s: Session, scope: str, subject: str) -> None:
    s.execute(delete(AuthThrottle).where(AuthThrottle.key == _throttle_key(scope, subject)))


def check_throttle(session_factory, scope: str, subject: str, message: str) -> None:
    """Count an attempt in its own transaction (it counts even if the attempt fails later)."""
    with session_factory() as s, s.begin():
        _count, retry = throttle_hit(s, scope, subject)
    if retry:
        minutes = max(1, round(retry / 60))
        raise Throttled(message.format(minutes=minutes), retry)


# ------------------------------------------------------------------ enrollment


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _code_hash(code: str) -> str:
    return hashlib.sha256(b"labor-enroll:" + normalise_code(code).encode()).hexdigest()


def create_enrollment_code(
    s: Session, station_code: str, hours: float = 72
) -> tuple[str, datetime]:
    """A new one-time code for ``station_code``; earlier unused codes of that station stop working."""
    station = s.get(DistrictStation, station_code)
    if station is None:
        raise AuthError(f"未知的站点代码：{station_code}", status=404)
    now = utcnow()
    s.execute(
        update(EnrollmentCode)
        .where(EnrollmentCode.station_code == station_code, EnrollmentCode.used_at.is_(None))
        .values(expires_at=now)
    )
    raw = "".join(secrets.choice(ENROLL_ALPHABET) for _ in range(ENROLL_LENGTH))
    expires = now + timedelta(hours=hours)
    s.add(EnrollmentCode(code_hash=_code_hash(raw), station_code=station_code, expires_at=expires))
    shown = "-".join(raw[i : i + 4] for i in range(0, ENROLL_LENGTH, 4))
    return shown, expires


def redeem_enrollment_code(s: Session, station_code: str, code: str, store_id: str | None) -> str:
    """Check the code and return a new station credential (shown once, kept only hashed).

    The code is taken by one conditional ``UPDATE … WHERE used_at IS NULL``: of concurrent
    requests with the same code exactly one gets a credential (PostgreSQL re-checks the condition
    after a concurrent update commits; SQLite serialises writers). The station's earlier
    credentials are revoked: whoever held them (an old PC, a copied store) is locked out.
    """
    code_hash = _code_hash(code)
    now = utcnow()
    taken = s.execute(
        update(EnrollmentCode)
        .where(
            EnrollmentCode.code_hash == code_hash,
            EnrollmentCode.station_code == station_code,
            EnrollmentCode.used_at.is_(None),
            EnrollmentCode.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        row = s.get(EnrollmentCode, code_hash)
        if row is None or row.station_code != station_code:
            raise AuthError("登记码不正确：请核对区人社局提供的登记码和本站站点")
        if row.used_at is not None:
            raise AuthError(
                "该登记码已经使用过：每个登记码只能使用一次，请向区人社局申请新的登记码"
            )
        raise AuthError("该登记码已过期：请向区人社局申请新的登记码")
    _revoke_earlier_credentials(s, station_code, now)
    token_id = secrets.token_hex(8)
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    s.add(
        StationCredential(
            id=token_id,
            station_code=station_code,
            secret_hash=protocol.secret_hash(secret),
            signing_key=protocol.signing_key(secret),
            created_at=now,
        )
    )
    station = s.get(DistrictStation, station_code)
    if station is not None and store_id:
        station.store_id = store_id[:36]
    return protocol.make_credential(token_id, secret)


def _revoke_earlier_credentials(s: Session, station_code: str, now: datetime) -> None:
    """A new enrollment replaces the station's credentials: the earlier ones stop working."""
    s.execute(
        update(StationCredential)
        .where(
            StationCredential.station_code == station_code, StationCredential.revoked_at.is_(None)
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def revoke_station(s: Session, station_code: str) -> int:
    """Revoke every credential and unused enrollment code of a station. Returns credentials revoked."""
    if s.get(DistrictStation, station_code) is None:
        raise AuthError(f"未知的站点代码：{station_code}", status=404)
    now = utcnow()
    result = s.execute(
        update(StationCredential)
        .where(
            StationCredential.station_code == station_code, StationCredential.revoked_at.is_(None)
        )
        .values(revoked_at=now)
    )
    s.execute(
        update(EnrollmentCode)
        .where(EnrollmentCode.station_code == station_code, EnrollmentCode.used_at.is_(None))
        .values(expires_at=now)
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class StationPrincipal:
    station_code: str
    credential_id: str
    signing_key: bytes


def authenticate_station(s: Session, authorization: str | None) -> StationPrincipal:
    if not authorization or not authorization.startswith("Bearer "):
        raise AuthError("缺少站点凭据：请先在“同步”页面登记本站")
    parsed = protocol.parse_credential(authorization[7:])
    if parsed is None:
        raise AuthError("站点凭据格式不正确")
    token_id, secret = parsed
    cred = s.get(StationCredential, token_id)
    if cred is None or not hmac.compare_digest(cred.secret_hash, protocol.secret_hash(secret)):
        raise AuthError("站点凭据无效：请向区人社局申请新的登记码，重新登记")
    if cred.revoked_at is not None:
        raise AuthError("本站的同步凭据已被区人社局撤销：请申请新的登记码，重新登记")
    return StationPrincipal(cred.station_code, cred.id, bytes(cred.signing_key))


# ------------------------------------------------------------------ admins


def hash_password(password: str, *, n: int = 2**14) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=8, p=1, dklen=32)
    return f"scrypt${n}${salt.hex()}${digest.hex()}"


def verify_password(stored: str, password: str) -> bool:
    try:
        _scheme, n, salt, digest = stored.split("$")
        test = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=8, p=1, dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(test.hex(), digest)


def create_admin(s: Session, name: str, password: str) -> None:
    name = name.strip()
    if not name or len(name) > 60:
        raise AuthError("用户名不能为空，且不超过60个字符", status=400)
    problem = password_problem(password, min_length=MIN_ADMIN_PASSWORD, username=name)
    if problem:
        raise AuthError(problem, status=400)
    row = s.get(AdminUser, name)
    if row is None:
        s.add(AdminUser(name=name, password_hash=hash_password(password)))
    else:
        row.password_hash = hash_password(password)
        row.active = True


def _token_hash(token: str) -> str:
    return hashlib.sha256(b"labor-admin-session:" + token.encode()).hexdigest()


LOGIN_THROTTLED = "登录失败次数过多，请约{minutes}分钟后再试"


def login_throttled(session_factory, name: str, client: str) -> None:
    """Count a login attempt for the account and for the client address; raise ``Throttled``."""
    check_throttle(session_factory, "login-addr", client, LOGIN_THROTTLED)
    check_throttle(
        session_factory, "login-account", (name or "").strip()[:60].lower(), LOGIN_THROTTLED
    )


def login(
    s: Session, name: str, password: str, client: str | None = None
) -> tuple[str, AdminSession]:
    """Check an admin's password and open a session. Callers count the attempt first
    (:func:`login_throttled`); a success clears the account's count and refunds the address's."""
    name = (name or "").strip()[:60]
    if any(ch < " " or ch == "\x7f" for ch in name):  # PostgreSQL refuses NUL in text: a 500
        raise AuthError("用户名或密码不正确")
    row = s.get(AdminUser, name)
    # run the KDF even for an unknown name, so that timing does not reveal which names exist
    ok = verify_password(row.password_hash if row else hash_password("x" * 12), password or "")
    if row is None or not row.active or not ok:
        raise AuthError("用户名或密码不正确")
    throttle_clear(s, "login-account", row.name.lower())
    if client is not None:
        throttle_refund(s, "login-addr", client)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    sess = AdminSession(
        token_hash=_token_hash(token),
        admin_name=row.name,
        csrf_token=secrets.token_urlsafe(24),
        created_at=now,
        expires_at=now + timedelta(hours=SESSION_HOURS),
    )
    s.add(sess)
    return token, sess


def admin_session(s: Session, token: str | None) -> AdminSession | None:
    if not token or len(token) > 100:
        return None
    sess = s.get(AdminSession, _token_hash(token))
    if sess is None or sess.expires_at <= utcnow():
        return None
    return sess


def logout(s: Session, token: str | None) -> None:
    if token:
        sess = s.get(AdminSession, _token_hash(token))
        if sess is not None:
            s.delete(sess)


def active_credentials(s: Session) -> dict[str, int]:
    rows = s.execute(
        select(StationCredential.station_code).where(StationCredential.revoked_at.is_(None))
    ).scalars()
    counts: dict[str, int] = {}
    for code in rows:
        counts[code] = counts.get(code, 0) + 1
    return counts

"""The competent labour-dispute arbitration commission: a station setting printed on every notice
that points a party to arbitration (调解终止通知书, 调解期限届满告知书, 不予受理通知书 …).

劳动争议调解仲裁法 Art. 21: the commission of the place where the labour contract is performed or
where the employer is located has jurisdiction. The station's users know which one that is for
their street; the default is the district's own commission.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from app.cases.errors import Problems
from app.domain.validators import check_phone

SETTING_KEY = "arbitration_commission"
DEFAULT_NAME = "鼓楼区劳动人事争议仲裁委员会"


@dataclass(frozen=True)
class ArbitrationCommission:
    name: str = DEFAULT_NAME
    address: str | None = None
    phone: str | None = None

    def contact_line(self) -> str:
        """``名称（地址：…；电话：…）`` as notices print it."""
        bits = [
            f"地址：{self.address}" if self.address else "",
            f"电话：{self.phone}" if self.phone else "",
        ]
        bits = [b for b in bits if b]
        return self.name + (f"（{'；'.join(bits)}）" if bits else "")


def load_commission(store) -> ArbitrationCommission:
    value = store.get_setting(SETTING_KEY) or {}
    if not isinstance(value, dict):
        return ArbitrationCommission()
    return ArbitrationCommission(
        name=(value.get("name") or "").strip() or DEFAULT_NAME,
        address=(value.get("address") or "").strip() or None,
        phone=(value.get("phone") or "").strip() or None,
    )


def save_commission(store, *, name: str, address: str | None, phone: str | None) -> None:
    """Check and store the commission; :class:`Problems` (Chinese, per field) when wrong."""
    problems = Problems()
    name = (name or "").strip()
    if not name:
        problems.add("name", "仲裁委员会名称", "不能为空")
    elif len(name) > 80:
        problems.add("name", "仲裁委员会名称", "不超过80个字符")
    elif "仲裁委员会" not in name:
        problems.add("name", "仲裁委员会名称", "应为劳动人事争议仲裁委员会的全称")
    address = (address or "").strip() or None
    if address and len(address) > 120:
        problems.add("address", "仲裁委员会地址", "不超过120个字符")
    phone = (phone or "").strip() or None
    if phone:
        result = check_phone(phone)
        if not result.ok:
            problems.add("phone", "仲裁委员会电话", result.message)
        else:
            phone = result.value
    problems.raise_if_any()
    store.set_setting(SETTING_KEY, asdict(ArbitrationCommission(name, address, phone)))

"""``labor-station demo``: a demo station filled with realistic, invented sample data.

Each area adds its part as a step in ``DEMO_STEPS`` ("module:function"); a step is called as
``step(store, rng, today)`` after the ones before it, and returns one summary line. All names,
ID numbers and codes are generated; they pass the validators but belong to nobody.
"""

from __future__ import annotations

import importlib
import random
from datetime import date
from pathlib import Path

from app.domain import reference
from app.domain.dates import compact_date
from app.domain.enums import EnterpriseSize, Role, Sex
from app.domain.validators import CREDIT_CODE_CHARS, credit_code_check_char, id_check_digit
from app.store.models import Enterprise, Person
from app.store.store import Store

DEMO_STEPS = [
    "app.demo:demo_enterprises",
    "app.roster.demo:demo_roster",
    "app.cases.demo:demo_cases",
    "app.visits.demo:demo_visits",
    "app.activities.demo:demo_activities",
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志华文斌海燕丹俊峰立新晓东春梅雪琳宇航凯亮婷婷浩然子涵欣怡梓轩思远嘉豪雨萱"
BRANDS = [
    "闽江",
    "榕城",
    "三坊",
    "七巷",
    "鼓山",
    "乌山",
    "屏山",
    "西湖",
    "温泉",
    "东街",
    "南街",
    "华大",
    "五凤",
    "安泰",
    "水部",
    "冶山",
    "闽都",
    "左海",
    "福道",
    "榕荫",
    "福新",
    "金牛",
    "洪山",
    "软件",
    "海峡",
    "八闽",
    "新榕",
    "恒信",
    "中盛",
    "鑫源",
]
TRADES = [
    ("软件开发", "科技有限公司"),
    ("信息技术服务", "信息技术有限公司"),
    ("餐饮服务", "餐饮管理有限公司"),
    ("零售", "商贸有限公司"),
    ("建筑施工", "建设工程有限公司"),
    ("物业管理", "物业服务有限公司"),
    ("电子商务", "电子商务有限公司"),
    ("酒店住宿", "酒店管理有限公司"),
    ("家政服务", "家政服务有限公司"),
    ("医药零售", "大药房有限公司"),
    ("文化传媒", "文化传媒有限公司"),
    ("劳务派遣", "人力资源有限公司"),
]
ROADS = [
    "五一北路",
    "八一七北路",
    "东街",
    "湖东路",
    "杨桥路",
    "乌山路",
    "古田路",
    "华林路",
    "北大路",
    "铜盘路",
    "西二环北路",
    "工业路",
    "湖滨路",
    "鼓屏路",
    "温泉支路",
]


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def credit_code(rng: random.Random) -> str:
    first17 = "91350102" + "".join(rng.choice(CREDIT_CODE_CHARS) for _ in range(9))
    return first17 + credit_code_check_char(first17)


def id_number(rng: random.Random, born: date, male: bool) -> str:
    area = rng.choice(
        ["350102", "350104", "350121", "350181", "352201", "360102", "430124", "512021"]
    )
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{area}{compact_date(born)}{seq:03d}"
    return first17 + id_check_digit(first17)


def mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "137", "135", "150", "158", "186", "189", "199"]) + "".join(
        rng.choice("0123456789") for _ in range(8)
    )


def address(rng: random.Random) -> str:
    return f"福州市鼓楼区{rng.choice(ROADS)}{rng.randrange(1, 300)}号"


def make_person(rng: random.Random, today: date, **extra) -> Person:
    male = rng.random() < 0.6
    born = date(rng.randrange(1965, 2004), rng.randrange(1, 13), rng.randrange(1, 29))
    return Person(
        name=person_name(rng),
        sex=Sex.MALE if male else Sex.FEMALE,
        id_number=id_number(rng, born, male),
        birth_date=born,
        phone=mobile(rng),
        address=address(rng),
        **extra,
    )


def demo_enterprises(store: Store, rng: random.Random, today: date) -> str:
    stations = reference.stations()
    count = 120
    with store.unit_of_work() as s:
        for i in range(count):
            industry, suffix = rng.choice(TRADES)
            employees = rng.choice([5, 8, 12, 25, 40, 60, 90, 150, 320, 800])
            above = employees >= 100 or rng.random() < 0.1
            size = (
                EnterpriseSize.MICRO
                if employees < 10
                else EnterpriseSize.SMALL
                if employees < 100
                else EnterpriseSize.MEDIUM
                if employees < 300
                else EnterpriseSize.LARGE
            )
            street = store.station.code if i < count * 0.7 else rng.choice(stations).code
            s.add(
                Enterprise(
                    credit_code=credit_code(rng),
                    name=f"福州{rng.choice(BRANDS)}{rng.choice(BRANDS)}{suffix}",
                    legal_rep=person_name(rng),
                    phone=f"0591-{rng.randrange(83000000, 88999999)}",
                    address=address(rng),
                    street_code=street,
                    industry=industry,
                    employee_count=employees,
                    size_class=size,
                    above_scale=above,
                    has_union=above or rng.random() < 0.3,
                    has_mediation_committee=above and rng.random() < 0.8,
                    has_collective_contract=above and rng.random() < 0.6,
                    has_party_org=rng.random() < 0.35,
                    source="manual",
                )
            )
    return f"企业 {count} 家"


def build_demo_station(
    data_dir: Path, station_code: str, password: str, *, seed: int = 2026, today: date | None = None
) -> list[str]:
    today = today or date.today()
    rng = random.Random(seed)
    store, _code = Store.create(data_dir, station_code, "admin", "林站长", password)
    summary = []
    try:
        store.add_user("mediator", "陈调解", Role.MEDIATOR, password)
        store.add_user("viewer", "区局督查", Role.READ_ONLY, password)
        summary.append("用户 3 个：admin（站点管理员）、mediator（调解员）、viewer（只读）")
        for step in DEMO_STEPS:
            module, func = step.split(":")
            summary.append(getattr(importlib.import_module(module), func)(store, rng, today))
    finally:
        store.close()
    return summary

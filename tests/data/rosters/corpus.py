"""The roster corpus: layouts that street offices really send, each with what an import must find.

Every layout is written by openpyxl, by LibreOffice (.xlsx, .xls, .ods, converted from the
openpyxl file) and by xlwt (.xls) with ``make_corpus.py``; the files are committed, so tests and
CI need no LibreOffice. ``tests/test_roster_corpus.py`` imports each file (dry run) and checks the
counts, the header rows and the reading sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.roster_files import code

WRITERS = ("openpyxl.xlsx", "lo.xlsx", "lo.xls", "lo.ods", "xlwt.xls")
STREETS = ["鼓东街道", "鼓西街道", "温泉街道", "东街街道", "南街街道", "安泰街道", "华大街道"]
SURNAMES = "张李王赵钱孙周吴郑陈林黄"


@dataclass
class Layout:
    name: str
    about: str
    #: sheet name -> rows (lists of cells)
    sheets: dict[str, list[list]]
    #: import counts of a dry run: new, invalid, duplicates, skipped
    new: int
    invalid: int = 0
    duplicates: int = 0
    skipped: int = 0
    header_rows: tuple[int, ...] = (1,)
    #: fragments the one-sentence reading must contain
    reading: tuple[str, ...] = ()
    #: sheet name -> merged ranges ("A1:F1")
    merges: dict[str, list[str]] = field(default_factory=dict)
    #: sheet name -> hidden row numbers / hidden column letters
    hidden_rows: dict[str, list[int]] = field(default_factory=dict)
    hidden_cols: dict[str, list[str]] = field(default_factory=dict)
    #: writer -> overrides of the fields above (a format that cannot carry something)
    per_writer: dict[str, dict] = field(default_factory=dict)
    #: sheets the import reads (default: the first)
    imported_sheets: tuple[str, ...] | None = None

    def expected(self, writer: str) -> dict:
        out = {k: getattr(self, k) for k in ("new", "invalid", "duplicates", "skipped",
                                             "header_rows", "reading")}  # fmt: skip
        out.update(self.per_writer.get(writer, {}))
        return out


def person(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + "一二三四五六七八九"[i % 9]


def firm(i: int) -> str:
    return f"福州{'闽江榕城三坊七巷左海屏山西湖乌山'[i % 8 * 2 : i % 8 * 2 + 2]}{i}科技有限公司"


def phone(i: int) -> str:
    return f"139{i:08d}"


def std_row(i: int) -> list:
    """统一社会信用代码, 企业名称, 法定代表人, 联系电话, 所属街道, 职工人数"""
    return [code(i), firm(i), person(i), phone(i), STREETS[i % len(STREETS)], 10 + i]


STD_HEADER = ["统一社会信用代码", "企业名称", "法定代表人", "联系电话", "所属街道", "职工人数"]
META = "填报单位：东街街道劳动保障所　　　　填报日期：2026年10月31日"


def _repeated_header(n: int, every: int) -> list[list]:
    rows = [STD_HEADER]
    for i in range(n):
        if i and i % every == 0:
            rows.append(STD_HEADER)
        rows.append(std_row(100 + i))
    return rows


def _totals() -> list[list]:
    rows = [["序号", *STD_HEADER]]
    k = 0
    for block, street in enumerate(["鼓东街道", "鼓西街道"]):
        for _j in range(4):
            k += 1
            r = std_row(200 + k)
            r[4] = street
            rows.append([k, *r])
        rows.append(["小计", None, None, None, None, None, 4 * (block + 1)])
    rows += [["合计", None, "共8家"], [], ["填表说明："], ["1.统一社会信用代码填写18位。"],
             ["2.职工人数填写期末人数。"]]  # fmt: skip
    return rows


LAYOUTS: list[Layout] = [
    Layout(
        "plain",
        "表头在第1行，无标题",
        {"名录": [STD_HEADER, *map(std_row, range(1, 6))]},
        new=5,
        reading=("第1行为表头",),
    ),
    Layout(
        "title_merged",
        "合并单元格的标题在表头上方",
        {"名录": [["鼓楼区企业名录"], STD_HEADER, *map(std_row, range(6, 11))]},
        new=5,
        header_rows=(2,),
        merges={"名录": ["A1:F1"]},
        reading=("第2行为表头", "第1行“鼓楼区企业名录”为标题"),
    ),
    Layout(
        "meta_line",
        "标题、填报单位/填报日期一行（一个单元格），再是表头（issue 16 的文件）",
        {
            "名录": [
                ["东街街道企业名录"],
                [META],
                ["序号", *STD_HEADER],
                *([k + 1, *std_row(10 + k)] for k in range(6)),
            ]
        },
        new=6,
        header_rows=(3,),
        merges={"名录": ["A1:G1", "A2:G2"]},
        reading=("第3行为表头", "第2行“填报单位：东街街道", "为表外说明", "序号列未导入"),
    ),
    Layout(
        "meta_two_cells",
        "填报单位、填报日期分在同一行的两个单元格",
        {
            "名录": [
                ["2026年第三季度企业名录"],
                ["填报单位：鼓西街道劳动保障所", None, None, None, "填报日期：2026-09-30"],
                STD_HEADER,
                *map(std_row, range(20, 27)),
            ]
        },
        new=7,
        header_rows=(3,),
        reading=("第3行为表头", "表外说明"),
    ),
    Layout(
        "meta_several",
        "多行表外说明（单位：人、制表人、联系电话），表尾也有",
        {
            "名录": [
                ["鼓楼区企业名录"],
                ["填报单位：温泉街道"],
                ["单位：人"],
                STD_HEADER,
                *map(std_row, range(30, 35)),
                [],
                ["制表人：张三", None, "联系电话：0591-87654321"],
                ["审核人：李四"],
            ]
        },
        new=5,
        header_rows=(4,),
        skipped=3,
        reading=("第4行为表头", "为表外说明"),
    ),
    Layout(
        "group_header",
        "分组表头：基本信息 | 联系方式 合并在各自的列上",
        {
            "名录": [
                ["基本信息", None, None, "联系方式", None, "其他"],
                STD_HEADER,
                *map(std_row, range(40, 46)),
            ]
        },
        new=6,
        header_rows=(2,),
        merges={"名录": ["A1:C1", "D1:E1"]},
        reading=("第2行为表头", "分组标题"),
        per_writer={"lo.ods": {"reading": ("第2行为表头", "表头以上的内容")}},
    ),
    Layout(
        "two_row_header",
        "两行表头：是否建立 合并在 工会 | 调委会 | 集体合同 上",
        {
            "名录": [
                ["统一社会信用代码", "企业名称", "是否建立", None, None],
                [None, None, "工会", "调委会", "集体合同"],
                *([code(50 + k), firm(50 + k), "是", "否", "√"] for k in range(5)),
            ]
        },
        new=5,
        header_rows=(1, 2),
        merges={"名录": ["C1:E1", "A1:A2", "B1:B2"]},
        reading=("第1–2行（两行表头）为表头",),
    ),
    Layout(
        "broken_cells",
        "表头单元格内换行、带括号的说明",
        {
            "名录": [
                [
                    "统一社会\n信用代码",
                    "企业名称\n（全称）",
                    "法定代表人\n（负责人）",
                    "联系电话",
                    "所属街道\n（园区）",
                    "职工人数（人）",
                ],
                *map(std_row, range(60, 66)),
            ]
        },
        new=6,
        reading=("第1行为表头",),
    ),
    Layout(
        "serial_col",
        "序号列在最左",
        {"名录": [["序号", *STD_HEADER], *([k + 1, *std_row(70 + k)] for k in range(5))]},
        new=5,
        reading=("序号列未导入",),
    ),
    Layout(
        "repeated_header",
        "表头每10行重复一次（每页打印一次）",
        {"名录": _repeated_header(25, 10)},
        new=25,
        skipped=2,
        reading=("为重复的表头",),
    ),
    Layout(
        "totals",
        "小计行在表内，合计行和填表说明在表尾",
        {"名录": _totals()},
        new=8,
        skipped=7,
        reading=("为合计/小计行", "为填表说明", "序号列未导入"),
    ),
    Layout(
        "hidden",
        "隐藏的行（第4、5行）和隐藏的列（备注）",
        {"名录": [[*STD_HEADER, "备注"], *([*std_row(80 + k), "内部备注"] for k in range(6))]},
        new=6,
        hidden_rows={"名录": [4, 5]},
        hidden_cols={"名录": ["G"]},
        reading=("第4–5行为隐藏行（已读取）", "“备注”列为隐藏列（未导入）"),
        per_writer={"xlwt.xls": {"reading": ()}, "lo.xls": {"reading": ()}},
    ),
    Layout(
        "multi_sheet",
        "每个社区一个工作表（格式相同），另有一个说明工作表",
        {
            "一社区": [STD_HEADER, *map(std_row, range(90, 94))],
            "二社区": [STD_HEADER, *map(std_row, range(94, 97))],
            "三社区": [
                ["三社区企业"],
                STD_HEADER,
                *map(std_row, range(97, 99)),
                [code(200), "", "王某", "12345", "火星街道", 3],
            ],
            "说明": [["本表由街道汇总，请勿改动表头。"]],
        },
        new=9,
        invalid=1,
        reading=(
            "读取3个格式相同的工作表",
            "“一社区”",
            "“三社区”",
            "第1行为表头（各工作表分别识别）",
        ),
    ),
    Layout(
        "shuffled",
        "列的顺序不同：名称在前，代码在后",
        {
            "名录": [
                ["企业名称", "联系电话", "职工人数", "所属街道", "法定代表人", "统一社会信用代码"],
                *([r[1], r[3], r[5], r[4], r[2], r[0]] for r in map(std_row, range(110, 116))),
            ]
        },
        new=6,
    ),
    Layout(
        "apostrophe",
        "代码前带撇号、电话和人数是文本数字",
        {
            "名录": [
                STD_HEADER,
                *(
                    [
                        "'" + code(120 + k),
                        firm(120 + k),
                        person(k),
                        "'" + phone(k),
                        "鼓东",
                        f"{12 + k}",
                    ]
                    for k in range(5)
                ),
            ]
        },
        new=5,
    ),
    Layout(
        "no_street",
        "没有所属街道列：按本站街道导入",
        {
            "名录": [
                ["统一社会信用代码", "企业名称", "法定代表人", "联系电话"],
                *(std_row(130 + k)[:4] for k in range(4)),
            ]
        },
        new=4,
        reading=("表中没有所属街道列，全部记为本站（鼓东街道）",),
    ),
    Layout(
        "blank_rows",
        "数据中间有空行，单元格前后有空格、全角数字",
        {
            "名录": [
                STD_HEADER,
                std_row(140),
                [],
                [],
                std_row(141),
                [
                    " " + code(142) + " ",
                    " " + firm(142),
                    person(1),
                    "１３９０００００１４２",
                    "鼓东",
                    "１５",
                ],
                [],
                std_row(143),
            ]
        },
        new=4,
        skipped=3,
    ),
    Layout(
        "offset",
        "表格从C4开始（左边和上边是空白）",
        {
            "名录": [
                [],
                [],
                [],
                [None, None, *STD_HEADER],
                *([None, None, *std_row(150 + k)] for k in range(5)),
            ]
        },
        new=5,
        header_rows=(4,),
    ),
    Layout(
        "extra_columns",
        "有不导入的列：经营范围、走访情况、备注",
        {
            "名录": [
                [*STD_HEADER, "经营范围", "走访情况", "备注"],
                *([*std_row(160 + k), "软件开发", "已走访", ""] for k in range(5)),
            ]
        },
        new=5,
        reading=("“经营范围”、“走访情况”、“备注”列未导入",),
    ),
    Layout(
        "aliases",
        "别名表头：单位名称、法人代表、联系方式、街镇、从业人数",
        {
            "名录": [
                ["社会信用代码", "单位名称", "法人代表", "联系方式", "街镇", "从业人数"],
                *map(std_row, range(170, 176)),
            ]
        },
        new=6,
    ),
    Layout(
        "merged_street",
        "所属街道按块合并（一个街道合并几行）",
        {
            "名录": [
                STD_HEADER,
                *(
                    [*std_row(180 + k)[:4], "鼓东街道" if k in (0, 3) else None, 5 + k]
                    for k in range(6)
                ),
            ]
        },
        new=6,
        merges={"名录": ["E2:E4", "E5:E7"]},
    ),
    Layout(
        "invalid_and_duplicates",
        "有错误行（代码、电话、街道不对）和重复行",
        {
            "名录": [
                STD_HEADER,
                *map(std_row, range(190, 195)),
                [code(190)[:-2], "短代码公司", "甲", phone(1), "鼓东", 1],
                [code(196), "坏电话公司", "乙", "12345", "鼓东", 1],
                [code(197), "外区公司", "丙", phone(2), "仓山区", 1],
                std_row(190),
                std_row(191),
            ]
        },
        new=5,
        invalid=3,
        duplicates=2,
    ),
    Layout(
        "page_blocks",
        "每页都重复标题和表头",
        {
            "名录": [
                ["鼓楼区企业名录"],
                STD_HEADER,
                *map(std_row, range(300, 306)),
                ["鼓楼区企业名录"],
                STD_HEADER,
                *map(std_row, range(306, 312)),
            ]
        },
        new=12,
        header_rows=(2,),
        skipped=2,
        merges={"名录": ["A1:F1", "A9:F9"]},
        reading=("为重复的表头", "为重复的标题或表外说明"),
    ),
]

LAYOUT_BY_NAME = {layout.name: layout for layout in LAYOUTS}

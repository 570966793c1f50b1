"""The demo bank's clients, named lists and monthly figures, as bulk-import rows (rules C1–C7, P1).

Drawn from the unit rows of demo.org (codes, kinds, parents as the org builder produced them),
with a seeded `random.Random` of its own and dated from demo.org's fixed day, so every run yields
the same rows and re-importing them changes nothing. Like demo.org it only produces data: the
rows enter through the import engine (KINDs clients, tiers, metrics).

What the rows give the rest of the product to work on:
- corporate clients (about 3,000) at sub-branches and outlets, about 40% with loans, some
  institution/interbank, real-estate, import/export and supply-chain SME clients (rule C5), and
  groups whose subsidiaries bank in other branches (rule A6);
- individual clients (about 20,000) mostly at outlets and the VIP and wealth centres, with a
  long-tailed AUM: every segment of rule C4, the 1–5 million bands of rule A9, a `potential` flag
  on a few ordinary ones;
- named lists at every level (rule C2): head-office and province lists owned by the province, the
  city lists of each city branch for its own clients, changing over the years (an entry ends, the
  client is listed again on another tier later; never two entries of one list at once), and a
  marketing mode on the province's entries (rule C7);
- twelve months of figures up to the fixed day that drift smoothly month to month; corporate
  annual contributions above 3 and 10 million for rules A2/A1; individuals' personal loans
  (mortgages, consumer loans) and intermediate-business fees, so a personal manager's book has
  every figure the appraisal weighs (rule P3), drawn on a stream of their own (LOANS_SEED).
"""

import csv
import datetime
import io
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

from accounts.models import UnitKind
from marketing.models import ClientKind, Tier

from . import org

SEED = 201023 + 1  # a stream of its own: changing the org's draws does not reshuffle the clients
AS_OF = org.AS_OF
MONTHS = 12

CLIENT_COLUMNS = [
    "client_no",
    "name",
    "kind",
    "account_unit_code",
    "industry",
    "has_loan",
    "real_estate",
    "institution",
    "import_export",
    "sme_chain",
    "group_parent_no",
    "potential",
]
TIER_COLUMNS = ["client_no", "tier", "owner_unit_code", "valid_from", "valid_to", "reason", "marketing_mode"]
METRIC_COLUMNS = [
    "client_no",
    "month",
    "deposits_avg",
    "loans",
    "intermediate_income",
    "product_sales",
    "aum",
    "annual_contribution",
]


@dataclass(frozen=True)
class Scale:
    corporates: int
    individuals: int
    groups: int
    head_office: int  # clients on the head-office list on AS_OF
    province: int  # ... on the province list
    city_share: float  # share of a city's other corporates on its city list


SCALES = {
    "full": Scale(corporates=3000, individuals=20000, groups=40, head_office=28, province=115, city_share=0.12),
    "small": Scale(corporates=120, individuals=300, groups=3, head_office=3, province=8, city_share=0.12),
}

# Individuals by AUM on AS_OF (rule C4's default bands; the 1–8 million bands of rule A9):
# (lower bound, upper bound, share, at least this many at any scale).
AUM_BANDS = [
    (8_000_000, 60_000_000, 0.0015, 2),  # PRIVATE
    (5_000_000, 8_000_000, 0.0025, 2),  # HIGH, A9: a city-branch officer
    (2_000_000, 5_000_000, 0.007, 2),  # HIGH, A9: the sub-branch head
    (1_000_000, 2_000_000, 0.019, 3),  # HIGH, A9: the deputy head
    (200_000, 1_000_000, 0.14, 10),  # MID
]
ORDINARY_AUM = (25_000, 1.3)  # lognormal median, sigma; kept under 200,000
POTENTIAL_SHARE = 0.03  # of the ordinary ones
# Individuals' loans and fees, drawn on a stream of their own so that every other draw (AUM,
# deposits, sales, the named lists) stays as it was. Share with a personal loan by segment;
# a loan is a mortgage or a consumer loan: (share, balance per yuan of AUM as a lognormal median
# and sigma, least and most balance in yuan); a part of the loans were taken out in the year.
LOANS_SEED = f"{SEED}-individual-loans"
LOAN_SHARE = {"ORDINARY": 0.12, "MID": 0.45, "HIGH": 0.5, "PRIVATE": 0.4}
LOAN_KINDS = [
    ("mortgage", 0.7, (0.9, 0.5), 150_000, 6_000_000),
    ("consumer", 0.3, (0.3, 0.6), 30_000, 1_000_000),
]
NEW_LOAN_SHARE = 0.15  # of the loans: taken out in one of the year's months, none before it
REPAYMENT = (0.003, 0.008)  # a month's repayment, a share of the balance
# Intermediate-business income (fees of wealth products, insurance agency, cards, payments) of a
# year, a share of AUM; every MID-or-higher individual and this share of the ordinary ones.
FEE_RATE = (0.001, 0.003)
ORDINARY_FEE_SHARE = 0.4
# Where individuals of a band bank: {unit kind: weight}; outlets' weight is shared among them all.
INDIVIDUAL_PLACES = {
    "PRIVATE": {UnitKind.WEALTH_CENTRE: 6, UnitKind.VIP_CENTRE: 3, UnitKind.OUTLET: 1},
    "HIGH": {UnitKind.WEALTH_CENTRE: 1, UnitKind.VIP_CENTRE: 5, UnitKind.OUTLET: 4},
    "MID": {UnitKind.VIP_CENTRE: 2, UnitKind.OUTLET: 8},
    "ORDINARY": {UnitKind.VIP_CENTRE: 0.3, UnitKind.OUTLET: 9.4, UnitKind.SUB_BRANCH: 0.3},
}

# Industry (GB/T 4754 sections), weight, the trade words of a company name.
MANUFACTURING = "制造业"
INDUSTRIES = [
    (MANUFACTURING, 30, "机械制造 汽车零部件 电子科技 新材料 家电 化工 纺织 食品 建材 塑业 医药 电气 铸造 包装 光电"),
    ("批发和零售业", 18, "商贸 贸易 物资 百货 医药连锁 农资 五金 超市"),
    ("建筑业", 10, "建设工程 建筑安装 路桥工程 装饰工程 市政工程"),
    ("交通运输、仓储和邮政业", 6, "物流 运输 仓储 港务 汽车运输"),
    ("电力、热力、燃气及水生产和供应业", 3, "能源 燃气 热电 水务 新能源"),
    ("采矿业", 2, "矿业 煤业 石材"),
    ("农、林、牧、渔业", 5, "农业科技 生态农业 茶业 畜牧 林业 水产"),
    ("信息传输、软件和信息技术服务业", 5, "信息技术 软件 网络科技 数据科技"),
    ("租赁和商务服务业", 6, "投资 企业管理 会展 人力资源服务"),
    ("住宿和餐饮业", 3, "酒店管理 餐饮管理 大酒店"),
    ("科学研究和技术服务业", 3, "检测技术 工程设计 环保科技"),
    ("水利、环境和公共设施管理业", 2, "环境工程 城市建设投资 园林"),
    ("文化、体育和娱乐业", 2, "文化传媒 旅游开发 影视"),
]
REAL_ESTATE = ("房地产业", "置业 房地产开发 地产 物业管理")
# Institution and interbank clients: (industry, name patterns; {place} is a city or county).
INSTITUTIONS = [
    (
        "公共管理、社会保障和社会组织",
        "{place}财政局 {place}住房公积金管理中心 {place}社会保险事业管理局 {place}人力资源和社会保障局 {place}公共资源交易中心 {place}国库集中支付中心",
    ),
    ("教育", "{place}第一中学 {place}职业技术学院 {place}教育局 {place}实验小学"),
    ("卫生和社会工作", "{place}人民医院 {place}中医院 {place}妇幼保健院 {place}疾病预防控制中心"),
    (
        "金融业",
        "{place}农村商业银行 {place}邮政储蓄银行支行 {place}证券营业部 {place}财产保险公司 {place}小额贷款有限公司",
    ),
]
# Trades a city is known for, in some of its manufacturers' names.
CITY_TRADES = {
    "HF": "家电 电子科技 汽车零部件",
    "WH": "汽车零部件 机械制造 新材料",
    "MAS": "钢材 冶金",
    "TL": "铜材 有色金属",
    "HN": "煤业 能源",
    "HB": "煤业 化工",
    "HS": "茶业 旅游开发",
    "BB": "玻璃 化工",
    "AQ": "石化 纺织",
    "CZ": "家电 盐化",
    "FY": "食品 纺织",
    "LA": "茶业 建材",
    "BZ": "中药饮片 酒业",
    "XC": "宣纸 电子科技",
    "CHZ": "非金属材料 茶业",
    "SZ": "食品 建材",
    "YYB": "电子科技 光电",
}
BRAND_CHARACTERS = (
    "华 通 鑫 盛 恒 远 达 宏 泰 兴 鼎 瑞 昌 丰 源 信 德 嘉 安 康 海 天 联 创 新 金 荣 中 力 大 强 明 光 "
    "博 汇 宇 星 阳 东 江 淮 徽 皖 庐 湘 益 利 富 永 长 顺 合 和 隆 祥 美 佳 百 万 众 赛 晶 科 凯 腾 威 龙"
).split()
FORMS = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司"]
# The largest corporates' average deposits are at least (yuan, how many): contributions above
# 10 and 3 million (rules A1, A2) at every scale.
LEADERS = [(800_000_000, 2), (250_000_000, 6)]
MARKETING_MODES = [("DIRECT_ACCEPTANCE", 15), ("DIRECT", 35), ("LEAD", 30), ("GUIDED", 20)]

# Named-list history: the lists are reviewed every year and take effect on 04-01 (rule C11:
# city-tier selection by 03-31); a few changes happen in the year.
REVIEWS = [datetime.date(year, 4, 1) for year in (2022, 2023, 2024, 2025)]
REASONS = {
    Tier.HEAD_OFFICE: "总行级重点客户名单",
    Tier.PROVINCE: "年度名单评审:列入省行级客户名单",
    Tier.CITY: "年度名单评审:列入二级分行级客户名单",
}
PROMOTED = {
    Tier.HEAD_OFFICE: "集团整体业务调升:列入总行级名单",
    Tier.PROVINCE: "综合贡献度提升:调升至省行级名单",
    Tier.CITY: "新开户重点客户:列入二级分行级名单",
}
DEMOTED = {
    Tier.PROVINCE: "总行名单调整:调整至省行级名单",
    Tier.CITY: "业务规模下降:调整至二级分行级名单",
}


@dataclass
class ClientBook:
    """The rows of the three import files: clients and tiers as dicts, metrics as tuples in
    METRIC_COLUMNS order (there are hundreds of thousands)."""

    clients: list = field(default_factory=list)
    tiers: list = field(default_factory=list)
    metrics: list = field(default_factory=list)

    def csv(self, kind):
        out = io.StringIO()
        if kind == "metrics":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(METRIC_COLUMNS)
            writer.writerows(self.metrics)
        else:
            columns, rows = {"clients": (CLIENT_COLUMNS, self.clients), "tiers": (TIER_COLUMNS, self.tiers)}[kind]
            writer = csv.DictWriter(out, columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        return out.getvalue().encode("utf-8")

    def counts(self):
        corporates = sum(row["kind"] == ClientKind.CORPORATE for row in self.clients)
        return {"corporate": corporates, "individual": len(self.clients) - corporates}


def months_up_to(day, count=MONTHS):
    """The first days of the `count` months ending with the month of `day`, oldest first."""
    months, year, month = [], day.year, day.month
    for _ in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def money(value):
    """A generated amount as money text: yuan with 2 decimals, never negative (the draws are
    random floats; what the bank sees is the text, parsed to Decimal by the import)."""
    return f"{max(value, 0):.2f}"


class Org:
    """The unit rows of demo.org as a tree: kinds, parents, the city branch above a unit."""

    def __init__(self, unit_rows):
        self.rows = {row["code"]: row for row in unit_rows}
        self.kind = {code: row["kind"] for code, row in self.rows.items()}
        self.parent = {code: row["parent_code"] for code, row in self.rows.items()}
        self.cities = [code for code, kind in self.kind.items() if kind == UnitKind.CITY]

    def city_of(self, code):
        while code and self.kind[code] != UnitKind.CITY:
            code = self.parent[code]
        return code or None

    def of_kind(self, kind):
        return [code for code, unit_kind in self.kind.items() if unit_kind == kind]

    def place_of(self, code):
        """A place name for company names: the city's or the county's (from the unit names)."""
        row = self.rows[code]
        if row["kind"] == UnitKind.SUB_BRANCH and row["city_area"] != "1" and row["name"].endswith("县支行"):
            return row["name"][: -len("县支行")]
        city = self.rows[self.city_of(code)]["name"]
        return "合肥" if city.startswith("安徽省分行") else city[: -len("分行")]


class ClientBuilder:
    def __init__(self, bank, scale="full"):
        self.scale = SCALES[scale]
        self.rng = random.Random(SEED)
        self.org = Org(bank.units)
        self.book = ClientBook()
        self.names = set()
        self.numbers = {"C": 0, "P": 0}
        self.labels = [month.strftime("%Y-%m") for month in months_up_to(AS_OF)]  # the metrics' months
        # Per corporate client_no: its size (yuan of average deposits on AS_OF) and draws.
        self.profile = {}

    # --- helpers -------------------------------------------------------------------------

    def pick(self, weighted):
        items = list(weighted)
        return self.rng.choices([item for item, _ in items], [weight for _, weight in items])[0]

    def unique(self, make):
        for _attempt in range(50):
            name = make()
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError("no fresh name")  # pragma: no cover: the pools are far larger

    def person_name(self):
        rng = self.rng
        pool = (org.GIVEN_FEMALE if rng.random() < 0.5 else org.GIVEN_MALE).split() + org.GIVEN_COMMON.split()
        surname = rng.choices(org.SURNAMES, org.SURNAME_WEIGHTS)[0]
        return surname + "".join(rng.sample(pool, 2 if rng.random() < 0.7 else 1))

    def brand(self):
        return "".join(self.rng.sample(BRAND_CHARACTERS, 2))

    def corporate_units(self):
        """Account units of corporates, weighted: sub-branches and their business halls (营业室,
        the first outlet) most, city-area outlets more than county ones."""
        units = []
        for code in self.org.of_kind(UnitKind.SUB_BRANCH):
            units.append((code, 2.0 if self.org.rows[code]["name"].endswith("县支行") else 3.0))
        for code in self.org.of_kind(UnitKind.OUTLET):
            first = code.endswith("01")
            city_area = self.org.rows[code]["city_area"] == "1"
            units.append((code, 2.0 if first else 1.2 if city_area else 0.8))
        return units

    # --- corporates ----------------------------------------------------------------------

    def add_client(self, **values):
        prefix = "C" if values["kind"] == ClientKind.CORPORATE else "P"
        self.numbers[prefix] += 1
        number = f"{prefix}{self.numbers[prefix]:08d}"
        row = {column: "" for column in CLIENT_COLUMNS}
        row.update(client_no=number, **values)
        row["kind"] = str(row["kind"])
        for flag_name in ("has_loan", "real_estate", "institution", "import_export", "sme_chain", "potential"):
            row[flag_name] = org.flag(row[flag_name] == "1" or row[flag_name] is True)
        self.book.clients.append(row)
        return row

    def company_name(self, unit, industry, industry_words):
        rng = self.rng
        place = self.org.place_of(unit)
        city = self.org.city_of(unit)
        words = industry_words.split()
        if industry == MANUFACTURING and city in CITY_TRADES and rng.random() < 0.3:
            words = CITY_TRADES[city].split()
        return self.unique(lambda: f"{place}{self.brand()}{rng.choice(words)}{rng.choice(FORMS)}")

    def corporates(self, count, units):
        rng = self.rng
        codes, weights = zip(*units, strict=False)
        for _ in range(count):
            unit = rng.choices(codes, weights)[0]
            category = self.pick(
                [("general", 76), ("institution", 6), ("real_estate", 4), ("import_export", 6), ("sme_chain", 8)]
            )
            size = math.exp(rng.gauss(math.log(4_000_000), 1.6))
            has_loan = rng.random() < 0.38
            if category == "institution":
                industry, patterns = rng.choice(INSTITUTIONS)
                name = self.institution_name(patterns, self.org.place_of(unit))
                size *= 2.5  # fiscal, social-security and interbank money is large
                has_loan = industry == "金融业" and rng.random() < 0.2
            elif category == "real_estate":
                industry = REAL_ESTATE[0]
                name = self.company_name(unit, industry, REAL_ESTATE[1])
                size *= 1.5
                has_loan = rng.random() < 0.8
            else:
                industry, _weight, words = self.pick((entry, entry[1]) for entry in INDUSTRIES)
                if category == "import_export":
                    industry, _weight, words = self.pick(
                        (entry, entry[1]) for entry in INDUSTRIES if entry[0] in ("制造业", "批发和零售业")
                    )
                    words += " 进出口 国际贸易"
                name = self.company_name(unit, industry, words)
                if category == "sme_chain":
                    size *= 0.4
                    has_loan = rng.random() < 0.6
            row = self.add_client(
                name=name,
                kind=ClientKind.CORPORATE,
                account_unit_code=unit,
                industry=industry,
                has_loan=has_loan,
                real_estate=category == "real_estate",
                institution=category == "institution",
                import_export=category == "import_export",
                sme_chain=category == "sme_chain",
            )
            self.profile[row["client_no"]] = size

    def institution_name(self, patterns, place):
        """An institution's name: one per place and pattern; a second one of a kind is numbered."""
        rng = self.rng
        pattern = rng.choice(patterns.split())
        name, number = pattern.format(place=place), 2
        while name in self.names:
            name, number = f"{pattern.format(place=place)}({number})", number + 1
        self.names.add(name)
        return name

    def groups(self, count, units):
        """Group heads among the largest firms, renamed as groups, with subsidiaries banking in
        other branches (rule A6); answers the subsidiaries' count."""
        rng = self.rng
        firms = [
            row
            for row in self.book.clients
            if row["kind"] == ClientKind.CORPORATE and row["institution"] == "0" and row["sme_chain"] == "0"
        ]
        firms.sort(key=lambda row: -self.profile[row["client_no"]])
        heads = rng.sample(firms[: count * 3], count)
        codes, weights = zip(*units, strict=False)
        added = 0
        for head in sorted(heads, key=lambda row: row["client_no"]):
            self.names.discard(head["name"])
            head["name"] = self.unique(lambda: f"安徽{self.brand()}集团有限公司")
            brand = head["name"][2:4]
            self.profile[head["client_no"]] *= 3
            head_city = self.org.city_of(head["account_unit_code"])
            words = next((entry[2] for entry in INDUSTRIES if entry[0] == head["industry"]), REAL_ESTATE[1])
            for _ in range(rng.randint(2, 6)):
                for _attempt in range(20):
                    unit = rng.choices(codes, weights)[0]
                    if self.org.city_of(unit) != head_city or rng.random() < 0.2:
                        break
                sub = self.add_client(
                    name=self.unique(
                        lambda unit=unit, brand=brand, words=words: (
                            f"{self.org.place_of(unit)}{brand}{rng.choice(words.split())}有限公司"
                        )
                    ),
                    kind=ClientKind.CORPORATE,
                    account_unit_code=unit,
                    industry=head["industry"],
                    has_loan=rng.random() < 0.5,
                    real_estate=head["real_estate"],
                    import_export=head["import_export"],
                    group_parent_no=head["client_no"],
                )
                self.profile[sub["client_no"]] = self.profile[head["client_no"]] * math.exp(
                    rng.gauss(math.log(0.08), 0.8)
                )
                added += 1
        return added

    def leaders(self):
        """The largest firms at least as large as LEADERS says, so that every scale has clients
        above the contribution thresholds of rules A1 and A2."""
        largest = sorted(self.profile, key=lambda number: -self.profile[number])
        at_least = [size for size, count in LEADERS for _ in range(count)]
        for number, size in zip(largest, at_least, strict=False):
            self.profile[number] = max(self.profile[number], size)

    # --- individuals ---------------------------------------------------------------------

    def individuals(self, count):
        rng = self.rng
        places = {
            kind: self.org.of_kind(kind)
            for kind in (UnitKind.OUTLET, UnitKind.VIP_CENTRE, UnitKind.WEALTH_CENTRE, UnitKind.SUB_BRANCH)
        }
        bands = []
        for low, high, share, least in AUM_BANDS:
            bands += [(low, high)] * max(least, round(share * count))
        bands += [None] * (count - len(bands))
        rng.shuffle(bands)
        aums = {}
        for band in bands:
            if band is None:
                aum = math.exp(rng.gauss(math.log(ORDINARY_AUM[0]), ORDINARY_AUM[1]))
                while aum >= 195_000:
                    aum = math.exp(rng.gauss(math.log(ORDINARY_AUM[0]), ORDINARY_AUM[1]))
                segment = "ORDINARY"
            else:
                low, high = band
                # Log-uniform in the band, a little inside it so the latest month stays there.
                aum = math.exp(rng.uniform(math.log(low * 1.01), math.log(high * 0.99)))
                segment = "PRIVATE" if low >= 8_000_000 else "HIGH" if low >= 1_000_000 else "MID"
            kinds = [(kind, weight) for kind, weight in INDIVIDUAL_PLACES[segment].items() if places[kind]]
            unit = rng.choice(places[self.pick(kinds)])
            row = self.add_client(
                name=self.person_name(),
                kind=ClientKind.INDIVIDUAL,
                account_unit_code=unit,
                potential=segment == "ORDINARY" and rng.random() < POTENTIAL_SHARE,
            )
            aums[row["client_no"]] = aum
        return aums

    # --- named lists ---------------------------------------------------------------------

    def tiers(self):
        """Rule C2's lists, changing over the years; answers nothing, fills book.tiers.

        The largest corporates by annual contribution are on the head-office, then the province
        lists; each city branch lists its largest other clients. Each listed client's history
        is a run of non-overlapping periods, possibly on different tiers."""
        rng, scale = self.rng, self.scale
        corporates = [row for row in self.book.clients if row["kind"] == ClientKind.CORPORATE]
        corporates.sort(key=lambda row: -self.contribution[row["client_no"]])
        head_office = corporates[: scale.head_office]
        province = corporates[scale.head_office : scale.head_office + scale.province]
        # Rule C5 has work for every department: a client of each kind on the province list,
        # the largest of its kind in place of the smallest of the list.
        slot = len(province)
        for flag_name in ("institution", "real_estate", "import_export", "sme_chain"):
            if any(row[flag_name] == "1" for row in head_office + province):
                continue
            below = [row for row in corporates[len(head_office) + len(province) :] if row[flag_name] == "1"]
            if below:
                slot -= 1
                province[slot] = below[0]
        upper = {row["client_no"] for row in head_office + province}
        by_city = defaultdict(list)
        for row in corporates:
            if row["client_no"] not in upper:
                by_city[self.org.city_of(row["account_unit_code"])].append(row)
        city, dropped = [], []
        for rows in by_city.values():
            listed = max(1, round(len(rows) * scale.city_share))
            city += rows[:listed]
            dropped += rows[listed : listed + max(1, listed // 8)]  # just below the cut: on the list once

        for row in head_office:
            history = self.pick([("always", 80), ("promoted", 20)])
            if history == "always":
                self.periods(row, [(Tier.HEAD_OFFICE, self.early_start(), None, REASONS[Tier.HEAD_OFFICE])])
            else:
                change = rng.choice(REVIEWS[2:])
                self.periods(
                    row,
                    [
                        (Tier.PROVINCE, self.early_start(before=change), change, REASONS[Tier.PROVINCE]),
                        (Tier.HEAD_OFFICE, change, None, PROMOTED[Tier.HEAD_OFFICE]),
                    ],
                )
        for row in province:
            history = self.pick([("always", 60), ("promoted", 20), ("demoted", 6), ("new", 14)])
            if history == "always":
                self.periods(row, [(Tier.PROVINCE, self.early_start(), None, REASONS[Tier.PROVINCE])])
            elif history == "new":
                self.periods(row, [(Tier.PROVINCE, self.change_day(), None, REASONS[Tier.PROVINCE])])
            else:
                change = self.change_day()
                before = Tier.CITY if history == "promoted" else Tier.HEAD_OFFICE
                self.periods(
                    row,
                    [
                        (before, self.early_start(before=change), change, REASONS[before]),
                        (Tier.PROVINCE, change, None, (PROMOTED if history == "promoted" else DEMOTED)[Tier.PROVINCE]),
                    ],
                )
        for row in city:
            history = self.pick([("always", 60), ("demoted", 15), ("new", 15), ("relisted", 10)])
            if history == "always":
                self.periods(row, [(Tier.CITY, self.early_start(), None, REASONS[Tier.CITY])])
            elif history == "new":
                self.periods(row, [(Tier.CITY, self.change_day(), None, PROMOTED[Tier.CITY])])
            elif history == "demoted":
                change = self.change_day()
                self.periods(
                    row,
                    [
                        (Tier.PROVINCE, self.early_start(before=change), change, REASONS[Tier.PROVINCE]),
                        (Tier.CITY, change, None, DEMOTED[Tier.CITY]),
                    ],
                )
            else:  # off the city list for a year, then back on it: a new entry of the same list
                off = rng.choice(REVIEWS[1:3])
                back = REVIEWS[REVIEWS.index(off) + 1]
                self.periods(
                    row, [(Tier.CITY, REVIEWS[0], off, REASONS[Tier.CITY]), (Tier.CITY, back, None, REASONS[Tier.CITY])]
                )
        for row in dropped:  # listed once, off the list since
            end = rng.choice(REVIEWS[1:])
            self.periods(row, [(Tier.CITY, self.early_start(before=end), end, REASONS[Tier.CITY])])

    def early_start(self, before=None):
        """The day a client's first entry began: a review day before `before`, or one of the
        first three reviews."""
        return self.rng.choice([day for day in REVIEWS if day < before] if before else REVIEWS[:3])

    def change_day(self):
        """When a client moved: mostly at an annual review, sometimes in the year (first of a month)."""
        rng = self.rng
        if rng.random() < 0.75:
            return rng.choice(REVIEWS[1:])
        return datetime.date(rng.choice([2023, 2024]), rng.choice([7, 10, 12]), 1)

    def periods(self, row, periods):
        """Entries of one client: (tier, from, until — the day it ended, exclusive, or None, reason).
        valid_to is inclusive: the day before `until`."""
        city = self.org.city_of(row["account_unit_code"])
        for tier, start, until, reason in periods:
            self.book.tiers.append(
                {
                    "client_no": row["client_no"],
                    "tier": str(tier),
                    "owner_unit_code": org.PROVINCE_CODE if tier in (Tier.HEAD_OFFICE, Tier.PROVINCE) else city,
                    "valid_from": start.isoformat(),
                    "valid_to": (until - datetime.timedelta(days=1)).isoformat() if until else "",
                    "reason": reason,
                    "marketing_mode": self.pick(MARKETING_MODES) if tier in (Tier.HEAD_OFFICE, Tier.PROVINCE) else "",
                }
            )

    # --- monthly figures -----------------------------------------------------------------

    def drift(self, trend_sd=0.1, step_sd=0.02):
        """Twelve factors that end at 1 on the last month: a yearly trend and small monthly steps."""
        rng = self.rng
        trend = rng.gauss(0.04, trend_sd) / (MONTHS - 1)
        factors, level = [1.0] * MONTHS, 0.0
        for index in range(MONTHS - 2, -1, -1):
            level -= trend + rng.gauss(0, step_sd)
            factors[index] = math.exp(level)
        return factors

    def corporate_figures(self):
        """Per corporate: the twelve months' rows; remembers the latest annual contribution."""
        rng = self.rng
        self.contribution = {}
        rows = {}
        for client in self.book.clients:
            if client["kind"] != ClientKind.CORPORATE:
                continue
            number = client["client_no"]
            deposits = self.profile[number]
            loans = deposits * math.exp(rng.gauss(math.log(1.3), 0.5)) if client["has_loan"] == "1" else 0.0
            income = deposits * rng.uniform(0.0001, 0.0008)  # a month's fees and commissions
            sales = deposits * rng.uniform(0.0005, 0.004) if rng.random() < 0.7 else 0.0
            base = 0.012 * deposits + 0.022 * loans  # interest margins of a year
            trend, loan_trend = self.drift(), self.drift(0.08, 0.015)
            client_rows = []
            for index, month in enumerate(self.labels):
                factor = trend[index]
                month_income = income * factor * rng.uniform(0.85, 1.15)
                contribution = (base * factor + 12 * income * factor) * (1 + 0.02 * math.sin(index))
                client_rows.append(
                    (
                        number,
                        month,
                        money(deposits * factor * rng.uniform(0.98, 1.02)),
                        money(loans * loan_trend[index]) if loans else "",
                        money(month_income),
                        money(sales * factor * rng.uniform(0.7, 1.3)),
                        "",
                        money(contribution),
                    )
                )
            self.contribution[number] = contribution
            rows[number] = client_rows
        return rows

    def individual_figures(self, aums):
        rng = self.rng
        credit = random.Random(LOANS_SEED)  # loans and fees: the draws of self.rng stay as they were
        clients = {row["client_no"]: row for row in self.book.clients}
        rows = {}
        for number, aum in aums.items():
            trend = self.drift(0.12, 0.025)
            saved = rng.uniform(0.25, 0.85)  # the share of AUM in deposits; the rest in products
            sales = aum * rng.uniform(0.002, 0.02) if rng.random() < 0.4 else 0.0
            loans = self.personal_loan(credit, aum)
            if loans[-1]:
                clients[number]["has_loan"] = org.flag(True)
            fee = self.personal_fee(credit, aum)
            client_rows = []
            for index, month in enumerate(self.labels):
                value = aum * trend[index]
                client_rows.append(
                    (
                        number,
                        month,
                        money(value * saved * rng.uniform(0.97, 1.03)),
                        money(loans[index]) if loans[index] else "",
                        money(value * fee * credit.uniform(0.8, 1.2)) if fee else "",
                        money(sales * trend[index] * rng.uniform(0.6, 1.4)) if sales else "0.00",
                        money(value),
                        "",
                    )
                )
            rows[number] = client_rows
        return rows

    @staticmethod
    def segment_of(aum):
        for low, _high, _share, _least in AUM_BANDS:
            if aum >= low:
                return "PRIVATE" if low >= 8_000_000 else "HIGH" if low >= 1_000_000 else "MID"
        return "ORDINARY"

    def personal_loan(self, credit, aum):
        """An individual's loan balance of each month (0.0: none): a mortgage or a consumer loan
        sized against their AUM, repaid a little every month; some taken out in the year."""
        if credit.random() >= LOAN_SHARE[self.segment_of(aum)]:
            return [0.0] * MONTHS
        kind = credit.choices(LOAN_KINDS, [entry[1] for entry in LOAN_KINDS])[0]
        _name, _share, (median, sigma), least, most = kind
        balance = min(most, max(least, aum * math.exp(credit.gauss(math.log(median), sigma))))
        repayment = credit.uniform(*REPAYMENT)
        start = credit.randrange(1, MONTHS) if credit.random() < NEW_LOAN_SHARE else 0
        months = [0.0] * MONTHS
        for index in range(start, MONTHS):
            months[index] = balance * (1 - repayment) ** (index - start)
        return months

    def personal_fee(self, credit, aum):
        """A month's intermediate-business income per yuan of AUM (0.0: none)."""
        if self.segment_of(aum) == "ORDINARY" and credit.random() >= ORDINARY_FEE_SHARE:
            return 0.0
        return credit.uniform(*FEE_RATE) / 12

    # --- the book ------------------------------------------------------------------------

    def build(self):
        scale = self.scale
        units = self.corporate_units()
        subsidiaries = round(scale.groups * 4)  # 2–6 each: about four on average
        self.corporates(scale.corporates - subsidiaries, units)
        self.groups(scale.groups, units)
        self.leaders()
        aums = self.individuals(scale.individuals)
        figures = self.corporate_figures()
        figures.update(self.individual_figures(aums))
        self.tiers()
        for client in self.book.clients:
            self.book.metrics.extend(figures[client["client_no"]])
        return self.book


def build_clients(bank, scale="full"):
    """The client book of the demo bank `bank` (demo.org.build_bank of the same scale)."""
    return ClientBuilder(bank, scale).build()

"""The demo bank of `manage.py seed_demo`: an Anhui province branch, as bulk-import rows.

Everything is drawn from one seeded `random.Random` and dated from a fixed day, so every run
yields the same rows and re-importing them changes nothing. The rows go through the import
engine like any real file; this module only produces data and knows nothing of the database.
"""

import csv
import datetime
import io
import math
import random
from collections import Counter
from dataclasses import dataclass, field

from accounts.models import Education, Grade, LeadershipRole, ManagerKind, Position, TitleLevel, UnitKind
from accounts.rules import MARKET_DEPARTMENT_CODE, PROVINCE_MARKETING_DEPARTMENTS
from staffing.models import StaffingPolicy

SEED = 201023  # 工银皖发[2010]23号
DEMO_PASSWORD = "bankops2026"
# Ages and hire dates count from a fixed day, not today: a run next year must not change rows.
AS_OF = datetime.date(2025, 12, 31)

UNIT_COLUMNS = ["code", "name", "kind", "parent_code", "city_area", "credit_authority"]
DEPARTMENT_COLUMNS = ["unit_code", "code", "name", "parent_code"]
EMPLOYEE_COLUMNS = [
    "employee_no",
    "name",
    "unit_code",
    "position",
    "department_code",
    "manager_kind",
    "grade",
    "credit_manager",
    "vip_area",
    "birth_date",
    "education",
    "title_level",
    "hired_on",
]

PROVINCE_CODE, PROVINCE_NAME = "AH", "安徽省分行"
PROVINCE_OTHER_DEPARTMENTS = {"OFFICE": "办公室", "HR": "人力资源部", "RISK": "风险管理部"}
# code: (name, parent code)
CITY_DEPARTMENTS = {
    "CORP": ("公司业务部", ""),
    "PERSONAL": ("个人金融业务部", ""),
    "INSTITUTION": ("机构业务部", ""),
    "SETTLEMENT": ("结算与现金管理部", ""),
    "INTERNATIONAL": ("国际业务部", ""),
    "SME": ("小企业金融业务部", ""),
    "KEY_ACCOUNT": ("大客户营销中心", "CORP"),
    "MKT_MGMT": ("营销管理团队", ""),
    "OFFICE": ("办公室", ""),
    "RISK": ("风险管理部", ""),
}
CITY_MARKETING_DEPARTMENTS = [code for code in CITY_DEPARTMENTS if code not in ("OFFICE", "RISK")]
CORPORATE_DEPARTMENTS = {"CORP1", "CORP2", "CORP", "KEY_ACCOUNT", "SME", "INSTITUTION", "INTERNATIONAL"}

# code, unit name, name prefix of its district sub-branches, districts (city-area), counties.
CITIES = [
    ("YYB", "安徽省分行营业部", "营业部", "长江中路 金寨路 徽州大道", ""),
    ("HF", "合肥分行", "合肥", "三孝口 四牌楼 庐阳 瑶海 蜀山 包河 政务区 高新区 经开区", "肥东县 肥西县 长丰县"),
    ("WH", "芜湖分行", "芜湖", "中山路 镜湖 赭山 弋江 鸠江 三山", "芜湖县 繁昌县 南陵县 无为县"),
    ("BB", "蚌埠分行", "蚌埠", "龙子湖 蚌山 禹会 淮上", "怀远县 五河县 固镇县"),
    ("HN", "淮南分行", "淮南", "田家庵 大通 谢家集 八公山 潘集", "凤台县"),
    ("MAS", "马鞍山分行", "马鞍山", "花山 雨山 金家庄", "当涂县"),
    ("HB", "淮北分行", "淮北", "相山 杜集 烈山", "濉溪县"),
    ("TL", "铜陵分行", "铜陵", "铜官山 狮子山 郊区", "铜陵县"),
    ("AQ", "安庆分行", "安庆", "迎江 大观 宜秀", "怀宁县 枞阳县 桐城市 潜山县 太湖县 宿松县 望江县 岳西县"),
    ("HS", "黄山分行", "黄山", "屯溪 徽州", "黄山区 歙县 休宁县 黟县 祁门县"),
    ("CZ", "滁州分行", "滁州", "琅琊 南谯", "天长市 明光市 来安县 全椒县 定远县 凤阳县"),
    ("FY", "阜阳分行", "阜阳", "颍州 颍东 颍泉", "界首市 临泉县 太和县 阜南县 颍上县"),
    ("SZ", "宿州分行", "宿州", "埇桥 银河", "砀山县 萧县 灵璧县 泗县"),
    ("LA", "六安分行", "六安", "金安 裕安", "寿县 霍邱县 舒城县 金寨县 霍山县"),
    ("BZ", "亳州分行", "亳州", "谯城", "涡阳县 蒙城县 利辛县"),
    ("CHZ", "池州分行", "池州", "贵池", "东至县 石台县 青阳县"),
    ("XC", "宣城分行", "宣城", "宣州", "郎溪县 广德县 泾县 绩溪县 旌德县 宁国市"),
]
# Where the VIP centres hang. Rule O1 lets a centre hang under a city branch too, but the demo
# hangs each under a sub-branch (in a city, its first one): rule A9 puts the sub-branch's head
# and deputy head in charge on the teams of the centre's wealthier clients, and a centre right
# under a city branch has no sub-branch above it whose leaders could join.
VIP_HOSTS = {
    "YYB": ["YYB01"],
    "HF": ["HF01", "HF05"],
    "WH": ["WH02"],
    "BB": ["BB01"],
    "HN": ["HN01"],
    "MAS": ["MAS01"],
    "AQ": ["AQ01"],
    "HS": ["HS01"],
    "FY": ["FY01"],
    "LA": ["LA01"],
}
# The city branch's wealth-management centre, hosted by its first sub-branch (as above, for A9).
WEALTH_CITY, WEALTH_HOST = "HF", "HF01"
# Cities whose customer managers stay a little under 20% of their staff (rule S1 has work).
LEAN_CITIES = {"HB", "CHZ"}
# Cities with one sub-branch lacking its market department: ~3% of them (rule O3 has work).
CITIES_MISSING_A_MARKET_DEPARTMENT = {"HF", "AQ", "FY", "HB"}
SMALL_SCALE_CITIES = {"HF", "WH", "HB"}  # the demo logins need Hefei and Wuhu

OUTLET_PLACES = (
    "人民路 解放路 中山路 胜利路 建设路 文化路 和平路 新华路 光明路 淮河路 长江路 红旗路 站前 城南 城北 "
    "东门 西门 开发区 工业园 大学城 新城 花园 府前 体育路 滨江 北京路 南京路 黄山路 幸福路 学府路 "
    "振兴路 团结路 友谊路 鼓楼 步行街 火车站 汽车站 商贸城 新村 龙湖"
).split()
OUTLET_SUFFIXES = ["分理处", "分理处", "储蓄所", "网点"]

# Roughly by frequency; 汪、程、方 are commoner in Anhui than nationally.
SURNAMES = (
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 汪 郭 何 高 林 程 罗 郑 梁 谢 宋 唐 许 方 韩 冯 邓 曹 "
    "彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 范 金 石 廖 贾 夏 韦 "
    "付 白 邹 孟 熊 秦 邱 江 尹 薛 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 武 戴 孔 汤 葛 储 "
    "欧阳 司马"
).split()
SURNAME_WEIGHTS = [1 / (rank + 4) for rank in range(len(SURNAMES))]
GIVEN_MALE = "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宁 俊 峰 浩 宇 亮 建 国 林 文 志 健 晨 凯 龙 彬 阳 松 海 斌 东 锋 翔 坤"
GIVEN_FEMALE = "芳 娟 敏 静 丽 艳 娜 霞 玲 婷 雪 琳 颖 莉 倩 洁 燕 慧 悦 瑶 佳 欣 晶 蕾 岚 璐 萍 红 梅 兰 秀 晓 露 菲 蓉 琴 薇 月 璇"
# Only to pick plausible given names; no sex is stored.
FEMALE_SHARE = {Position.TELLER: 0.75, Position.HEAD: 0.2, Position.DEPUTY_HEAD: 0.3}
GIVEN_COMMON = "文 明 晓 海 家 子 思 雨 天 嘉 志 春 秋 晨 安 云 新 永 诗 一"


@dataclass
class DemoBank:
    """The rows of the three import files, the leadership seats and the demo logins."""

    units: list = field(default_factory=list)
    departments: list = field(default_factory=list)
    employees: list = field(default_factory=list)
    seats: list = field(default_factory=list)  # (unit_code, employee_no, LeadershipRole)
    logins: list = field(default_factory=list)  # (role label, employee_no)
    tier_admins: list = field(default_factory=list)  # employee_no of logins given the admin and the tier_admin role

    def csv(self, kind):
        columns, rows = {
            "units": (UNIT_COLUMNS, self.units),
            "departments": (DEPARTMENT_COLUMNS, self.departments),
            "employees": (EMPLOYEE_COLUMNS, self.employees),
        }[kind]
        out = io.StringIO()
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")


def flag(value):
    return "1" if value else "0"


def add_years(day, years):
    return day + datetime.timedelta(days=round(years * 365.25))


class BankBuilder:
    """Draws the bank unit by unit; `small` keeps three cities and trims every unit list."""

    def __init__(self, scale="full"):
        self.small = scale == "small"
        self.rng = random.Random(SEED)
        self.bank = DemoBank()
        self.unit_kinds = {}
        self.staff = []  # rows hired into the current city's subtree (for rule S1 shares)

    # --- org tree ------------------------------------------------------------------------

    def unit(self, code, name, kind, parent="", city_area=False, credit_authority=False):
        self.bank.units.append(
            {
                "code": code,
                "name": name,
                "kind": kind,
                "parent_code": parent,
                "city_area": flag(city_area),
                "credit_authority": flag(credit_authority),
            }
        )
        self.unit_kinds[code] = kind
        return code

    def department(self, unit, code, name, parent=""):
        self.bank.departments.append({"unit_code": unit, "code": code, "name": name, "parent_code": parent})

    # --- people --------------------------------------------------------------------------

    def person_name(self, female):
        rng = self.rng
        surname = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        pool = (GIVEN_FEMALE if female else GIVEN_MALE).split() + GIVEN_COMMON.split()
        given = rng.sample(pool, 2 if rng.random() < 0.75 else 1)
        return surname + "".join(given)

    def hire(self, unit, position, department="", manager_kind="", *, ages=(23, 56), senior=False, vip_area=False):
        rng = self.rng
        age = rng.randint(*ages)
        birth = datetime.date(AS_OF.year - age, 1, 1) - datetime.timedelta(days=rng.randrange(365))
        doctors = 2 if self.unit_kinds[unit] in (UnitKind.PROVINCE, UnitKind.CITY) else 0
        education = rng.choices(
            [Education.BELOW_BACHELOR, Education.BACHELOR, Education.MASTER, Education.DOCTOR],
            [8, 70, 20, doctors] if age < 40 else [30, 58, 11, doctors / 2],
        )[0]
        start_age = {Education.BELOW_BACHELOR: 19, Education.BACHELOR: 22, Education.MASTER: 25, Education.DOCTOR: 28}
        hired_on = min(add_years(birth, start_age[education] + rng.random() * 4), AS_OF - datetime.timedelta(days=30))
        title = rng.choices(
            [TitleLevel.NONE, TitleLevel.JUNIOR, TitleLevel.MID, TitleLevel.SENIOR],
            [60, 40, 0, 0] if age < 28 else [25, 50, 25, 0] if age < 38 else [15, 30, 45, 10],
        )[0]
        grade, credit = "", False
        if position == Position.CUSTOMER_MANAGER:
            weights = [85, 15, 0, 0] if age < 28 else [10, 35, 40, 15] if senior else [48, 32, 16, 4]
            grade = rng.choices([Grade.JUNIOR, Grade.INTERMEDIATE, Grade.SENIOR, Grade.PRINCIPAL], weights)[0]
            credit = rng.random() < (0.65 if manager_kind == ManagerKind.CORPORATE else 0.1)
        female = rng.random() < FEMALE_SHARE.get(position, 0.5)
        row = {
            "employee_no": f"E{len(self.bank.employees) + 1:06d}",
            "name": self.person_name(female),
            "unit_code": unit,
            "position": position,
            "department_code": department,
            "manager_kind": manager_kind,
            "grade": grade,
            "credit_manager": flag(credit),
            "vip_area": flag(vip_area),
            "birth_date": birth.isoformat(),
            "education": education,
            "title_level": title,
            "hired_on": hired_on.isoformat(),
        }
        self.bank.employees.append(row)
        self.staff.append(row)
        return row

    def customer_manager(self, unit, kind, department="", ages=(24, 52), **extra):
        return self.hire(unit, Position.CUSTOMER_MANAGER, department, kind, ages=ages, **extra)

    def leaders(self, unit, deputies):
        """A unit head and deputies; answers their rows (leadership group LEADER, DEPUTY)."""
        head = self.hire(unit, Position.HEAD, ages=(42, 56))
        return [head] + [self.hire(unit, Position.DEPUTY_HEAD, ages=(36, 54)) for _ in range(deputies)]

    def department_staff(self, unit, department, count):
        """A department head (a leadership-group member at a province or city) and its staff."""
        head = self.hire(unit, Position.OTHER, department, ages=(36, 55))
        for _ in range(count):
            self.hire(unit, Position.OTHER, department)
        return head

    def seat(self, unit, rows, *, first_role=LeadershipRole.LEADER, role=LeadershipRole.DEPUTY):
        for index, row in enumerate(rows):
            self.bank.seats.append((unit, row["employee_no"], first_role if index == 0 else role))

    # --- the bank ------------------------------------------------------------------------

    def build(self):
        self.province()
        cities = [city for city in CITIES if not self.small or city[0] in SMALL_SCALE_CITIES]
        outlets = {}
        for city in cities:
            outlets[city[0]] = self.city(*city)
        wuhu_manager = next(
            row
            for row in self.bank.employees
            if row["unit_code"] in outlets["WH"] and row["position"] == Position.CUSTOMER_MANAGER
        )
        self.bank.logins.append(("Wuhu outlet customer manager", wuhu_manager["employee_no"]))
        self.assistants()
        return self.bank

    def assistants(self):
        """Rule S9 (advisory): an assistant per N managers where managers are many — the
        province's and the city branches' departments, the VIP centres — except in the lean
        cities, short of people anyway (S9 keeps a little work). Hired last, so that everyone
        hired before keeps their number and draws."""
        per = StaffingPolicy().managers_per_assistant  # the policy's default N
        parents = {row["code"]: row["parent_code"] for row in self.bank.units}
        held = Counter((row["unit_code"], row["position"]) for row in self.bank.employees)
        departments = {UnitKind.PROVINCE: "CORP1", UnitKind.CITY: "KEY_ACCOUNT", UnitKind.VIP_CENTRE: ""}
        for row in list(self.bank.units):
            code, kind = row["code"], row["kind"]
            city = code
            while parents[city] and self.unit_kinds[parents[city]] != UnitKind.PROVINCE:
                city = parents[city]
            if kind not in departments or city in LEAN_CITIES:
                continue
            missing = held[code, Position.CUSTOMER_MANAGER] // per - held[code, Position.ASSISTANT]
            for _ in range(missing):
                self.hire(code, Position.ASSISTANT, departments[kind], ages=(22, 35))

    def province(self):
        rng, small = self.rng, self.small
        self.unit(PROVINCE_CODE, PROVINCE_NAME, UnitKind.PROVINCE)
        self.seat(PROVINCE_CODE, self.leaders(PROVINCE_CODE, 2 if small else 4))
        for code, name in {**PROVINCE_MARKETING_DEPARTMENTS, **PROVINCE_OTHER_DEPARTMENTS}.items():
            self.department(PROVINCE_CODE, code, name)
            head = self.department_staff(PROVINCE_CODE, code, rng.randint(2, 3) if small else rng.randint(4, 8))
            if code in PROVINCE_MARKETING_DEPARTMENTS:
                self.seat(PROVINCE_CODE, [head], first_role=LeadershipRole.MEMBER)
            if code == "CORP1":
                analyst, keeper = [row for row in self.staff if row["department_code"] == code and row is not head][:2]
                self.bank.logins.append(("province analyst", analyst["employee_no"]))
                # The colleague who keeps the province's named lists in the admin (the tier_admin role).
                self.bank.logins.append(("tier-list administrator", keeper["employee_no"]))
                self.bank.tier_admins.append(keeper["employee_no"])
            if code in CORPORATE_DEPARTMENTS:
                for _ in range(rng.randint(1, 3)):
                    self.customer_manager(PROVINCE_CODE, ManagerKind.CORPORATE, code, senior=True, ages=(32, 55))
        self.staff = []

    def city(self, code, name, prefix, districts, counties):
        rng = self.rng
        districts, counties = districts.split(), counties.split()
        if self.small:
            districts, counties = districts[:2], counties[:1]
        lean = code in LEAN_CITIES
        self.unit(code, name, UnitKind.CITY, PROVINCE_CODE)

        # City headquarters: leaders, marketing departments, the back office.
        size = len(districts) + len(counties)
        self.seat(code, self.leaders(code, rng.randint(2, 4)))
        for department, (department_name, parent) in CITY_DEPARTMENTS.items():
            self.department(code, department, department_name, parent)
            head = self.department_staff(code, department, rng.randint(1, 2 + size // 4))
            if department in CITY_MARKETING_DEPARTMENTS:
                self.seat(code, [head], first_role=LeadershipRole.MEMBER)
            if department == "MKT_MGMT" and code == "HF":
                person = next(row for row in self.staff if row["department_code"] == department and row is not head)
                self.bank.logins.append(("Hefei city-branch staff", person["employee_no"]))
            if department in CORPORATE_DEPARTMENTS and not lean:
                for _ in range(rng.randint(1, 2 + size // 5)):
                    self.customer_manager(code, ManagerKind.CORPORATE, department, senior=department == "KEY_ACCOUNT")
        if code == WEALTH_CITY:
            # Drawn here, before the sub-branches, as it always was (the draws after it keep
            # their order); its host's row comes later in the file, which the import allows.
            self.wealth_centre(WEALTH_HOST, f"{code}WEALTH", f"{name}财富管理中心")

        sub_branches, outlets = [], []
        places = [(district, True) for district in districts] + [(county, False) for county in counties]
        for index, (place, city_area) in enumerate(places, 1):
            sub = f"{code}{index:02d}"
            sub_name = f"{prefix}{place}支行" if city_area else f"{place}支行"
            credit = rng.random() < (0.9 if city_area else 0.7)
            sub_branches.append(self.unit(sub, sub_name, UnitKind.SUB_BRANCH, code, credit_authority=credit))
            short = place if city_area or len(place) <= 2 else place[:-1]
            count = rng.randint(3, 6) if city_area else rng.randint(2, 5)
            if self.small:
                count = min(count, 3)
            chosen = rng.sample(OUTLET_PLACES, count - 1)
            outlet_names = [f"{sub_name}营业室"] + [f"{short}{spot}{rng.choice(OUTLET_SUFFIXES)}" for spot in chosen]
            for number, outlet_name in enumerate(outlet_names, 1):
                outlets.append(self.unit(f"{sub}{number:02d}", outlet_name, UnitKind.OUTLET, sub, city_area=city_area))

        # A few sub-branches lack a market department (rule O3) and outlets a lobby manager (S4).
        without_market = rng.choice(sub_branches) if code in CITIES_MISSING_A_MARKET_DEPARTMENT else None
        without_lobby = set(rng.sample(outlets, max(1, round(len(outlets) * 0.04))))
        for sub in sub_branches:
            self.sub_branch(sub, with_market=sub != without_market, lean=lean)
        for outlet in outlets:
            self.outlet(outlet, with_lobby=outlet not in without_lobby, lean=lean)
        for number, host in enumerate(VIP_HOSTS.get(code, [])[: 1 if self.small else None], 1):
            host_name = next(row["name"] for row in self.bank.units if row["code"] == host)
            self.vip_centre(host, f"{code}VIP{number}", f"{host_name}贵宾理财中心")

        self.balance_city(code, sub_branches, share=(0.17, 0.19) if lean else (0.205, 0.245))
        self.staff = []
        return set(outlets)

    def sub_branch(self, code, *, with_market, lean):
        rng = self.rng
        market = MARKET_DEPARTMENT_CODE if with_market else ""
        if with_market:
            self.department(code, MARKET_DEPARTMENT_CODE, "市场部")
        self.leaders(code, rng.randint(1, 2))
        managers = rng.randint(3, 4) if lean else rng.choice([3, 3, 4, 4, 5, 6, 7, 8])
        for _ in range(managers):
            kind = ManagerKind.CORPORATE if rng.random() < 0.6 else ManagerKind.PERSONAL
            self.customer_manager(code, kind, market)
        for _ in range(rng.randint(1, 2)):
            self.hire(code, Position.ASSISTANT, market, ages=(22, 35))
        for _ in range(rng.randint(1, 3) if with_market else 0):
            self.hire(code, Position.OTHER, market)
        for _ in range(rng.randint(1, 3)):  # accounting supervisor, operations, security
            self.hire(code, Position.OTHER)

    def outlet(self, code, *, with_lobby, lean):
        rng = self.rng
        self.hire(code, Position.HEAD if rng.random() < 0.75 else Position.DEPUTY_HEAD, ages=(32, 55))
        if with_lobby:
            self.hire(code, Position.LOBBY_MANAGER, ages=(24, 45))
        for _ in range(rng.randint(2, 6)):
            self.hire(code, Position.TELLER, ages=(22, 50))
        for _ in range(1 if lean or rng.random() < 0.7 else 2):
            self.customer_manager(code, ManagerKind.PERSONAL)

    def vip_centre(self, parent, code, name):
        """Rule S6: ≥15 staff, ≥2 marketing and ≥2 wealth managers, an exclusive area."""
        rng = self.rng
        self.unit(code, name, UnitKind.VIP_CENTRE, parent)
        self.hire(code, Position.HEAD, ages=(35, 52))
        roster = (
            [Position.MARKETING_MANAGER] * rng.randint(2, 3)
            + [Position.WEALTH_MANAGER] * rng.randint(2, 4)
            + [Position.LOBBY_MANAGER] * rng.randint(1, 2)
            + [Position.CUSTOMER_MANAGER] * rng.randint(3, 5)
            + [Position.TELLER] * rng.randint(2, 4)
        )
        size = rng.randint(15, 19)  # besides the head
        while len(roster) < size:
            roster.append(rng.choice([Position.TELLER, Position.CUSTOMER_MANAGER, Position.WEALTH_MANAGER]))
        for position in roster:
            exclusive = position != Position.TELLER and rng.random() < 0.6
            if position == Position.CUSTOMER_MANAGER:
                self.customer_manager(code, ManagerKind.PERSONAL, vip_area=exclusive)
            else:
                self.hire(code, position, ages=(24, 48), vip_area=exclusive)

    def wealth_centre(self, parent, code, name):
        """Rule S5: marketing + wealth + lobby managers ≥ 8, and private-banking managers (A5)."""
        rng = self.rng
        self.unit(code, name, UnitKind.WEALTH_CENTRE, parent)
        self.hire(code, Position.HEAD, ages=(38, 52))
        roster = (
            [Position.MARKETING_MANAGER] * 3
            + [Position.WEALTH_MANAGER] * rng.randint(4, 5)
            + [Position.LOBBY_MANAGER] * rng.randint(1, 2)
        )
        for position in roster:
            self.hire(code, position, ages=(26, 48))
        for _ in range(rng.randint(2, 3)):
            self.customer_manager(code, ManagerKind.PERSONAL, senior=True, ages=(30, 50))

    def balance_city(self, code, sub_branches, share):
        """Keep customer managers within `share` (low, high) of the city's staff (rule S1).

        Too many managers: sub-branches gain operations staff; too few: the city's corporate
        department gains managers — just enough to land a little inside the range.
        """
        low, high = share
        managers = sum(row["position"] == Position.CUSTOMER_MANAGER for row in self.staff)
        total = len(self.staff)
        if managers / total > high:
            target = high - self.rng.uniform(0, 0.01)
            for index in range(math.ceil(managers / target) - total):
                self.hire(sub_branches[index % len(sub_branches)], Position.OTHER)
        elif managers / total < low:
            target = low + self.rng.uniform(0, 0.01)
            for _ in range(math.ceil((target * total - managers) / (1 - target))):
                self.customer_manager(code, ManagerKind.CORPORATE, "CORP")


def build_bank(scale="full"):
    return BankBuilder(scale).build()

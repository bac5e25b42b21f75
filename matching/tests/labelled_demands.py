"""Demands over the fixture county (`fixture_county.py`), each with the lecturers a county
official would consider right: 2 = the one to send, 1 = would do.

Topics are written the way a branch secretary types them: short, colloquial, sometimes with
filler words ("讲讲", "怎么"), sometimes only a keyword; some pick a category, most do not.
The venue is near the branch of the named town. Judgments are topical: distance, ratings and
workload are the engine's other components and not part of what makes a lecturer *right*.
"""

from dataclasses import dataclass, field

from .fixture_county import ED, PT, PW, RT, SP


@dataclass(frozen=True)
class LabelledDemand:
    topic: str
    town: str
    labels: dict[str, int] = field(default_factory=dict)
    category: str = ""


D = LabelledDemand

DEMANDS: tuple[LabelledDemand, ...] = (
    # rural industry and the economy of villages
    D("村里准备发展特色种植，想请懂产业的老师讲讲怎么选产业、带动村民增收", "qingshan",
      {"ind_lin": 2, "ind_zhou": 2, "ind_qian": 1, "ind_he": 1, "ind_wu": 1, "model_rich": 1,
       "coop_tang": 1, "ind_fu": 1}),
    D("乡村振兴", "shimen",
      {"ind_zhou": 2, "ind_fu": 2, "ind_lin": 1, "ind_he": 1, "ind_wu": 1, "ind_qian": 1,
       "ind_digital": 1, "ind_tao": 1}, category=SP),
    D("三农政策", "liuhe", {"ind_fu": 2, "ind_zhou": 2, "safe_food": 1, "th_modern": 1}),
    D("发展壮大村集体经济", "taoyuan",
      {"ind_zhou": 2, "ind_wu": 2, "fin_assets": 1, "coop_tang": 1, "ind_he": 1}),
    D("乡村旅游和农家乐民宿怎么搞", "taoyuan", {"ind_tao": 2, "red_tourism": 1}),
    # e-commerce
    D("农村电商怎么做，网上卖农产品", "liuhe",
      {"ecom_xu": 2, "ecom_luo": 2, "ecom_ma": 1, "model_youth": 1}),
    D("直播带货培训", "qingshan", {"ecom_ma": 2, "ecom_xu": 1, "ecom_luo": 1, "media": 1}),
    D("网店怎么开", "chengguan", {"ecom_xu": 2, "ecom_luo": 1, "ecom_ma": 1, "model_youth": 1}),
    # cooperatives and farm techniques
    D("合作社怎样规范运营、怎么分红", "liuhe",
      {"coop_zheng": 2, "coop_tang": 1, "coop_farm": 1, "ind_wu": 1}),
    D("大棚蔬菜种植技术", "qingshan", {"agri_feng": 2, "model_rich": 1, "agri_song": 1},
      category=PW),
    D("果树打药、病虫害防治", "qingshan", {"agri_song": 2, "agri_feng": 1, "agri_drone": 1}),
    D("小麦高产栽培", "liuhe", {"agri_han": 2, "agri_drone": 1, "safe_food": 1}),
    D("养猪养牛防疫", "shimen", {"agri_cao": 2}),
    # party history and red stories
    D("七一前给支部党员上一堂党史课", "chengguan",
      {"hist_wang": 2, "hist_li": 2, "hist_local": 2, "hist_liu": 1, "hist_retired": 1,
       "red_chen": 1, "red_zhao": 1}),
    D("给老党员讲讲红色故事", "taoyuan",
      {"red_teller": 2, "red_sun": 2, "red_zhao": 2, "red_guo": 2, "red_bai": 1, "red_chen": 1,
       "hist_retired": 1, "red_song": 1}, category=RT),
    D("沂蒙精神", "liuhe", {"red_sun": 2, "red_teller": 1, "red_zhao": 1}),
    D("长征精神与新时代担当", "shimen", {"red_chen": 2, "red_sun": 1, "hist_li": 1}),
    D("本县的党史和革命历史", "qingshan",
      {"hist_local": 2, "red_guo": 1, "hist_li": 1, "hist_wang": 1, "hist_retired": 1}),
    # governance, mediation, law
    D("村里矛盾纠纷多，请人讲讲调解方法", "shimen",
      {"gov_liang": 2, "gov_luo": 2, "gov_women": 1, "law_pufa": 1, "gov_petition": 1,
       "law_family": 1}),
    D("枫桥经验", "qingshan", {"gov_luo": 2, "gov_liang": 1, "gov_petition": 1}),
    D("网格化管理", "chengguan", {"gov_grid": 2, "gov_community": 1, "gov_luo": 1}),
    D("小区物业和社区治理", "chengguan", {"gov_community": 2, "gov_grid": 1}),
    D("民法典进农村", "liuhe", {"law_deng": 2, "law_pufa": 1, "law_family": 1, "law_xu": 1}),
    D("宅基地和土地承包有关法律", "taoyuan", {"law_xu": 2, "law_deng": 1, "law_pufa": 1}),
    D("离婚、赡养老人、遗产继承这些法律问题", "chengguan",
      {"law_family": 2, "law_deng": 1, "gov_women": 1}),
    # social security and livelihoods
    D("养老保险和医保政策解读", "qingshan", {"ss_pan": 2, "ss_pension": 2, "ss_medical": 2}),
    D("看病住院怎么报销", "shimen", {"ss_medical": 2, "ss_pan": 1}),
    D("返乡创业有什么扶持政策", "liuhe", {"ss_jobs": 2, "model_youth": 1}),
    # organisation work
    D("三会一课怎么规范开展", "chengguan",
      {"org_three": 2, "org_standard": 1, "org_online": 1, "org_life": 1}, category=PW),
    D("发展党员的程序和要求", "liuhe", {"org_member": 2, "org_young": 1, "org_standard": 1}),
    D("党支部标准化建设", "taoyuan", {"org_standard": 2, "org_three": 1, "org_secretary": 1}),
    D("主题党日活动怎么搞", "qingshan", {"org_theme": 2, "org_standard": 1, "org_three": 1}),
    D("党费怎么交", "shimen", {"org_fee": 2, "org_standard": 1}),
    D("组织生活会和民主评议党员", "chengguan",
      {"org_life": 2, "org_three": 1, "org_standard": 1}),
    D("流动党员怎么管理", "liuhe", {"org_mobile": 2, "org_online": 1}),
    # theory and discipline
    D("学习二十大精神", "liuhe", {"th_20": 2, "th_xi": 1, "th_modern": 1, "hist_liu": 1},
      category=PT),
    D("党章和党员的义务", "taoyuan", {"th_charter": 2, "clean_rules": 1, "th_xi": 1}),
    D("理想信念教育", "qingshan", {"th_ideal": 2, "th_youth": 1, "red_zhao": 1, "model_old": 1}),
    D("中国式现代化", "shimen", {"th_modern": 2, "th_20": 1}),
    D("廉洁警示教育", "chengguan",
      {"clean_warning": 2, "clean_rules": 1, "eco_politics": 1, "clean_village": 1}),
    # ecology and safety
    D("垃圾分类和人居环境整治", "taoyuan", {"eco_living": 2, "eco_green": 1}),
    D("生态环境保护", "qingshan",
      {"eco_green": 2, "eco_river": 1, "eco_living": 1, "eco_carbon": 1, "eco_forest": 1},
      category=SP),
    D("企业安全生产培训", "shimen",
      {"safe_prod": 2, "safe_work": 2, "safe_gas": 1, "safe_fire": 1}),
    D("汛期到了，讲讲防汛和防灾减灾", "liuhe", {"safe_flood": 2, "safe_fire": 1}),
    D("冬季防火，消防安全知识", "chengguan", {"safe_fire": 2, "eco_forest": 1, "safe_gas": 1}),
    # exemplary deeds and village life
    D("身边的好支书事迹", "shimen",
      {"model_secretary": 2, "model_veteran": 2, "model_rich": 1, "coop_tang": 1,
       "model_old": 1}, category=ED),
    D("请致富带头人讲讲创业经历", "qingshan",
      {"model_rich": 2, "model_youth": 2, "model_secretary": 1, "coop_tang": 1, "ind_lin": 1}),
    D("村务公开、村级财务管理", "liuhe",
      {"fin_village": 2, "fin_assets": 1, "clean_village": 1, "gov_xie": 1}),
    D("防范电信诈骗", "taoyuan", {"fraud": 2, "fraud_money": 1}),
    D("好家风好家训", "qingshan", {"model_family": 2, "culture": 1}),
    D("移风易俗、反对大操大办", "shimen", {"culture": 2, "gov_xie": 1, "model_family": 1}),
    D("老年人健康和慢性病", "taoyuan", {"health": 2, "ss_elder": 1, "model_doctor": 1}),
    D("两新组织党建", "chengguan", {"ecom_partybuild": 2}),
)  # fmt: skip

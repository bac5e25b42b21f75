"""A hand-written fixture county for judging the recommendation ranking (issue 5, item 4).

桃李县 has a county seat (城关街道) and four towns, about 110 lecturers with realistic courses
and specialties in clusters a county official would recognise — rural industry, e-commerce,
cooperatives, farm techniques, party history, red stories, grassroots governance and
mediation, law, social security, organisation work, theory, ecology, safety, exemplary deeds,
discipline, village finance — plus distractors that share words but not meaning (产业发展 vs
发展党员, 红色物业 and 红色旅游 vs 红色故事, 政治生态 vs 生态环境, 粮食安全 vs 安全生产,
养老服务 vs 养老保险, an e-commerce park's party building vs 农村电商) and lecturers who must
never be recommended (cold-stored, removed, candidates).

Every lecturer has a stable key; `labelled_demands.py` names the right lecturers by key.
Build it with `build_fixture_county()` inside a test that has database access.
"""

from dataclasses import dataclass
from types import SimpleNamespace

from core.pinyin import pinyin_keys
from courses.models import Course
from lecturers.models import Lecturer
from matching.models import Synonym
from orgs.models import CountySettings, MemberGroup, Organisation, OrgLevel

PT = "political_theory"
RT = "revolutionary_tradition"
SP = "situation_policy"
PW = "practical_work"
ED = "exemplary_deeds"

# Town key → (name, lat, lng). "county" is the county seat, where county-level units sit.
TOWNS = {
    "county": ("桃李县", 35.400, 117.900),
    "chengguan": ("城关街道", 35.410, 117.915),
    "qingshan": ("青山镇", 35.525, 117.790),
    "shimen": ("石门镇", 35.290, 118.060),
    "liuhe": ("柳河镇", 35.460, 118.105),
    "taoyuan": ("桃源镇", 35.275, 117.755),
}
BRANCHES = {
    "county": ("县委组织部机关党支部", MemberGroup.GOVERNMENT),
    "chengguan": ("幸福社区党委", MemberGroup.COMMUNITY),
    "qingshan": ("杏树沟村党支部", MemberGroup.RURAL),
    "shimen": ("石门村党支部", MemberGroup.RURAL),
    "liuhe": ("河湾村党支部", MemberGroup.RURAL),
    "taoyuan": ("桃花峪村党支部", MemberGroup.RURAL),
}
SYNONYMS = (
    "乡村振兴 三农 农业农村",
    "电商 电子商务 网店 网上销售",
    "调解 化解",
    "廉洁 廉政",
    "诈骗 电诈 反诈",
)


@dataclass(frozen=True)
class C:
    title: str
    category: str
    outline: str


@dataclass(frozen=True)
class L:
    key: str
    name: str
    town: str  # a key of TOWNS; "county" = a county-level unit at the county seat
    source: str
    specialties: str
    score: float | None
    ratings: int
    courses: tuple[C, ...]
    status: str = "active"

    @property
    def level(self) -> str:
        return "county" if self.town == "county" else "town"


LECTURERS: tuple[L, ...] = (
    # --- rural revitalisation, industry, collective economy -------------------------------------
    L("ind_zhou", "周建国", "county", "expert", "乡村振兴政策、产业发展、农村集体经济", 89.2, 260, (
        C("乡村振兴战略与农村产业发展", SP, "一、乡村振兴的总要求；二、产业兴旺：选准主导产业、延伸产业链条；三、本县特色种养业发展案例；四、联农带农机制与村民增收"),
        C("壮大村级集体经济的六条路径", SP, "资源发包、资产租赁、物业经济、入股分红、村企联建、服务创收；典型村经验；风险防范"),
    )),
    L("ind_lin", "林秀英", "qingshan", "grassroots_secretary", "特色种植、产业发展、品牌农业", 91.0, 140, (
        C("一村一品特色产业培育实践", PW, "怎样选准适合本村的特色产业；争取项目和资金；统一品种、统一技术、统一销售；我们村山楂产业带动村民增收的做法"),
    )),
    L("ind_wu", "吴志勇", "shimen", "grassroots_secretary", "村级集体经济、土地流转", 85.5, 60, (
        C("村集体经济“破零”实操", PW, "清产核资摸清家底；土地流转与托管服务；成立村级股份经济合作社；收益分配与公开"),
    )),
    L("ind_qian", "钱立德", "county", "expert", "农业产业化、农产品加工、产业链", 87.0, 95, (
        C("农业产业化经营与农产品精深加工", SP, "龙头企业+合作社+农户模式；农产品加工增值；冷链物流；现代农业产业园建设"),
    )),
    L("ind_tao", "陶海燕", "taoyuan", "model_figure", "乡村旅游、民宿经营、农旅融合", 90.1, 110, (
        C("乡村旅游与民宿经营", PW, "农旅融合的路子；民宿选址与改造；游客服务与线上推广；利益共享让村民受益"),
    )),
    L("ind_he", "贺光荣", "liuhe", "party_worker", "党建引领乡村振兴、产业振兴", 83.0, 40, (
        C("党建引领产业振兴的柳河实践", PW, "支部建在产业链上；党员示范基地；村党组织领办合作社；带动群众增收的成效"),
    )),
    L("ind_fu", "傅新春", "county", "party_school", "三农政策、中央一号文件解读", 88.0, 180, (
        C("中央一号文件与三农政策解读", SP, "今年中央一号文件要点；粮食生产与耕地保护；农民增收政策；农村改革重点任务"),
    )),
    L("ind_digital", "卢晨阳", "county", "expert", "数字乡村、智慧农业", 84.0, 30, (
        C("数字乡村建设", SP, "数字乡村的内涵；村级综合服务平台；智慧农业应用；数字治理案例"),
    )),
    # --- e-commerce ---------------------------------------------------------------------------
    L("ecom_xu", "徐晓燕", "county", "skills_talent", "电商运营、农产品网销", 92.3, 210, (
        C("农村电商实操入门", PW, "开网店的准备；商品拍照与详情页；定价与包装；快递物流与售后服务"),
    )),
    L("ecom_ma", "马超", "qingshan", "skills_talent", "直播带货、短视频运营", 88.7, 150, (
        C("直播带货助农：手机成了新农具", PW, "直播前的选品和脚本；手机直播设备与场景布置；短视频引流；合规经营与诚信"),
    )),
    L("ecom_luo", "骆丽娟", "shimen", "skills_talent", "农产品品牌、网络营销", 86.0, 70, (
        C("农产品品牌打造与网络营销", PW, "地理标志与区域公用品牌；包装设计讲好产品故事；社群营销与电商平台；品控与信誉"),
    )),
    L("ecom_partybuild", "范晓东", "county", "party_worker", "两新组织党建、非公企业党建", 82.0, 45, (
        C("非公企业党建工作实务", PW, "非公企业党组织组建；党建与企业发展深度融合；以县电子商务产业园为例；党员示范岗"),
    )),
    L("ecom_removed", "曾华", "county", "skills_talent", "电商运营、直播带货", 80.0, 20, (
        C("电商直播带货技巧", PW, "选品、直播话术、农产品网上销售"),
    ), status="removed"),
    # --- cooperatives and family farms --------------------------------------------------------
    L("coop_zheng", "郑玉兰", "county", "expert", "农民专业合作社、家庭农场、农村经营管理", 90.5, 170, (
        C("农民专业合作社规范化运营", PW, "合作社章程与成员大会；成员账户与财务管理；盈余分配与风险共担；示范社创建要点"),
    )),
    L("coop_tang", "唐海波", "liuhe", "grassroots_secretary", "合作社、抱团发展", 87.4, 90, (
        C("支部+合作社：党建引领抱团发展", ED, "我们村党支部领办合作社的经过；土地入股与保底分红；带动困难户增收；遇到的难题与办法"),
    )),
    L("coop_farm", "邱春梅", "taoyuan", "skills_talent", "家庭农场经营、农业社会化服务", 84.0, 50, (
        C("家庭农场经营与管理", PW, "家庭农场认定与扶持政策；适度规模经营；成本核算；农机与社会化服务"),
    )),
    # --- farm techniques ----------------------------------------------------------------------
    L("agri_feng", "冯志刚", "county", "expert", "设施蔬菜、大棚种植、农业技术推广", 91.8, 230, (
        C("设施蔬菜大棚种植新技术", PW, "日光温室建造与管理；水肥一体化；蔬菜嫁接育苗；病虫害绿色防控"),
    )),
    L("agri_song", "宋春", "qingshan", "skills_talent", "果树栽培、病虫害防治", 89.1, 120, (
        C("果树病虫害绿色防控技术", PW, "苹果、桃树常见病虫害识别；生物防治与物理防治；科学安全用药；农药减量增效"),
    )),
    L("agri_han", "韩立新", "liuhe", "skills_talent", "粮食高产栽培、农机应用", 85.0, 80, (
        C("小麦玉米高产栽培技术", PW, "良种选用；测土配方施肥；一喷三防；机收减损"),
    )),
    L("agri_cao", "曹德成", "shimen", "skills_talent", "畜禽养殖、动物防疫", 86.6, 75, (
        C("畜禽规模养殖与疫病防控", PW, "圈舍建设；饲料配制；常见疫病免疫程序；粪污资源化利用"),
    )),
    L("agri_drone", "姚宇", "county", "skills_talent", "智慧农业、无人机植保、农机", 88.0, 65, (
        C("无人机植保与智慧农业应用", PW, "植保无人机操作与安全；精准施药；农业物联网；智慧农业案例"),
    )),
    L("agri_tea", "谭红霞", "taoyuan", "skills_talent", "茶叶种植、茶园管理", 87.0, 55, (
        C("生态茶园管理与茶叶加工", PW, "茶园土肥水管理；修剪与采摘；绿色防控；名优茶加工工艺"),
    )),
    L("agri_fish", "伏海", "liuhe", "skills_talent", "水产养殖、稻渔综合种养", 84.0, 30, (
        C("稻渔综合种养技术", PW, "稻田养虾养蟹的田间工程；苗种投放；水质管理；一水两用、一田双收"),
    )),
    # --- party history ------------------------------------------------------------------------
    L("hist_wang", "王建华", "county", "party_school", "党史、党的创新理论", 93.5, 320, (
        C("中国共产党百年奋斗的重大成就和历史经验", PT, "开天辟地、改天换地、翻天覆地、惊天动地；十条历史经验；以史为鉴、开创未来"),
        C("党史上的重要会议", RT, "中共一大、遵义会议、七届二中全会、十一届三中全会：历史背景与转折意义"),
    )),
    L("hist_li", "李红梅", "county", "party_school", "党史学习教育、新民主主义革命史", 90.0, 200, (
        C("新民主主义革命时期的党史", RT, "建党与大革命；土地革命与长征；抗日战争；解放战争与新中国成立"),
    )),
    L("hist_liu", "刘志平", "county", "party_school", "改革开放史、新中国史", 88.0, 150, (
        C("改革开放史与新时代伟大变革", PT, "改革开放的伟大决策；社会主义市场经济；新时代十年的伟大变革；党员的责任"),
    )),
    L("hist_local", "秦永学", "county", "retired_cadre", "县域党史、地方志", 91.2, 130, (
        C("本县党组织的创建与发展", RT, "本县第一个党支部的诞生；抗战时期的县委；解放后的建设年代；档案里的县域党史"),
    )),
    L("hist_retired", "石明", "chengguan", "retired_cadre", "党史故事、老党员口述", 87.9, 90, (
        C("老党员口述的峥嵘岁月", RT, "亲历者讲述；入党时的誓言；艰苦奋斗的年代；讲给年轻党员的话"),
    )),
    L("hist_cold", "孔德明", "county", "party_school", "党史学习教育", 90.0, 100, (
        C("党史学习教育专题辅导", PT, "学党史、悟思想、办实事、开新局"),
    ), status="cold_store"),
    # --- red stories, revolutionary tradition -------------------------------------------------
    L("red_zhao", "赵丽华", "county", "party_school", "红色家书、革命传统教育", 92.0, 240, (
        C("红色家书里的初心", RT, "革命先烈写给亲人的家书；家书里的理想信念；舍小家为大家；今天我们怎样守初心"),
    )),
    L("red_sun", "孙秀兰", "qingshan", "model_figure", "沂蒙精神、红色故事宣讲", 94.0, 300, (
        C("沂蒙精神的时代价值", RT, "沂蒙红嫂的故事；党群同心、军民情深、水乳交融、生死与共；新时代弘扬沂蒙精神"),
        C("沂蒙红嫂的故事", RT, "用乳汁救伤员的红嫂；做军鞋、推小车的支前群众；红嫂精神代代传"),
    )),
    L("red_chen", "陈光明", "county", "party_school", "长征精神、革命传统教育", 88.8, 160, (
        C("长征精神与新时代担当", RT, "长征途中的感人故事；长征精神的内涵；走好新时代的长征路"),
    )),
    L("red_guo", "郭海", "liuhe", "retired_cadre", "抗战历史、红色故事", 86.0, 80, (
        C("抗战烽火中的家乡英雄", RT, "家乡抗日根据地；英雄人物的故事；烈士陵园里的名字；传承红色基因"),
    )),
    L("red_bai", "白雪", "county", "party_worker", "革命文物、红色故事讲解", 90.4, 120, (
        C("革命文物背后的故事", RT, "一面党旗、一封密信、一把军号：文物讲述的革命历史；让文物活起来"),
    )),
    L("red_teller", "龚春燕", "shimen", "model_figure", "红色故事宣讲、群众宣讲", 93.0, 210, (
        C("红色故事宣讲：小推车推出来的胜利", RT, "淮海战役支前民工的故事；人民群众是真正的英雄；用乡音讲好红色故事"),
    )),
    L("red_song", "佟歌", "county", "skills_talent", "红色歌曲、群众文艺", 86.0, 60, (
        C("唱响红色经典：革命歌曲背后的故事", RT, "经典革命歌曲的创作背景；歌声里的峥嵘岁月；教唱与合唱排练"),
    )),
    L("red_tourism", "邹晓", "taoyuan", "skills_talent", "红色旅游、乡村旅游开发", 85.0, 40, (
        C("红色旅游资源开发与乡村旅游融合", SP, "红色旅游线路设计；景区运营与游客接待；带动农家乐和特产销售"),
    )),
    L("red_cold", "鲁英", "county", "model_figure", "红色故事宣讲、革命传统教育", 95.0, 250, (
        C("红色故事里的初心使命", RT, "红色故事宣讲；革命先辈的初心；传承红色基因"),
    ), status="cold_store"),
    L("red_candidate", "苗青", "county", "party_worker", "红色家书、红色故事", None, 0, (
        C("读红色家书 悟初心使命", RT, "红色家书诵读；革命先烈的家国情怀"),
    ), status="candidate"),
    # --- grassroots governance, mediation -----------------------------------------------------
    L("gov_luo", "罗卫东", "county", "party_school", "基层治理、枫桥经验", 89.0, 190, (
        C("新时代枫桥经验与基层矛盾化解", SP, "枫桥经验的由来与发展；小事不出村、大事不出镇；矛盾纠纷源头预防；本县实践"),
    )),
    L("gov_liang", "梁淑芬", "chengguan", "party_worker", "人民调解、矛盾纠纷调解、信访", 91.6, 150, (
        C("矛盾纠纷调解实务", PW, "邻里纠纷、婚姻家庭纠纷、土地纠纷的调解方法；调解协议的制作；情理法相结合；典型案例"),
    )),
    L("gov_grid", "江涛", "chengguan", "party_worker", "网格化治理、社区党建", 86.5, 70, (
        C("党建引领网格化治理", PW, "网格划分与网格员职责；党员联系户；网格信息收集与处置；平安建设"),
    )),
    L("gov_xie", "谢国庆", "qingshan", "grassroots_secretary", "村民自治、村规民约", 84.2, 55, (
        C("村民自治与村规民约修订", SP, "四议两公开工作法；村规民约的制定与执行；红白理事会；村务监督委员会"),
    )),
    L("gov_community", "董敏", "chengguan", "party_worker", "社区治理、物业管理、社区服务", 88.3, 100, (
        C("红色物业与社区治理", PW, "社区党组织领导下的物业服务；小区业委会组建；居民议事会；解决群众急难愁盼"),
    )),
    L("gov_petition", "段鹏", "county", "party_worker", "信访工作、法治信访", 83.5, 35, (
        C("信访工作条例与群众诉求化解", SP, "信访工作条例要点；依法分类处理信访诉求；接访技巧；化解信访积案"),
    )),
    L("gov_points", "黄静", "shimen", "grassroots_secretary", "基层治理、积分制管理", 87.0, 66, (
        C("积分制管理激活乡村治理", PW, "积分制的设计；积分超市；党员和群众参与；我们村的变化"),
    )),
    L("gov_women", "冉丽", "county", "party_worker", "妇女儿童权益、婚姻家庭纠纷调解", 87.0, 60, (
        C("巾帼调解：婚姻家庭纠纷化解", PW, "婚姻家庭纠纷的特点；妇联调解的方法；反家庭暴力法；典型案例"),
    )),
    # --- law ----------------------------------------------------------------------------------
    L("law_deng", "邓磊", "county", "expert", "民法典、农村法律服务", 92.5, 200, (
        C("民法典与群众生活", SP, "民法典的结构；物权、合同、婚姻家庭、继承、侵权责任与日常生活；典型案例"),
    )),
    L("law_xu", "许文", "county", "expert", "土地法律政策、宅基地", 88.0, 120, (
        C("农村土地承包与宅基地法律政策", SP, "土地承包经营权确权与流转；宅基地分配和使用；征地补偿；常见纠纷"),
    )),
    L("law_family", "侯丽", "chengguan", "expert", "婚姻家庭、继承、妇女权益保护", 89.4, 90, (
        C("婚姻家庭继承中的法律问题", SP, "结婚离婚的法律规定；子女赡养老人的义务；遗嘱继承和法定继承；家庭暴力防治"),
    )),
    L("law_constitution", "万海波", "county", "party_school", "宪法、依法治国", 85.0, 70, (
        C("学习宪法 尊崇宪法", PT, "宪法的地位与作用；公民的基本权利和义务；依法治国与依规治党"),
    )),
    L("law_pufa", "汤洪", "liuhe", "party_worker", "普法宣传、法律明白人", 84.6, 45, (
        C("农村“法律明白人”培训", SP, "常用法律知识；如何引导群众依法维权；民法典与邻里纠纷；法律援助途径"),
    )),
    # --- social security, livelihood ----------------------------------------------------------
    L("ss_pan", "潘红", "county", "party_worker", "社会保障、养老保险、就业政策", 90.8, 160, (
        C("社会保障政策一本通", SP, "城乡居民养老保险；基本医疗保险；最低生活保障；特困供养与临时救助"),
    )),
    L("ss_medical", "蒋静", "county", "party_worker", "医疗保障、医保报销", 89.0, 140, (
        C("城乡居民医保政策与报销流程", SP, "参保缴费；门诊和住院报销比例；大病保险与医疗救助；异地就医备案"),
    )),
    L("ss_pension", "薛伟", "qingshan", "party_worker", "养老保险、社保经办", 86.1, 60, (
        C("城乡居民养老保险怎么交、怎么领", SP, "缴费档次与政府补贴；多缴多得；领取条件；待遇计算举例"),
    )),
    L("ss_elder", "常秀英", "taoyuan", "skills_talent", "居家养老服务、老年人照护", 87.0, 50, (
        C("居家养老服务与老年人照护", PW, "互助养老幸福院；失能老人照护技巧；防跌倒；老年人心理关爱"),
    )),
    L("ss_jobs", "熊俊", "county", "party_worker", "就业创业政策、职业技能培训", 85.5, 55, (
        C("就业创业扶持政策解读", SP, "创业担保贷款；职业技能培训补贴；公益性岗位；返乡创业扶持"),
    )),
    L("ss_insurance", "武斌", "county", "expert", "农业保险、政策性保险", 82.0, 30, (
        C("政策性农业保险与防灾减损", SP, "种植业保险和养殖业保险；保费补贴；出险理赔流程"),
    )),
    # --- organisation work --------------------------------------------------------------------
    L("org_three", "程丽", "county", "party_worker", "组织生活规范、三会一课、党支部建设", 92.0, 260, (
        C("三会一课规范开展", PW, "支部党员大会、支部委员会、党小组会和党课的频次与程序；会议记录；常见问题与整改"),
    )),
    L("org_member", "曾立", "county", "party_worker", "党员发展、党员教育管理", 91.0, 220, (
        C("发展党员工作流程与常见问题", PW, "入党申请人、入党积极分子、发展对象、预备党员、正式党员五个阶段；二十五个步骤；档案材料规范"),
    )),
    L("org_standard", "袁芳", "county", "party_worker", "党支部标准化规范化建设、组织生活", 88.5, 150, (
        C("党支部标准化规范化建设", PW, "组织设置；组织生活；党员队伍；阵地建设；制度落实与台账管理"),
    )),
    L("org_theme", "夏娜", "chengguan", "party_worker", "主题党日、组织生活创新", 87.7, 110, (
        C("主题党日活动设计与组织", PW, "主题党日的规定动作和自选动作；活动方案设计；党员参与；案例展示"),
    )),
    L("org_fee", "贾玉", "county", "party_worker", "党费收缴、党务财务", 85.0, 60, (
        C("党费收缴使用和管理", PW, "党费交纳基数和比例；按月交纳党费；党费使用范围；常见问题"),
    )),
    L("org_life", "廖明", "shimen", "party_worker", "组织生活会、民主评议党员、批评和自我批评", 86.0, 70, (
        C("开好组织生活会与民主评议党员", PW, "会前学习和谈心谈话；查摆问题；开展批评和自我批评；民主评议程序"),
    )),
    L("org_mobile", "邵晨", "county", "party_worker", "流动党员管理、党员教育", 84.0, 40, (
        C("流动党员教育管理服务", PW, "流动党员组织关系；线上学习与参加组织生活；流出地与流入地双向管理"),
    )),
    L("org_secretary", "顾德", "county", "party_school", "村党组织书记能力、班子建设", 89.9, 130, (
        C("村党组织书记履职能力提升", PW, "书记的角色与职责；带班子带队伍；抓发展抓治理；工作方法与作风"),
    )),
    L("org_young", "毛海", "qingshan", "grassroots_secretary", "党支部建设、发展年轻党员", 88.0, 70, (
        C("村党支部发展年轻党员的做法", PW, "从返乡青年和致富能手中培养入党积极分子；结对培养；严把发展党员质量关"),
    )),
    L("org_online", "艾佳", "county", "party_worker", "智慧党建、党员教育平台", 83.0, 25, (
        C("智慧党建平台应用", PW, "党员教育平台的使用；线上开展三会一课；学习积分管理"),
    )),
    L("org_candidate", "雷鸣", "county", "party_worker", "三会一课、发展党员", None, 0, (
        C("三会一课与发展党员实务", PW, "三会一课；发展党员流程"),
    ), status="candidate"),
    # --- political theory ---------------------------------------------------------------------
    L("th_20", "杨帆", "county", "party_school", "党的二十大精神、党的创新理论", 92.2, 280, (
        C("学习贯彻党的二十大精神", PT, "二十大报告的主题；新时代十年的伟大变革；中国式现代化；全面从严治党新要求"),
    )),
    L("th_xi", "史文", "county", "party_school", "习近平新时代中国特色社会主义思想、理论宣讲", 91.0, 240, (
        C("深入学习领会党的创新理论", PT, "十个明确、十四个坚持、十三个方面成就；世界观和方法论；学思用贯通"),
    )),
    L("th_charter", "田红", "county", "party_school", "党章党规、党员义务", 88.0, 170, (
        C("党章学习与党员的权利义务", PT, "党章总纲；党员的八项义务和八项权利；党的纪律；做合格党员"),
    )),
    L("th_ideal", "金刚", "liuhe", "retired_cadre", "理想信念教育", 86.3, 80, (
        C("坚定理想信念 筑牢思想根基", PT, "理想信念是共产党人的精神之钙；老党员的信念故事；新时代党员怎样补钙壮骨"),
    )),
    L("th_modern", "方宇", "county", "party_school", "中国式现代化、经济形势", 90.1, 150, (
        C("正确认识和把握中国式现代化", PT, "中国式现代化的五个特征；本质要求；推进农业农村现代化"),
    )),
    L("th_economy", "郝建", "county", "party_school", "经济形势、惠民政策", 87.0, 100, (
        C("当前经济形势与惠民政策", SP, "国内外经济形势；稳增长政策；惠民利民政策；县域经济发展"),
    )),
    L("th_youth", "韦青", "county", "party_school", "青年党员教育、理想信念", 85.0, 40, (
        C("新时代青年党员的使命担当", PT, "青年党员的初心；在基层一线建功立业；理想信念与奋斗精神"),
    )),
    # --- ecology ------------------------------------------------------------------------------
    L("eco_green", "叶青", "county", "expert", "生态环境保护、绿色发展", 90.0, 140, (
        C("绿水青山就是金山银山", SP, "两山理念；生态文明建设；污染防治攻坚；生态产品价值实现"),
    )),
    L("eco_living", "苏丽", "taoyuan", "party_worker", "人居环境整治、垃圾分类、美丽乡村", 88.4, 100, (
        C("农村人居环境整治与垃圾分类", PW, "厕所革命；生活垃圾分类收运；污水治理；村容村貌提升与长效管护"),
    )),
    L("eco_river", "康海", "county", "expert", "河长制、水环境保护", 85.0, 60, (
        C("河长制与水环境保护", SP, "河长制湖长制职责；河道巡查；农业面源污染防治；村级河长怎么当"),
    )),
    L("eco_forest", "孟强", "qingshan", "party_worker", "林长制、森林防火", 86.0, 70, (
        C("林长制与森林防火", SP, "林长制责任体系；护林员管理；森林防火期野外用火管理；火情报告与扑救"),
    )),
    L("eco_politics", "尹正", "county", "party_worker", "政治生态、党风廉政建设", 87.5, 90, (
        C("营造风清气正的政治生态", PT, "政治生态的内涵；党内政治文化；选人用人风气；净化政治生态的举措"),
    )),
    L("eco_carbon", "黎明", "county", "expert", "节能减排、绿色低碳", 83.0, 20, (
        C("绿色低碳生活与节能减排", SP, "碳达峰碳中和；农村清洁能源；光伏与沼气；低碳生活方式"),
    )),
    # --- safety -------------------------------------------------------------------------------
    L("safe_prod", "龙刚", "county", "expert", "安全生产、应急管理", 89.6, 150, (
        C("安全生产法与企业主体责任", SP, "安全生产法要点；企业主体责任和全员安全生产责任制；隐患排查治理；事故案例警示"),
    )),
    L("safe_fire", "钟伟", "chengguan", "skills_talent", "消防安全、应急救护", 90.2, 120, (
        C("消防安全知识进村入户", PW, "家庭用火用电安全；灭火器使用；火场逃生；农村火灾案例"),
    )),
    L("safe_flood", "乔海", "county", "party_worker", "防汛抗旱、防灾减灾、应急管理", 87.0, 90, (
        C("防汛抗旱与防灾减灾", SP, "汛期风险；村级防汛预案；转移避险；灾后自救互救"),
    )),
    L("safe_road", "易平", "liuhe", "party_worker", "交通安全", 84.0, 40, (
        C("农村道路交通安全", PW, "电动车、三轮车安全；酒驾危害；农忙季节交通安全；学生上下学安全"),
    )),
    L("safe_food", "赖丰", "county", "expert", "粮食安全、耕地保护", 86.0, 60, (
        C("粮食安全与耕地保护", SP, "粮食安全是国之大者；耕地保护红线；高标准农田建设；遏制耕地非农化"),
    )),
    L("safe_gas", "文斌", "shimen", "skills_talent", "燃气安全、有限空间作业安全", 85.0, 35, (
        C("燃气安全与有限空间作业", PW, "燃气泄漏的识别与处置；有限空间作业审批；中毒窒息事故预防；应急演练"),
    )),
    L("safe_work", "陆军", "county", "skills_talent", "企业安全管理、安全培训", 83.6, 50, (
        C("企业安全生产隐患排查实务", PW, "班前安全讲话；隐患排查清单；特种作业持证上岗；三级安全教育"),
    )),
    # --- exemplary deeds ----------------------------------------------------------------------
    L("model_secretary", "杜志强", "shimen", "model_figure", "好支书、带领群众致富", 94.5, 260, (
        C("扎根基层的好支书", ED, "二十年扎根山村；修路引水建产业；把群众的事当自己的事；我的带村心得"),
    )),
    L("model_rich", "戴玉", "qingshan", "model_figure", "致富带头人、大棚种植", 92.0, 180, (
        C("大棚里的致富带头人", ED, "从一个大棚到一百个大棚；技术免费教给乡亲；成立合作社带动一村人致富"),
    )),
    L("model_old", "蔡永", "liuhe", "model_figure", "老党员事迹、理想信念", 93.1, 190, (
        C("一名老党员的四十年坚守", ED, "四十年义务护林；党员的承诺；平凡中的坚守"),
    )),
    L("model_volunteer", "魏兰", "chengguan", "model_figure", "志愿服务、新时代文明实践", 90.0, 130, (
        C("身边的最美志愿者", ED, "十年志愿路；文明实践站的故事；党员志愿服务队；人人可为的志愿精神"),
    )),
    L("model_veteran", "姜军", "taoyuan", "model_figure", "退役军人、兵支书", 91.5, 150, (
        C("退伍不褪色的兵支书", ED, "从军营到村两委；敢打硬仗的作风；带领村民修路治水"),
    )),
    L("model_family", "萧静", "county", "model_figure", "家风家训、文明家庭", 89.5, 140, (
        C("好家风涵养好民风", ED, "最美家庭的故事；家规家训；孝老爱亲；家风与党风政风"),
    )),
    L("model_teacher", "温秀", "taoyuan", "model_figure", "乡村教师、教书育人", 92.6, 160, (
        C("乡村教师的育人故事", ED, "坚守山村小学三十年；留守儿童的“妈妈老师”；教育改变命运"),
    )),
    L("model_doctor", "殷华", "qingshan", "model_figure", "乡村医生、健康服务", 91.0, 110, (
        C("医者仁心守护乡亲", ED, "村医的一天；上门随访慢性病老人；疫情防控中的坚守"),
    )),
    L("model_youth", "柏宇", "liuhe", "model_figure", "返乡创业、青年创业", 88.2, 85, (
        C("创业青年回乡记", ED, "从城市白领到返乡创业；开网店卖出家乡小米；带动乡亲就业"),
    )),
    L("model_labour", "严明", "county", "model_figure", "劳动模范、工匠精神", 90.7, 120, (
        C("劳模精神与工匠精神", ED, "劳动模范的成长经历；精益求精的工匠精神；立足岗位作贡献"),
    )),
    # --- discipline and integrity -------------------------------------------------------------
    L("clean_warning", "牛建", "county", "party_worker", "廉洁教育、警示教育、纪律教育", 91.3, 210, (
        C("以案为鉴：基层干部廉洁警示教育", PT, "身边典型案例剖析；“微腐败”的表现；基层干部廉洁底线；以案促改"),
    )),
    L("clean_rules", "莫林", "county", "party_school", "党纪学习、纪律处分条例", 89.0, 150, (
        C("《中国共产党纪律处分条例》解读", PT, "六项纪律；违纪情形与处分；党员应知应会"),
    )),
    L("clean_village", "窦红", "qingshan", "party_worker", "村级小微权力监督、村务监督", 85.8, 45, (
        C("村级小微权力清单与监督", PW, "小微权力清单；村务监督委员会；村务、党务、财务公开；群众监督渠道"),
    )),
    # --- village finance ----------------------------------------------------------------------
    L("fin_village", "包丽", "county", "expert", "村级财务管理、会计委托代理", 87.2, 80, (
        C("村级财务管理与监督", PW, "村级会计委托代理；财务审批流程；票据规范；财务公开与审计"),
    )),
    L("fin_assets", "施强", "county", "party_worker", "农村集体三资管理、产权交易", 85.0, 50, (
        C("农村集体“三资”管理", PW, "资金、资产、资源清查；合同管理；产权交易平台；防止集体资产流失"),
    )),
    # --- other topics -------------------------------------------------------------------------
    L("fraud", "鲍勇", "county", "party_worker", "反电信网络诈骗、防范非法集资", 91.9, 200, (
        C("防范电信网络诈骗", SP, "常见诈骗套路：刷单、冒充客服、冒充公检法、养老诈骗；国家反诈中心APP；被骗后怎么办"),
    )),
    L("fraud_money", "车丽", "county", "expert", "防范非法集资、金融知识", 86.0, 55, (
        C("防范非法集资与农村金融知识", SP, "非法集资的特征；以养老、投资为名的骗局；正规理财渠道；农村信用贷款"),
    )),
    L("health", "俞敏", "chengguan", "skills_talent", "慢性病防治、健康教育", 90.3, 130, (
        C("慢性病防治与健康生活方式", PW, "高血压、糖尿病的防治；合理膳食；适量运动；家庭医生签约服务"),
    )),
    L("culture", "祁文", "county", "party_worker", "移风易俗、新时代文明实践", 87.5, 100, (
        C("移风易俗树文明乡风", SP, "天价彩礼、大操大办的治理；红白理事会；新时代文明实践站；道德评议"),
    )),
    L("youth_edu", "景红", "shimen", "expert", "家庭教育、青少年心理健康", 88.9, 90, (
        C("青少年心理健康与家庭教育", PW, "孩子成长中的心理问题；亲子沟通；留守儿童关爱；防止沉迷网络"),
    )),
    L("media", "伍青", "county", "party_worker", "新媒体宣传、短视频", 84.8, 40, (
        C("用好新媒体做好基层宣传", PW, "微信公众号与视频号运营；短视频拍摄剪辑；正面宣传与舆情应对"),
    )),
    L("unrated_new", "尚可", "county", "party_school", "党的创新理论", None, 0, (
        C("新思想引领新征程", PT, "新时代的新思想；新征程上的新任务；基层党员怎样学"),
    )),
)  # fmt: skip


def _offset(i: int) -> tuple[float, float]:
    """A deterministic spot within about a kilometre of the town centre."""
    return ((i * 37) % 11 - 5) * 0.002, ((i * 53) % 11 - 5) * 0.002


def build_fixture_county(*, town_lecturers_county_wide: bool = True) -> SimpleNamespace:
    """Create 桃李县 with its towns, one branch per town, the lecturers and their courses."""
    county = Organisation.objects.create(
        name=TOWNS["county"][0],
        level=OrgLevel.COUNTY,
        lat=TOWNS["county"][1],
        lng=TOWNS["county"][2],
    )
    county.county = county
    county.save(update_fields=["county"])
    CountySettings.objects.create(
        county=county, town_lecturers_county_wide=town_lecturers_county_wide
    )
    towns = {"county": county}
    branches = {}
    for key, (name, lat, lng) in TOWNS.items():
        if key != "county":
            towns[key] = Organisation.objects.create(
                name=name, level=OrgLevel.TOWN, parent=county, county=county, lat=lat, lng=lng
            )
        branch_name, group = BRANCHES[key]
        branches[key] = Organisation.objects.create(
            name=branch_name, level=OrgLevel.VILLAGE, parent=towns[key], county=county,
            group=group, lat=lat + 0.004, lng=lng - 0.004,
        )  # fmt: skip
    lecturers = {}
    for i, spec in enumerate(LECTURERS):
        _name, lat, lng = TOWNS[spec.town]
        dlat, dlng = _offset(i)
        pinyin, initials = pinyin_keys(spec.name)
        lecturer = Lecturer.objects.create(
            county=county, org=branches[spec.town], name=spec.name, name_pinyin=pinyin,
            name_initials=initials, phone=f"1370000{i:04d}", source=spec.source, level=spec.level,
            status=spec.status, specialties=spec.specialties, lat=round(lat + dlat, 6),
            lng=round(lng + dlng, 6), score=spec.score, rating_count=spec.ratings,
        )  # fmt: skip
        lecturers[spec.key] = lecturer
        for course in spec.courses:
            Course.objects.create(
                county=county, lecturer=lecturer, title=course.title, category=course.category,
                outline=course.outline,
            )  # fmt: skip
    Synonym.objects.bulk_create([Synonym(county=county, words=words) for words in SYNONYMS])
    return SimpleNamespace(
        county=county,
        towns=towns,
        branches=branches,
        lecturers=lecturers,
        key_of={lec.pk: key for key, lec in lecturers.items()},
    )

"""Demo needs, results and experts for `manage.py seed_demo`. Texts written for this project.

Each topic pairs what enterprises struggle with and what research teams offer, in the same
sub-field with overlapping (not identical) vocabulary, so that matching them makes sense.
Each posting tells its own story: the first need and result of a topic use the topic's text,
the others theirs from :mod:`portal.demo.texts` (keyed by title, so no list can slip).
Postings are backdated over the last two years (oldest first by pk), so the trend charts have
a history and the demo pairs can start after the postings they concern.
Needs differ in completeness as real ones do (second-phase needs are brief, some have no
budget, deadline or cooperation mode, a few only a top-level field).
Idempotent: postings are looked up by title (experts by name and institution).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User
from portal.demo.texts import NEED_TEXTS, RESULT_TEXTS
from portal.models import CooperationMode, Expert, IPType, MaturityLevel, Need, Result, TechField
from portal.services import postings

# Postings are published between these many days ago (first created = oldest).
HISTORY_DAYS = 720
NEWEST_DAYS = 20


@dataclass(frozen=True)
class Topic:
    field: str  # second-level TechField code
    enterprises: tuple[str, ...]  # DEMO_ORGS keys that post the needs, title by title
    labs: tuple[str, ...]  # DEMO_ORGS keys that hold results and experts
    need_titles: tuple[str, ...]
    problem: str
    want: str
    result_titles: tuple[str, ...]
    approach: str
    effect: str
    keywords: tuple[str, ...]
    direction: str


TOPICS: tuple[Topic, ...] = (
    Topic(
        "0403",
        ("ent_qilu_chem",),
        ("uni_sdu", "inst_qibebt"),
        (
            "汽车保险杠改性聚丙烯低温冲击开裂",
            "家电外壳用再生塑料气味和色差控制",
            "长玻纤增强聚丙烯制品翘曲变形",
        ),
        "汽车保险杠所用改性聚丙烯材料在零下三十度落球冲击试验中出现脆性开裂，客户投诉率上升，每年返工损失约三百万元。",
        "希望与高校团队合作开发低温韧性好、成本可控的增韧配方，并协助完成工艺放大和主机厂认证。",
        (
            "耐低温高韧性聚丙烯复合材料",
            "弹性体与成核剂协同增韧技术",
            "再生聚烯烃除味与稳定化改性技术",
            "低翘曲长玻纤增强聚丙烯",
        ),
        "通过乙烯-辛烯共聚弹性体与β成核剂协同调控结晶形态，在基本不降低刚性的前提下显著提高韧性。",
        "零下四十度缺口冲击强度提高一倍以上，已在两家改性厂完成吨级试生产。",
        ("聚丙烯", "增韧", "低温冲击", "改性塑料", "汽车材料"),
        "高分子材料改性与加工、聚烯烃结晶调控和汽车轻量化材料",
    ),
    Topic(
        "0401",
        ("ent_mengneng",),
        ("uni_imu", "uni_sdu"),
        ("稀土永磁电机磁钢高温退磁问题", "光伏玻璃减反射镀膜耐候性不足"),
        "风电与新能源汽车的稀土永磁电机在一百五十摄氏度以上长期运行时，磁钢出现不可逆的高温退磁，电机效率下降明显。",
        "希望引进晶界扩散或重稀土减量技术，提高钕铁硼磁体矫顽力，并降低镝、铽用量。",
        ("晶界扩散高矫顽力钕铁硼磁体制备技术", "低重稀土烧结钕铁硼工艺", "稀土掺杂减反射镀膜材料"),
        "采用镝铽合金晶界扩散和微观组织细化工艺，使重稀土集中分布在晶粒边界。",
        "矫顽力提高百分之三十以上，重稀土用量减少近一半，适用于高温电机磁钢。",
        ("稀土永磁", "钕铁硼", "晶界扩散", "矫顽力", "磁性材料"),
        "稀土功能材料、永磁材料制备与磁性能调控",
    ),
    Topic(
        "0804",
        ("ent_mengneng", "ent_xinxin_ai"),
        ("uni_hit",),
        ("风电塔筒厚板焊接接头低温韧性不达标", "铝合金电池托盘焊缝气孔率高"),
        "风电塔筒厚板多层多道焊接后，焊接接头热影响区低温冲击功波动大，部分批次达不到零下四十度验收要求。",
        "希望优化焊接工艺参数和焊材匹配，建立可推广的焊接工艺评定方案。",
        ("厚板窄间隙高效焊接技术", "铝合金激光-电弧复合焊接工艺", "焊接接头组织性能调控方法"),
        "针对厚板焊接，采用窄间隙坡口设计、高效焊接热输入精确控制和焊后热处理，细化热影响区组织。",
        "焊接效率提高约一倍，接头低温冲击韧性稳定满足风电与压力容器标准。",
        ("焊接", "低温韧性", "厚板", "铝合金", "热影响区"),
        "先进焊接与连接技术、金属材料组织性能调控",
    ),
    Topic(
        "0101",
        ("ent_xinxin_ai", "ent_xinxin_ai", "ent_zhiyuan_med"),
        ("inst_bj_ai", "uni_sdu"),
        (
            "机加工零件表面缺陷视觉检测",
            "生产设备运行数据采集与看板系统",
            "医疗器械生产质量追溯软件",
        ),
        "目前依靠人工目检零件表面划痕、磕碰和毛刺，漏检率高，夜班质量波动大，难以满足客户的全检要求。",
        "希望开发基于深度学习的在线检测系统，检测节拍不超过两秒，并能与现有产线控制系统对接。",
        (
            "基于深度学习的工业表面缺陷检测系统",
            "小样本缺陷图像生成与增强技术",
            "工业设备数据采集与边缘计算平台",
            "生产质量追溯管理软件",
        ),
        "采用轻量化卷积神经网络和小样本学习方法，结合多角度光源成像，对金属和塑料表面缺陷进行识别定位。",
        "在三家制造企业产线上运行，缺陷检出率超过百分之九十九，误报率低于百分之一。",
        ("机器视觉", "缺陷检测", "深度学习", "工业软件", "质量追溯"),
        "计算机视觉、工业人工智能与智能制造软件",
    ),
    Topic(
        "0107",
        ("ent_haiyang_env", "ent_zhiyuan_med"),
        ("inst_bj_ai",),
        ("工业控制网络安全防护改造", "企业数据分类分级与防泄露"),
        "工厂工业控制网络与办公网络边界不清，老旧工控主机无法安装杀毒软件，存在勒索病毒风险，急需安全防护改造。",
        "希望获得工控安全评估和白名单防护方案，满足等级保护二级要求。",
        ("工业控制系统白名单防护技术", "数据分类分级与脱敏系统", "工控网络异常流量监测平台"),
        "基于工控协议深度解析和进程白名单机制，对控制网络流量和主机行为进行实时监测和阻断。",
        "已在电力和化工企业部署，误报率低，不影响控制系统实时性。",
        ("工控安全", "网络安全", "等级保护", "数据安全", "白名单"),
        "工业互联网安全、数据安全与隐私保护",
    ),
    Topic(
        "0104",
        ("ent_longjiang_agri", "ent_mengneng"),
        ("uni_hit", "inst_bj_ai"),
        ("农田物联网远距离低功耗通信", "风电场无人巡检数据回传"),
        "农场地块分散、面积大，现有无线传感器通信距离短、电池一季就要更换，维护成本很高。",
        "希望采用低功耗广域网技术构建覆盖万亩农田的传感网络，终端续航一年以上。",
        ("低功耗广域物联网通信模组", "无人机巡检图像实时回传系统", "野外环境自组网通信技术"),
        "通信模组基于低功耗广域物联网协议和自适应速率调度，配合太阳能供电，实现大范围传感数据可靠回传。",
        "单基站覆盖半径超过五公里，终端在每小时上报一次的条件下续航超过两年。",
        ("物联网", "低功耗", "无线通信", "远距离传输", "传感网络"),
        "无线通信、物联网系统与边缘计算",
    ),
    Topic(
        "0205",
        ("ent_zhiyuan_med",),
        ("uni_sdu", "inst_bj_ai"),
        ("医用超声探头图像噪声抑制", "体外诊断试剂盒稳定性提升", "便携式心电监测设备算法优化"),
        "公司便携超声设备在基层医院使用时图像斑点噪声明显，医生反映小病灶难以辨认，影响产品竞争力。",
        "希望引进图像增强和降噪算法，在嵌入式平台上实时运行，并配合完成注册检验。",
        (
            "超声图像实时降噪与增强算法",
            "冻干保护剂提升诊断试剂稳定性技术",
            "可穿戴心电信号智能分析方法",
            "医学影像辅助诊断软件",
        ),
        "结合各向异性扩散滤波与深度学习去噪网络，在保留组织边缘的同时抑制超声斑点噪声。",
        "在嵌入式处理器上达到每秒三十帧实时处理，临床评估图像质量评分提高约两成。",
        ("医学影像", "超声", "图像降噪", "医疗器械", "体外诊断"),
        "医学影像处理、医疗器械研发与临床转化",
    ),
    Topic(
        "0207",
        ("ent_longjiang_agri", "ent_zhiyuan_med"),
        ("inst_qibebt", "uni_imu"),
        ("秸秆发酵饲料菌种筛选", "动物疫苗佐剂替代进口"),
        "冬季气温低，秸秆青贮发酵启动慢、易霉变，饲料品质不稳定，牧场损耗较大。",
        "希望获得耐低温乳酸菌菌种及配套发酵工艺，提高青贮成功率和营养价值。",
        ("耐低温青贮乳酸菌菌种及应用技术", "秸秆生物降解复合菌剂", "新型动物疫苗佐剂制备技术"),
        "从寒区草原土壤中筛选耐低温乳酸菌和纤维素降解菌，构建复合菌系并优化发酵工艺参数。",
        "在十摄氏度以下仍能快速启动发酵，青贮干物质损失降低约三成。",
        ("微生物发酵", "菌种", "青贮饲料", "秸秆利用", "生物技术"),
        "农业微生物、发酵工程与生物饲料",
    ),
    Topic(
        "0202",
        ("ent_longjiang_agri",),
        ("uni_imu",),
        ("道地中药材有效成分提取效率低", "蒙药制剂质量标准提升"),
        "黄芪、甘草等道地中药材采用传统水煮提取，有效成分得率低、提取效率低、能耗高，产品批次间差异大。",
        "希望引进绿色高效提取纯化工艺，并建立指纹图谱质量控制方法。",
        (
            "中药材有效成分超声辅助提取纯化技术",
            "中药指纹图谱质量控制方法",
            "蒙药经典方制剂工艺研究",
        ),
        "采用超声辅助提取与大孔树脂纯化联用工艺，结合高效液相指纹图谱进行全过程质量控制。",
        "有效成分得率提高约四成，提取时间缩短一半，批次一致性明显改善。",
        ("中药", "提取纯化", "指纹图谱", "黄芪", "质量控制"),
        "中药资源开发、天然产物化学与制剂工艺",
    ),
    Topic(
        "0301",
        ("ent_mengneng",),
        ("uni_hit",),
        ("无人机电力巡线续航不足", "风电叶片无人机自主巡检"),
        "电力巡线现用多旋翼无人机单架次续航仅三十分钟，山区线路巡检需要频繁起降换电，效率很低。",
        "希望合作开发长航时复合翼无人机及自主航线规划系统。",
        ("长航时垂直起降复合翼无人机", "无人机自主避障与航线规划系统", "风电叶片损伤智能识别技术"),
        "采用垂直起降复合翼气动布局和高能量密度电池管理，配合激光雷达实现自主避障飞行。",
        "续航时间超过两小时，单架次可完成五十公里线路巡检。",
        ("无人机", "巡检", "长航时", "航线规划", "自主飞行"),
        "飞行器设计、无人机自主控制与智能感知",
    ),
    Topic(
        "0302",
        ("ent_xinxin_ai",),
        ("uni_hit",),
        ("精密零件微小尺寸在线测量", "卫星部件热控涂层检测"),
        "航空配套精密零件的微小孔径和形位公差要求微米级，现有三坐标测量离线进行，无法满足批量生产节拍。",
        "希望获得在线非接触测量方案，尺寸测量精度达到两微米以内。",
        ("激光共焦在线精密测量技术", "航天器热控涂层性能检测方法", "复杂曲面光学三维测量系统"),
        "采用激光共焦传感与多轴运动补偿，在加工现场对关键尺寸进行非接触快速测量。",
        "测量重复精度优于一微米，单件测量时间小于二十秒。",
        ("精密测量", "在线检测", "激光", "航空零件", "非接触测量"),
        "精密测量技术与仪器、航天器制造检测",
    ),
    Topic(
        "0505",
        ("ent_haiyang_env", "ent_qilu_chem"),
        ("svc_techmarket", "uni_sdu"),
        ("企业研发管理与知识产权布局咨询", "检测实验室资质认定辅导"),
        "公司研发项目多但缺乏系统管理，专利申请零散，难以支撑高新技术企业认定和产品出口。",
        "希望获得研发管理体系建设与专利布局服务，帮助梳理核心技术并制定保护策略。",
        ("企业知识产权分析评议服务", "检验检测机构能力建设咨询", "技术成果评价与价值评估方法"),
        "依托专利数据库和技术市场交易数据，开展专利导航、分析评议和成果价值评估。",
        "已为一百余家企业提供服务，协助多家企业通过高新技术企业认定。",
        ("知识产权", "专利布局", "研发管理", "检验检测", "技术咨询"),
        "技术转移、知识产权运营与科技咨询",
    ),
    Topic(
        "0603",
        ("ent_mengneng",),
        ("inst_qibebt", "uni_imu"),
        ("风电场配套储能系统安全与寿命", "绿电制氢电解槽效率提升", "光伏组件清洗与发电效率"),
        "风电场配建的磷酸铁锂储能电站运行两年后容量衰减偏快，电池簇间不一致，且存在热失控隐患。",
        "希望引入电池健康状态评估和热管理优化技术，延长储能系统寿命并提升安全性。",
        (
            "储能电池健康状态在线评估技术",
            "锂离子电池热失控预警系统",
            "碱性电解水制氢高效电极",
            "固态电解质锂电池材料",
        ),
        "基于电化学阻抗和运行大数据建立电池健康状态模型，配合液冷热管理均衡电池簇温度。",
        "健康状态估计误差小于百分之三，可提前三十分钟预警热失控风险。",
        ("储能", "锂电池", "热管理", "电池健康", "制氢"),
        "电化学储能、锂电池材料与氢能技术",
    ),
    Topic(
        "0604",
        ("ent_qilu_chem", "ent_mengneng"),
        ("uni_sdu", "uni_hit"),
        ("工业余热回收利用改造", "空压机系统节能改造"),
        "生产线烘干和冷却环节大量中低温余热直接排放，能耗成本居高不下，面临能耗双控压力。",
        "希望获得余热回收和热泵耦合方案，投资回收期不超过三年。",
        ("中低温工业余热高效回收技术", "高温热泵与余热耦合供热系统", "压缩空气系统智能节能控制"),
        "采用高效板式换热与高温热泵耦合，将六十摄氏度左右的余热提升为工艺用热。",
        "综合节能率超过三成，已在化工和食品企业推广应用。",
        ("余热回收", "热泵", "节能", "工业节能", "能耗"),
        "工程热物理、工业节能与热泵技术",
    ),
    Topic(
        "0701",
        ("ent_haiyang_env", "ent_qilu_chem"),
        ("inst_qibebt", "uni_sdu"),
        ("印染废水深度处理达标排放", "化工园区高盐废水零排放", "养殖废水氮磷去除"),
        "印染废水色度高、化学需氧量高、可生化性差，现有生化工艺出水不能稳定达到新的排放标准。",
        "希望引进高级氧化或膜处理组合工艺，使废水处理后稳定达标、深度脱色，运行成本可控，远期实现零排放。",
        (
            "催化臭氧氧化深度处理印染废水技术",
            "高盐废水分盐结晶零排放工艺",
            "光催化降解有机污染物材料",
            "高效脱氮除磷生物处理技术",
        ),
        "采用负载型催化剂强化臭氧氧化，结合生物活性炭深度处理，降解难降解有机物并脱色。",
        "出水化学需氧量稳定低于五十毫克每升，吨水处理成本降低约两成。",
        ("废水处理", "高级氧化", "印染废水", "脱色", "零排放"),
        "水污染控制、高级氧化与膜分离技术",
    ),
    Topic(
        "0703",
        ("ent_qilu_chem", "ent_haiyang_env"),
        ("uni_imu", "inst_qibebt"),
        ("固体废物资源化利用", "废旧塑料化学回收"),
        "生产中产生的废塑料边角料和废渣等固体废物只能委托处置，费用逐年上涨，希望变废为宝。",
        "希望合作开发固废资源化利用工艺，产出可销售的再生原料。",
        ("废旧塑料催化裂解制油技术", "工业固废制备建材技术", "粉煤灰高值化利用工艺"),
        "通过催化裂解将混合废旧塑料制油，转化为燃料油和化工原料，固废经活化后制备新型建材。",
        "废塑料液体收率超过七成，已建成千吨级示范装置。",
        ("固废利用", "资源化", "废塑料", "循环经济", "催化裂解"),
        "固体废物资源化、循环经济与清洁生产",
    ),
    Topic(
        "0706",
        ("ent_longjiang_agri", "ent_mengneng"),
        ("uni_imu",),
        ("盐碱地改良与作物提产", "矿区生态修复植被恢复"),
        "部分耕地盐碱化严重、土壤板结，作物出苗率低，单产只有正常地块的一半左右。",
        "希望获得盐碱地土壤改良和耐盐作物种植技术，兼顾农田生态修复和植被恢复，实现规模化示范。",
        ("盐碱地生物有机改良技术", "矿区废弃地植被重建技术", "草原生态修复乡土草种扩繁"),
        "采用脱硫石膏与生物有机肥复配改良，结合耐盐作物品种和节水灌溉排盐措施。",
        "改良当年作物出苗率提高四成以上，土壤含盐量明显下降。",
        ("盐碱地", "生态修复", "土壤改良", "植被恢复", "草原"),
        "土壤生态、草原生态修复与荒漠化防治",
    ),
    Topic(
        "0804",
        ("ent_xinxin_ai", "ent_qilu_chem"),
        ("uni_hit", "uni_sdu"),
        ("数控机床加工精度热误差补偿", "注塑机能耗与成型周期优化", "生产线设备预测性维护"),
        "数控机床连续加工数小时后主轴热伸长导致尺寸超差，精密零件只能靠频繁停机校准，效率损失严重。",
        "希望开发热误差建模和实时补偿系统，与现有数控系统集成。",
        (
            "机床热误差建模与实时补偿技术",
            "基于振动分析的设备预测性维护系统",
            "注塑工艺参数智能优化软件",
            "伺服驱动节能控制技术",
        ),
        "布置温度传感器采集机床关键部位温度场，建立热误差预测模型，通过数控系统原点偏移实时补偿。",
        "加工尺寸热漂移降低七成以上，已在多台加工中心上应用。",
        ("数控机床", "热误差", "误差补偿", "精度", "预测性维护"),
        "数控技术、精密加工与装备智能运维",
    ),
    Topic(
        "0805",
        ("ent_xinxin_ai", "ent_longjiang_agri"),
        ("uni_hit",),
        ("工业机器人柔性装配", "水稻插秧机自动导航"),
        "装配工位零件品种多、批量小，传统示教机器人换型慢，仍需要大量人工。",
        "希望引进视觉引导和力控柔性装配技术，实现多品种快速换型。",
        ("视觉引导机器人柔性装配技术", "农机北斗自动导航驾驶系统", "协作机器人力控打磨技术"),
        "融合三维视觉定位与六维力传感反馈，机器人可自适应零件位置偏差完成精密插装。",
        "换型时间由半天缩短到半小时以内，装配成功率超过百分之九十九。",
        ("工业机器人", "视觉引导", "柔性装配", "自动导航", "力控"),
        "机器人技术、智能感知与控制",
    ),
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = (
    "建华",
    "志强",
    "海燕",
    "立新",
    "晓东",
    "春梅",
    "国栋",
    "文静",
    "振宇",
    "雪峰",
    "明远",
    "丽娟",
    "卫国",
    "思源",
    "伟民",
    "秀英",
    "宏伟",
    "佳琪",
    "永刚",
    "慧敏",
)
TITLES = (
    Expert.Title.PROFESSOR,
    Expert.Title.RESEARCHER,
    Expert.Title.ASSOC_PROFESSOR,
    Expert.Title.SENIOR_ENGINEER,
    Expert.Title.PROF_SENIOR_ENGINEER,
)
NEED_OPENERS = ("我公司", "企业", "本单位")
MATURITY_FOR_RESULT = ("pilot", "industrial", "pilot_small", "pilot")


def _modes(*codes: str) -> list[CooperationMode]:
    return list(CooperationMode.objects.filter(code__in=codes))


def need_text(topic: Topic, base_title: str) -> tuple[str, str, tuple[str, ...]]:
    """(problem, want, keywords) of a need title (without its （二期） suffix)."""
    if base_title in NEED_TEXTS:
        return NEED_TEXTS[base_title]
    return topic.problem, topic.want, topic.keywords


def result_text(topic: Topic, base_title: str) -> tuple[str, str, tuple[str, ...]]:
    """(approach, effect, keywords) of a result title (without its variant suffix)."""
    if base_title in RESULT_TEXTS:
        return RESULT_TEXTS[base_title]
    return topic.approach, topic.effect, topic.keywords


def _published_days_ago(position: int, total: int) -> int:
    return HISTORY_DAYS - (HISTORY_DAYS - NEWEST_DAYS) * position // max(1, total - 1)


def _backdate(posting: Any, days_ago: int) -> None:
    """Give a just-published demo posting a history: created, submitted and published
    ``days_ago`` (re-confirmed within the last months, as an owner would)."""
    published = timezone.now() - timedelta(days=days_ago, hours=(posting.pk * 7) % 9)
    confirmed = max(published, timezone.now() - timedelta(days=(posting.pk * 13) % 90))
    type(posting).objects.filter(pk=posting.pk).update(
        created_at=published - timedelta(days=3),
        submitted_at=published - timedelta(days=2),
        published_at=published,
        last_confirmed_at=confirmed,
    )


@transaction.atomic
def seed_registers(orgs: dict[str, Organization]) -> dict[str, int]:
    """Create (or leave as they are) the demo needs, results and experts, all published."""
    admin = User.objects.get(username="demo_admin")
    maturity = {m.code: m for m in MaturityLevel.objects.all()}
    ip_types = {t.code: t for t in IPType.objects.all()}
    fields = {f.code: f for f in TechField.objects.all()}
    today = timezone.localdate()
    created = {"needs": 0, "results": 0, "experts": 0}

    def publish(kind: str, data: dict[str, object], org: Organization | None) -> Any:
        posting = postings.posting_create(
            kind=kind, by=admin, data=data, organization=org, submit=True
        )
        return postings.posting_approve(posting=posting, by=admin)

    # 60 needs: each topic's titles, then second-phase (二期) variants, up to 60.
    need_count = 0
    for round_ in range(4):
        for i, topic in enumerate(TOPICS):
            if need_count >= 60:
                break
            if round_ >= len(topic.need_titles):
                base = topic.need_titles[(i + round_) % len(topic.need_titles)]
                title = f"{base}（二期）"
            else:
                title = topic.need_titles[round_]
            need_count += 1
            if Need.objects.filter(title=title).exists():
                continue
            base = title.replace("（二期）", "")
            # the organisation whose story it is (a second phase: the first phase's)
            org = orgs[topic.enterprises[topic.need_titles.index(base) % len(topic.enterprises)]]
            low = Decimal(20 + 10 * ((i + round_) % 5))
            opener = NEED_OPENERS[(i + round_) % len(NEED_OPENERS)]
            problem, want, keywords = need_text(topic, base)
            n = need_count - 1
            second_phase = title != base
            if second_phase:
                # brief, as follow-up needs often are: what is wanted, no new figures
                description = f"{opener}{base}项目一期已完成，二期希望扩大应用范围。{problem}{want}"
                words = keywords[:2]
            else:
                description = (
                    f"{opener}在{base}方面遇到难题。{problem}{want}"
                    f"预计投入研发经费{low}至{low * 3}万元，可提供生产现场和试验条件。"
                )
                words = keywords[: 3 + n % 3]
            with_budget = not (second_phase and n % 2) and n % 9 != 8
            field = fields[topic.field]
            need = publish(
                "need",
                {
                    "title": title,
                    "description": description,
                    "keywords": "，".join(words),
                    "region_code": org.region_code,
                    "budget_min": low if with_budget else None,
                    "budget_max": low * 3 if with_budget else None,
                    "deadline": None
                    if n % 5 == 4
                    else today + timedelta(days=120 + 30 * round_ + i),
                    "expected_maturity": maturity["pilot" if round_ != 1 else "industrial"],
                    # a few only name the top-level field, as hurried writers do
                    "fields": [field.parent if n % 8 == 7 and field.parent else field],
                    "cooperation_modes": []
                    if n % 7 == 6
                    else _modes(
                        *(
                            ("co_develop", "commission"),
                            ("transfer", "license"),
                            ("consult", "service"),
                        )[round_ % 3]
                    ),
                    "contact_name": "项目负责人",
                    "contact_phone": f"1380531{(i * 3 + round_):04d}",
                    "confidential_fields": ["budget"] if (i + round_) % 4 == 0 else [],
                },
                org,
            )
            _backdate(need, _published_days_ago(n, 60))
            created["needs"] += 1

    # 100 results: each topic's titles, then team and application variants.
    variants = ("", "（第二代）", "及其产业化应用", "（改进型）", "集成示范")
    result_count = 0
    for round_ in range(len(variants)):
        for i, topic in enumerate(TOPICS):
            for j, base in enumerate(topic.result_titles):
                if result_count >= 100:
                    break
                if round_ and (i + j) % 2:
                    continue
                title = f"{base}{variants[round_]}"
                result_count += 1
                if Result.objects.filter(title=title).exists():
                    continue
                lab = orgs[topic.labs[(j + round_) % len(topic.labs)]]
                approach, effect, keywords = result_text(topic, base)
                summary = (
                    f"{approach}{effect}"
                    f"团队长期从事{topic.direction}研究，可提供技术培训和现场指导。"
                )
                mat = maturity[MATURITY_FOR_RESULT[(i + j + round_) % len(MATURITY_FOR_RESULT)]]
                result = publish(
                    "result",
                    {
                        "title": title,
                        "summary": summary,
                        "keywords": "，".join(keywords[:4]),
                        "region_code": lab.region_code,
                        "maturity": mat,
                        "trl": mat.trl_min + (i % 2),
                        "patent_numbers": f"ZL2021{10000000 + i * 97 + j * 13 + round_:08d}.{j}",
                        "asking_price": None
                        if (i + j) % 5 == 0
                        else Decimal(30 + 20 * ((i + j + round_) % 6)),
                        "team": f"{lab.name}{topic.direction}团队，成员十余人。",
                        "institution_name": lab.name,
                        "fields": [fields[topic.field]],
                        "ip_types": [ip_types["invention"]]
                        + ([ip_types["software"]] if topic.field.startswith("01") else []),
                        "cooperation_modes": _modes("transfer", "license", "co_develop"),
                        "contact_name": "成果转化办公室",
                        "contact_phone": f"1390532{result_count:04d}",
                    },
                    lab,
                )
                _backdate(result, _published_days_ago(result_count - 1, 100))
                created["results"] += 1

    # 50 experts: two or three per topic, at the labs of the topic.
    expert_count = 0
    for round_ in range(3):
        for i, topic in enumerate(TOPICS):
            if expert_count >= 50:
                break
            lab = orgs[topic.labs[(i + round_) % len(topic.labs)]]
            name = SURNAMES[(i * 3 + round_) % len(SURNAMES)] + GIVEN[(i + round_ * 7) % len(GIVEN)]
            expert_count += 1
            if Expert.objects.filter(name=name, institution_name=lab.name).exists():
                continue
            title = TITLES[(i + round_) % len(TITLES)]
            expert = publish(
                "expert",
                {
                    "name": name,
                    "institution_name": lab.name,
                    "title": title,
                    "keywords": "，".join(topic.keywords[round_ : round_ + 3]),
                    "region_code": lab.region_code,
                    "biography": (
                        f"{name}，{lab.name}{Expert.Title(title).label}，主要研究方向为{topic.direction}。"
                        f"主持完成多项国家和省部级科研项目，在{topic.keywords[0]}、{topic.keywords[1]}"
                        f"等方面积累了丰富的工程经验，长期为企业提供技术咨询和现场服务。"
                    ),
                    "representative_results": "；".join(topic.result_titles[:2]),
                    "capacity": 2 + (i + round_) % 4,
                    "willing_commissioner": (i + round_) % 3 != 0,
                    "fields": [fields[topic.field]],
                    "cooperation_modes": _modes("consult", "service", "co_develop"),
                    "contact_name": name,
                    "contact_phone": f"1370533{expert_count:04d}",
                },
                lab,
            )
            _backdate(expert, _published_days_ago(expert_count - 1, 50))
            created["experts"] += 1
    return created

"""Word lists and the text made of them (titles, paragraphs, names, ids). Every character
must encode in GB2312: GB2312 templates stay GB2312."""

from __future__ import annotations

import random

# fmt: off
SUBJECTS = ["多家券商", "市场人士", "分析人士", "业内专家", "一位基金经理", "外资机构",
            "部分上市公司", "多家银行", "保险机构", "制造业企业", "新能源车企", "光伏企业",
            "物流企业", "外贸企业", "中小企业", "研究机构", "行业协会", "期货公司", "私募机构",
            "资产管理公司", "家电企业", "航运公司", "钢铁企业", "医药企业", "芯片企业",
            "消费电子厂商", "商业银行", "地方国企", "头部平台企业", "证券公司研究所"]
NOUN_SUBJECTS = ["上市公司", "券商", "公募基金", "银行", "保险公司", "外贸企业", "制造业企业",
                 "车企", "物流企业", "科技企业", "地方国企", "私募基金"]
TIMES = ["今年以来", "上半年", "前三季度", "近期", "本周", "上月", "四季度以来", "截至发稿",
         "过去一个月", "11月以来", "年初至今", "近一周", "10月份", "前10个月", "今年前11个月",
         "近两个交易日"]
TOPICS = ["社会消费品零售总额", "工业增加值", "制造业采购经理指数", "出口交货值", "固定资产投资",
          "居民消费价格", "新增人民币贷款", "社会融资规模", "外汇储备", "人民币汇率", "国债收益率",
          "北向资金", "两融余额", "新能源汽车销量", "光伏装机量", "港口集装箱吞吐量",
          "全社会用电量", "快递业务量", "商品房销售面积", "规模以上工业企业利润", "居民存款",
          "新发基金规模", "科创板成交额", "大宗商品价格", "国际油价", "黄金价格", "铜价",
          "猪肉价格", "服务业生产指数", "跨境电商进出口额", "集成电路产量", "民间投资"]
CHANGES = ["同比增长", "同比下降", "环比回升", "环比回落", "较上月提高", "较去年同期增加",
           "累计增长", "同比增长了", "较年初上升"]
VERBS = ["持续加大", "稳步推进", "积极布局", "明显改善", "进一步优化", "有序推进", "加快落实",
         "逐步恢复", "全力保障", "显著提升", "着力加强", "不断完善"]
OBJECTS = ["研发投入", "产能建设", "海外市场拓展", "数字化转型", "绿色低碳转型", "供应链管理",
           "风险防控", "产品结构调整", "渠道建设", "成本控制", "融资支持", "信贷投放",
           "消费场景建设", "技术改造", "人才引进", "品牌建设", "库存管理", "服务网络布局",
           "项目储备", "设备更新"]
OUTLOOKS = ["后续走势仍需观察", "全年目标有望顺利完成", "市场信心正在逐步修复",
            "政策效果将进一步显现", "短期波动难以避免", "中长期向好的趋势没有改变",
            "结构性机会依然存在", "需警惕外部环境变化带来的风险", "行业集中度有望继续提升",
            "相关企业的盈利能力将逐步改善", "市场供需关系有望趋于平衡", "投资者宜保持理性",
            "稳增长政策仍有发力空间"]
REASONS = ["政策支持力度加大", "市场需求回暖", "原材料价格回落", "海外订单增加", "基数效应影响",
           "季节性因素影响", "资金面保持合理充裕", "投资者风险偏好回升", "行业竞争加剧",
           "库存周期切换", "新产能集中释放", "居民消费意愿增强"]
TRENDS = ["继续回升", "保持增长", "企稳回升", "温和上行", "逐步改善", "小幅波动", "稳中有进"]
ASPECTS = ["结构", "区域分布", "行业", "企业规模", "期限", "产品类型", "资金来源"]
PLACES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "重庆", "南京", "苏州", "天津",
          "西安", "长沙", "郑州", "合肥", "青岛", "宁波", "厦门", "福州", "济南", "沈阳", "昆明"]
PERSONS = ["有关负责人", "首席经济学家", "研究员", "分析师", "投资总监", "行业人士", "企业负责人",
           "基金经理", "交易员"]
FACILITIES = ["工厂", "港口", "商场", "物流园", "数据中心", "产业园", "码头", "仓库", "展厅",
              "生产车间"]
ACTIONS = ["调试设备", "装卸货物", "检查产品", "整理订单", "操作机械", "清点库存"]
HEADINGS = ["政策效应逐步显现", "市场预期趋于稳定", "企业经营压力犹存", "结构性亮点突出",
            "外部风险仍需警惕", "线上线下同步发力", "多方合力稳预期", "新动能加快成长",
            "资金面保持平稳", "龙头企业率先突围", "消费潜力持续释放", "转型升级步伐加快"]
TITLE_TAILS = ["仍具配置价值", "前景可期", "需关注风险", "有望延续", "压力缓解", "成市场焦点",
               "获资金青睐", "释放积极信号", "迎来新机遇", "节奏或将加快"]
KEYWORDS = ["人民币汇率", "美联储", "降准", "消费", "出口", "制造业", "新能源", "光伏", "房地产",
            "基建", "资本市场", "券商", "基金", "银行", "保险", "黄金", "原油", "A股", "港股",
            "美股", "科创板", "就业", "物价", "财政政策", "货币政策", "数字经济", "汽车", "芯片",
            "医药", "白酒", "外贸", "物流", "债券", "期货", "养老金", "稳增长"]
MEDIA = ["新浪财经", "中国证券报", "上海证券报", "证券时报", "证券日报", "经济参考报", "第一财经",
         "中国新闻网", "21世纪经济报道", "经济观察报", "新京报", "每日经济新闻", "央视财经",
         "财联社", "界面新闻", "中国经营报"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["明", "丽", "强", "敏", "静", "磊", "洋", "婷", "伟", "芳", "军", "杰", "涛", "超", "霞",
         "鹏", "宇", "欣", "琪", "晨", "斌", "蒙", "一凡", "子航", "思远", "文涛", "雨桐", "嘉怡",
         "志强"]
# fmt: on


def check_gb2312() -> None:
    words = (
        SUBJECTS
        + NOUN_SUBJECTS
        + TIMES
        + TOPICS
        + CHANGES
        + VERBS
        + OBJECTS
        + OUTLOOKS
        + REASONS
        + TRENDS
        + ASPECTS
        + PLACES
        + PERSONS
        + FACILITIES
        + ACTIONS
        + HEADINGS
        + TITLE_TAILS
        + KEYWORDS
        + MEDIA
        + GIVEN
        + [SURNAMES, "　，。：；“”（）%"]
    )
    for w in words:
        w.encode("gb2312")  # raises on a character outside GB2312


# -- text generation ---------------------------------------------------------------------------


def _pct(rng: random.Random) -> str:
    return f"{rng.uniform(0.3, 38.0):.1f}%"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def sentence(rng: random.Random) -> str:
    c = rng.choice
    k = rng.randrange(12)
    if k == 0:
        return f"{c(TIMES)}，{c(TOPICS)}{c(CHANGES)}{_pct(rng)}，{c(REASONS)}是主要原因。"
    if k == 1:
        return f"{c(SUBJECTS)}表示，{c(TIMES)}{c(TOPICS)}总体保持平稳，{c(OUTLOOKS)}。"
    if k == 2:
        return (
            f"数据显示，{c(TIMES)}{c(PLACES)}{c(TOPICS)}达到{rng.randint(12, 9800)}亿元，"
            f"{c(CHANGES)}{_pct(rng)}。"
        )
    if k == 3:
        return (
            f"“{c(OBJECTS)}不是一朝一夕的事，{c(OUTLOOKS)}。”一位{c(PLACES)}的"
            f"{c(PERSONS)}对记者说。"
        )
    if k == 4:
        return (
            f"{c(SUBJECTS)}{c(VERBS)}{c(OBJECTS)}，{c(TIMES)}已累计投入{rng.randint(3, 860)}亿元。"
        )
    if k == 5:
        return f"从{c(ASPECTS)}看，{c(SUBJECTS)}{c(VERBS)}{c(OBJECTS)}，{c(OUTLOOKS)}。"
    if k == 6:
        return f"{c(SUBJECTS)}认为，受{c(REASONS)}等因素带动，{c(TOPICS)}有望{c(TRENDS)}。"
    if k == 7:
        return f"记者在{c(PLACES)}走访发现，不少{c(NOUN_SUBJECTS)}开始{c(VERBS)}{c(OBJECTS)}。"
    if k == 8:
        return (
            f"据不完全统计，{c(TIMES)}已有{rng.randint(3, 260)}家{c(NOUN_SUBJECTS)}"
            f"披露了与{c(OBJECTS)}相关的进展。"
        )
    if k == 9:
        return (
            f"{c(PERSONS)}{person_name(rng)}指出，{c(TOPICS)}的变化反映出{c(REASONS)}，"
            f"{c(OUTLOOKS)}。"
        )
    if k == 10:
        return (
            f"截至{rng.randint(1, 10)}月{rng.randint(1, 28)}日，{c(TOPICS)}{c(CHANGES)}"
            f"{_pct(rng)}，为{rng.randint(2, 9)}个月以来的较好水平。"
        )
    return f"业内人士提醒，{c(TOPICS)}仍受{c(REASONS)}影响，{c(OUTLOOKS)}。"


def paragraph(rng: random.Random, target: int) -> str:
    out = sentence(rng)
    while len(out) < target:
        out += sentence(rng)
    return out


def heading(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(HEADINGS)
    return f"{rng.choice(OBJECTS)}{rng.choice(TITLE_TAILS)}"


def caption(rng: random.Random) -> str:
    return f"{rng.choice(PLACES)}一家{rng.choice(FACILITIES)}内，工作人员正在{rng.choice(ACTIONS)}"


def make_title(rng: random.Random) -> str:
    c = rng.choice
    k = rng.randrange(5)
    if k == 0:
        return f"{c(TIMES)}{c(TOPICS)}{c(CHANGES)}{_pct(rng)} {c(SUBJECTS)}称{c(TITLE_TAILS)}"
    if k == 1:
        return f"{c(PLACES)}{c(VERBS)}{c(OBJECTS)} {c(TOPICS)}{c(TRENDS)}"
    if k == 2:
        return f"{c(SUBJECTS)}：{c(TOPICS)}{c(TRENDS)} {c(OBJECTS)}{c(TITLE_TAILS)}"
    if k == 3:
        return f"{c(TOPICS)}{c(TRENDS)} {c(NOUN_SUBJECTS)}{c(OBJECTS)}{c(TITLE_TAILS)}"
    return f"{c(PLACES)}{c(NOUN_SUBJECTS)}{c(VERBS)}{c(OBJECTS)}，{c(TOPICS)}{c(TITLE_TAILS)}"


def make_id(rng: random.Random) -> str:
    letters = "n" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))
    return letters + "".join(rng.choice("0123456789") for _ in range(7))

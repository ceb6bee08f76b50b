"""The column table: which roll-API list (pageid, lid) and URL paths make which category.

The table is the ``SINACRAWL_COLUMNS`` setting; ``DEFAULT_COLUMNS`` is its default, taken
from the columns of Sina's roll API that are known to exist (see README).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

SITE = "新浪财经"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    pageid: int | None = None
    lid: int | None = None
    paths: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_mapping(cls, data: Mapping) -> Column:
        return cls(
            key=str(data["key"]),
            label=str(data["label"]),
            pageid=int(data["pageid"]) if data.get("pageid") is not None else None,
            lid=int(data["lid"]) if data.get("lid") is not None else None,
            paths=tuple(data.get("paths") or ()),
        )


def _c(key, name, pageid=None, lid=None, paths=()):
    return {
        "key": key,
        "label": f"{SITE}－{name}",
        "pageid": pageid,
        "lid": lid,
        "paths": list(paths),
    }


DEFAULT_COLUMNS: list[dict] = [
    # The seed's feed: RSSHub's /sina/finance route, titled with a traditional 內 that
    # existing archives keep as their category; see the output contract.
    _c("china", "国內", 155, 1686, ["finance.sina.com.cn/china/", "finance.sina.cn/china/"]),
    _c("hgjj", "宏观经济", 155, 1687),
    _c("dfjj", "地方经济", 155, 1688),
    _c("bwdt", "部委动态", 155, 1689),
    _c("jrxw", "金融新闻", 155, 1690),
    _c("top10", "今日财经TOP10", 155, 3231),
    _c(
        "chanjing",
        "产经",
        164,
        1693,
        ["finance.sina.com.cn/chanjing/", "chanye.finance.sina.com.cn/"],
    ),
    _c("gsnews", "公司新闻", 164, 1694, ["finance.sina.com.cn/chanjing/gsnews/"]),
    _c("cyxw", "产业新闻", 164, 1695, ["finance.sina.com.cn/chanjing/cyxw/"]),
    _c("roll", "滚动", 384, 2519, ["finance.sina.com.cn/roll/"]),
    _c("stock", "股市", 384, 2671, ["finance.sina.com.cn/stock/", "finance.sina.cn/stock/"]),
    _c(
        "usstock",
        "美股",
        384,
        2672,
        ["finance.sina.com.cn/stock/usstock/", "finance.sina.cn/usstock/"],
    ),
    _c("chinacs", "中国概念股", 384, 2673),
    _c(
        "hkstock",
        "港股",
        384,
        2674,
        ["finance.sina.com.cn/stock/hkstock/", "finance.sina.cn/hkstock/"],
    ),
    _c("research", "研究报告", 384, 2675),
    _c("world", "全球市场", 384, 2676, ["finance.sina.com.cn/world/"]),
    _c("forex", "外汇", 384, 2487, ["finance.sina.com.cn/money/forex/", "finance.sina.cn/forex/"]),
    _c("news", "新闻", 153, 2509, ["news.sina.com.cn/"]),
    _c("other", "其他", None, None, []),
]

DEFAULT_COLUMN_KEY = "other"


class ColumnTable:
    """Lookups over the configured columns."""

    def __init__(self, columns: Iterable[Mapping | Column], default_key: str = DEFAULT_COLUMN_KEY):
        self.columns = [c if isinstance(c, Column) else Column.from_mapping(c) for c in columns]
        if not self.columns:
            raise ValueError("SINACRAWL_COLUMNS is empty")
        self.by_key = {c.key: c for c in self.columns}
        self.by_list: dict[tuple[int | None, int | None], Column] = {
            (c.pageid, c.lid): c for c in self.columns if c.lid is not None
        }
        self.default = self.by_key.get(default_key, self.columns[-1])
        # Longest prefix first, so stock/usstock/ wins over stock/.
        self._prefixes = sorted(
            ((p.lower(), c) for c in self.columns for p in c.paths), key=lambda pc: -len(pc[0])
        )

    def get(self, key: str) -> Column:
        try:
            return self.by_key[key]
        except KeyError:
            raise KeyError(f"unknown column {key!r}; known: {', '.join(self.by_key)}") from None

    def for_list(self, pageid: int | None, lid: int | None) -> Column | None:
        return self.by_list.get((pageid, lid))

    def for_url(self, url: str) -> Column:
        """The column an article URL's path places it in (used when discovery gave none).

        >>> ColumnTable(DEFAULT_COLUMNS).for_url("https://finance.sina.com.cn/china/gncj/2022-02-22/doc-ikyakumy8753215.shtml").label
        '新浪财经－国內'
        """
        parts = urlsplit(url)
        hostpath = f"{(parts.hostname or '').lower()}{parts.path}".lower()
        for prefix, column in self._prefixes:
            if hostpath.startswith(prefix):
                return column
        return self.default

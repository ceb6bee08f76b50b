"""sinacrawl: crawl Sina Finance articles and archive them as Hexo posts."""

__version__ = "0.1.0"

"""Page objects: one class per Sina page type, one small method per field."""

from sinacrawl.pages.article import ArticlePage, NotAnArticle

__all__ = ["ArticlePage", "NotAnArticle"]

from blockdesk.kb.models.article import (
    Article,
    ArticleRevision,
    ArticleTranslation,
    Category,
    SlugRedirect,
)
from blockdesk.kb.models.feedback import ArticleFeedback, KbAsset
from blockdesk.kb.models.synonym import Synonym

__all__ = [
    "Article",
    "ArticleFeedback",
    "ArticleRevision",
    "ArticleTranslation",
    "Category",
    "KbAsset",
    "SlugRedirect",
    "Synonym",
]

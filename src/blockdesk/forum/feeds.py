"""RSS 2.0 and Atom feeds per category: the latest published questions."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed

from blockdesk.forum import selectors
from blockdesk.forum.models import Category, Question
from blockdesk.forum.models.posts import Status

FEED_SIZE = 30


class CategoryRss(Feed):
    feed_type: type[SyndicationFeed] = Rss201rev2Feed

    def get_object(self, request: HttpRequest, language: str, slug: str) -> Category:
        account = selectors.forum_account()
        category = (
            selectors.get_category(account_id=account.pk, language=language, slug=slug)
            if account
            else None
        )
        if category is None:
            raise Http404
        return category

    def title(self, obj: Category) -> str:
        return obj.name

    def link(self, obj: Category) -> str:
        return reverse("forum:category", args=[obj.language, obj.slug])

    def description(self, obj: Category) -> str:
        return obj.description or obj.name

    def items(self, obj: Category) -> list[Question]:
        return list(
            Question.objects.filter(category=obj, status=Status.PUBLISHED)
            .select_related("author", "category")
            .order_by("-created_at")[:FEED_SIZE]
        )

    def item_title(self, item: Question) -> str:
        return item.title

    def item_description(self, item: Question) -> str:
        # The sanitised HTML (markdown-it + nh3), never the raw body.
        return item.body_html

    def item_link(self, item: Question) -> str:
        return reverse("forum:question", args=[item.category.language, item.pk])

    def item_pubdate(self, item: Question) -> object:
        return item.created_at

    def item_author_name(self, item: Question) -> str:
        return item.author.display_name if item.author else ""


class CategoryAtom(CategoryRss):
    feed_type = Atom1Feed
    subtitle = CategoryRss.description

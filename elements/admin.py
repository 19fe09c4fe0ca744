"""Admin for the legacy element tables (read mostly; elements are edited through the API)."""

from __future__ import annotations

from django.contrib import admin

from elements.models import Element
from elements.models import ElementGroup


class ElementInline(admin.TabularInline[Element, ElementGroup]):
    model = Element
    extra = 0
    fields = ["order", "tag_name", "text", "href", "attr_id", "nth_child", "nth_of_type"]


@admin.register(ElementGroup)
class ElementGroupAdmin(admin.ModelAdmin[ElementGroup]):
    list_display = ["id", "team", "hash"]
    list_filter = ["team"]
    search_fields = ["hash"]
    inlines = [ElementInline]


@admin.register(Element)
class ElementAdmin(admin.ModelAdmin[Element]):
    list_display = ["id", "tag_name", "text", "href", "order", "group"]
    search_fields = ["tag_name", "text", "href", "attr_id"]
    raw_id_fields = ["group"]

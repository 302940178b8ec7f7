from django.contrib import admin

from .models import Article, ArticleTransition, Comment, Image, ReviewLevel, Revision, SignOff
from .revisions import record_revision


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    can_delete = False
    fields = ["number", "title", "created_by", "created_at", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = ArticleTransition
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "action", "from_status", "to_status", "review_level", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "publication", "section", "event_date", "status", "author", "updated_at"]
    list_filter = ["publication", "status", "section"]
    search_fields = ["title"]
    readonly_fields = ["status", "review_level", "version", "last_edited_by"]
    inlines = [RevisionInline, TransitionInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = getattr(obj, "author", None) or request.user
        obj.last_edited_by = request.user
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)
        record_revision(obj, by=request.user, note="后台保存")

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk}


@admin.register(ReviewLevel)
class ReviewLevelAdmin(admin.ModelAdmin):
    list_display = ["publication", "level", "name", "group"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["article", "author", "created_at"]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["original_name", "width", "height", "uploaded_by", "created_at"]


@admin.register(SignOff)
class SignOffAdmin(admin.ModelAdmin):
    list_display = ["issue", "signed_by", "signed_at", "voided_at"]
    readonly_fields = ["content_hash"]

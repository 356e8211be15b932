from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from incubator import mail
from incubator.models import EmailTemplate, OutboundEmail, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "phone", "preferred_language", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "preferred_language"]
    search_fields = ["email", "full_name", "phone"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "phone", "preferred_language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    filter_horizontal = ("groups", "user_permissions")


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "subject", "state", "attempts", "sent_at", "template", "language"]
    list_filter = ["state", "template", "language", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["to", "subject", "key"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "key",
        "to",
        "recipient_user",
        "language",
        "template",
        "subject",
        "body_text",
        "body_html",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "content_type",
        "object_id",
    ]
    list_select_related = ["recipient_user"]
    raw_id_fields = ["recipient_user"]
    actions = ["resend"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("incubator.change_outboundemail")

    @admin.action(description=_("Resend the selected emails"), permissions=["resend"])
    def resend(self, request, queryset):
        count = 0
        with transaction.atomic():
            for email in queryset.exclude(state="sending"):
                mail.outbox_resend(email=email)
                count += 1
        self.message_user(
            request,
            ngettext("%(count)d email queued again.", "%(count)d emails queued again.", count) % {"count": count},
        )


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "language", "subject", "is_active", "updated_at"]
    list_filter = ["language", "is_active"]
    search_fields = ["name", "subject", "body_text"]

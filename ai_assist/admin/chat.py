"""Admin for conversations: transcripts, failures and the hand-off queue."""

from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..chat.conversations import mark_handoffs_handled
from ..models import Conversation, HandoffConversation, Message


class IntentFilter(admin.SimpleListFilter):
    """Conversations with at least one message of the chosen intent."""

    title = _("intent")
    parameter_name = "intent"

    def lookups(self, request, model_admin):
        intents = (
            Message.objects.exclude(intent="")
            .order_by("intent")
            .values_list("intent", flat=True)
            .distinct()
        )
        return [(intent, intent) for intent in intents]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(messages__intent=self.value()).distinct()
        return queryset


class FailedFilter(admin.SimpleListFilter):
    """Conversations where a reply failed."""

    title = _("failed replies")
    parameter_name = "failed"

    def lookups(self, request, model_admin):
        return [("yes", _("With a failed reply")), ("no", _("Without"))]

    def queryset(self, request, queryset):
        failed = Message.objects.filter(
            conversation=OuterRef("pk"), status=Message.Status.FAILED
        )
        if self.value() == "yes":
            return queryset.filter(Exists(failed))
        if self.value() == "no":
            return queryset.exclude(Exists(failed))
        return queryset


class MessageInline(admin.TabularInline):
    """The transcript, read-only: what was said is never edited."""

    model = Message
    fk_name = "conversation"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["created_at", "role", "text", "intent", "status", "failure_reason"]
    readonly_fields = fields
    ordering = ["created_at", "pk"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = [
        "public_id",
        "owner",
        "language",
        "message_count",
        "handoff_requested",
        "created_at",
    ]
    list_filter = [
        IntentFilter,
        "handoff_requested",
        FailedFilter,
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = [
        "public_id",
        "user__username",
        "user__email",
        "guest_email",
        "guest_order_number",
        "messages__text",
    ]
    date_hierarchy = "created_at"
    raw_id_fields = ["user"]
    readonly_fields = [
        "public_id",
        "user",
        "session_key",
        "language",
        "page_url",
        "page_product_id",
        "guest_order_number",
        "guest_email",
        "guest_verified_at",
        "handoff_requested",
        "handoff_at",
        "handoff_handled_at",
        "created_at",
        "updated_at",
    ]
    inlines = [MessageInline]
    actions = ["mark_handled"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        return queryset.annotate(_message_count=Count("messages", distinct=True))

    @admin.display(description=_("shopper"))
    def owner(self, obj):
        return obj.user if obj.user_id else _("guest")

    @admin.display(description=_("messages"), ordering="_message_count")
    def message_count(self, obj):
        return obj._message_count

    @admin.action(description=_("Mark hand-off as handled"))
    def mark_handled(self, request, queryset):
        count = mark_handoffs_handled(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d hand-off marked as handled.",
                "%(count)d hand-offs marked as handled.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(HandoffConversation)
class HandoffQueueAdmin(ConversationAdmin):
    """Conversations whose shopper asked for staff, oldest request first."""

    list_display = [
        "public_id",
        "owner",
        "guest_email",
        "handoff_at",
        "handoff_note",
    ]
    list_filter = [IntentFilter, ("handoff_at", admin.DateFieldListFilter)]
    date_hierarchy = None
    ordering = ["handoff_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).awaiting_handoff()

    def has_add_permission(self, request):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Single messages, read-only, for looking into failures and timings."""

    list_display = ["pk", "conversation", "role", "intent", "status", "created_at"]
    list_filter = [
        "role",
        "status",
        "intent",
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["text", "failure_reason", "conversation__public_id"]
    raw_id_fields = ["conversation", "reply_to"]
    list_select_related = ["conversation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

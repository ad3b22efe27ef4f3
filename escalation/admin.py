"""Supervisors edit calendars, policies, ladders, contacts and on-call rotations here. Per-ticket
state (clocks, escalation records, outbox) is shown read-only: it is written by the engine."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from helpdesk.admin import ReadOnlyAdmin
from helpdesk.exceptions import DomainError

from . import config, oncall, people, rotations
from .models import (
    Calendar,
    CalendarWindow,
    Clock,
    ClockKind,
    Contact,
    EscalationNotice,
    EscalationRecord,
    Holiday,
    Ladder,
    LadderLevel,
    LadderTestRun,
    OnCallMember,
    OnCallRotation,
    Policy,
    RotationOverride,
    TargetKind,
    VendorEndpoint,
)

CHANNEL_CHOICES = [("sms", _("SMS")), ("email", _("Email")), ("voice", _("Phone call"))]


class WindowInline(admin.TabularInline):
    model = CalendarWindow
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "always_open"]
    inlines = [WindowInline, HolidayInline]


class LevelForm(forms.ModelForm):
    """Targets and channels are chosen from lists (stored as JSON lists in canonical order)."""

    targets = forms.MultipleChoiceField(choices=TargetKind.choices, widget=forms.CheckboxSelectMultiple,
                                        label=_("Who"))
    channels = forms.MultipleChoiceField(choices=CHANNEL_CHOICES, widget=forms.CheckboxSelectMultiple,
                                         required=False, label=_("How"))

    class Meta:
        model = LadderLevel
        fields = ["level", "offset_minutes", "targets", "channels", "requires_ack"]

    def clean(self):
        data = super().clean()
        if "targets" in data:
            try:
                data["targets"], data["channels"] = config.check_level(targets=data.get("targets"),
                                                                      channels=data.get("channels"))
            except DomainError as exc:
                raise forms.ValidationError(exc.detail) from None
        return data


class LevelFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        levels = [config.LevelSpec(f.cleaned_data["level"], f.cleaned_data["offset_minutes"], f.cleaned_data["targets"],
                                   f.cleaned_data["channels"])
                  for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        try:
            config.check_levels(levels)
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from None


class LevelInline(admin.TabularInline):
    model = LadderLevel
    form = LevelForm
    formset = LevelFormSet
    extra = 0


class LadderForm(forms.ModelForm):
    class Meta:
        model = Ladder
        fields = ["name", "repeat_every_minutes", "max_loops"]

    def clean(self):
        data = super().clean()
        try:
            config.check_repeat(repeat_every_minutes=data.get("repeat_every_minutes"), max_loops=data.get("max_loops") or 1)
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from None
        return data


@admin.register(Ladder)
class LadderAdmin(admin.ModelAdmin):
    form = LadderForm
    list_display = ["name", "repeat_every_minutes", "max_loops"]
    inlines = [LevelInline]
    actions = ["test_ladder"]

    @admin.action(description=_("Test this ladder: send a marked TEST message to each level's people now"))
    def test_ladder(self, request, queryset):
        for ladder in queryset:
            run = config.ladder_test(ladder_id=ladder.pk, actor=request.user)
            self.message_user(request, _("%(ladder)s: %(sent)s test messages queued; levels that reach nobody: "
                                         "%(missing)s.") % {
                "ladder": ladder.name, "sent": len(run.sent),
                "missing": ", ".join(str(u["level"]) for u in run.unreachable) or "0"},
                level=messages.WARNING if run.unreachable else messages.SUCCESS)


@admin.register(LadderTestRun)
class LadderTestRunAdmin(admin.ModelAdmin):
    list_display = ["ladder", "started_at", "started_by"]
    readonly_fields = ["ladder", "started_at", "started_by", "sent", "unreachable"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PolicyForm(forms.ModelForm):
    escalate_clocks = forms.MultipleChoiceField(
        choices=ClockKind.choices, widget=forms.CheckboxSelectMultiple, required=False,
        label=_("Clocks that drive the ladder"), help_text=_("None chosen: resolution, vendor acknowledgement, "
                                                              "vendor restore and ETA."))

    class Meta:
        model = Policy
        fields = list(config.POLICY_FIELDS)

    def clean(self):
        data = super().clean()
        try:
            config.check_policy(data)
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from None
        return data


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    list_display = ["name", "position", "is_active", "is_fallback", "priority", "category", "district",
                    "requester_kind", "calendar", "first_response_minutes", "resolution_minutes", "ladder"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "priority", "calendar"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["user", "designation", "vendor", "district", "position"]
    list_filter = ["designation", "vendor"]
    autocomplete_fields = ["user"]


class VendorEndpointForm(forms.ModelForm):
    """The webhook's signing secret is write-only: never shown again; left empty, it is kept."""

    secret = forms.CharField(widget=forms.PasswordInput(render_value=False), required=False,
                             help_text=_("Leave empty to keep the current secret."))

    class Meta:
        model = VendorEndpoint
        fields = ["vendor", "webhook_url", "secret"]

    def clean_secret(self) -> str:
        value = self.cleaned_data.get("secret", "")
        if not value and self.instance.pk:
            return self.instance.secret
        if not value:
            raise forms.ValidationError(_("Set a signing secret."))
        return value


@admin.register(VendorEndpoint)
class VendorEndpointAdmin(admin.ModelAdmin):
    list_display = ["vendor", "webhook_url"]
    form = VendorEndpointForm


class MemberInline(admin.TabularInline):
    model = OnCallMember
    extra = 0
    autocomplete_fields = ["user"]


class OverrideForm(forms.ModelForm):
    class Meta:
        model = RotationOverride
        fields = ["user", "starts_at", "ends_at", "reason"]

    def clean(self):
        data = super().clean()
        rotation = self.instance.rotation if self.instance.rotation_id else getattr(self, "parent_rotation", None)
        if rotation is not None and "user" in data:
            try:
                oncall.check_override(rotation=rotation, user=data.get("user"), starts_at=data.get("starts_at"),
                                      ends_at=data.get("ends_at"), exclude_id=self.instance.pk)
            except DomainError as exc:
                raise forms.ValidationError(exc.detail) from None
        return data


class OverrideInline(admin.TabularInline):
    """Who covers for whom ("Neha covers for Arjun on Friday night"): replaces whoever the turns
    put on call over the interval."""

    model = RotationOverride
    form = OverrideForm
    fk_name = "rotation"
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name = _("override (cover or swap)")
    verbose_name_plural = _("overrides (covers and swaps)")

    def has_add_permission(self, request, obj=None):
        # Overrides are checked against the rotation's vendor: add them once the rotation exists.
        return obj is not None and super().has_add_permission(request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type("BoundOverrideForm", (formset.form,), {"parent_rotation": obj})
        return formset


@admin.register(OnCallRotation)
class RotationAdmin(admin.ModelAdmin):
    list_display = ["name", "vendor", "starts_at", "shift_hours", "is_active", "on_call_now", "on_call_next"]
    readonly_fields = ["preview"]
    inlines = [MemberInline, OverrideInline]

    def _preview(self, obj):
        if not hasattr(obj, "_preview_cache"):
            plan = people.rotation_plan(obj, timezone.now())
            now_shift, next_shift = rotations.now_and_next(plan.turns, plan.overrides, timezone.now())
            obj._preview_cache = (plan, now_shift, next_shift)
        return obj._preview_cache

    @staticmethod
    def _describe(plan, shift, *, starting: bool) -> str:
        if shift is None:
            return "—"
        user = plan.users.get(shift.user_id) if shift.user_id else None
        name = (user.get_full_name() or user.username) if user else _("nobody")
        when = shift.starts_at if starting else shift.ends_at
        label = _("from %(t)s") if starting else _("until %(t)s")
        cover = f" ({_('covering')})" if shift.override_id else ""
        return f"{name}{cover}, {label % {'t': timezone.localtime(when).strftime('%d-%m %H:%M')}}"

    @admin.display(description=_("On call now"))
    def on_call_now(self, obj):
        plan, now_shift, _next = self._preview(obj)
        return self._describe(plan, now_shift, starting=False)

    @admin.display(description=_("Next"))
    def on_call_next(self, obj):
        plan, _now, next_shift = self._preview(obj)
        return self._describe(plan, next_shift, starting=True)

    @admin.display(description=_("Who is on call"))
    def preview(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html("{}<br>{}: {}", self.on_call_now(obj), _("Next"), self.on_call_next(obj))


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "cycle", "state", "due_at", "breached_at", "ladder_done", "acknowledged_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["ticket"]


class NoticeInline(admin.TabularInline):
    model = EscalationNotice
    extra = 0
    can_delete = False
    readonly_fields = ["user", "target", "channels", "acknowledged_at", "ack_seconds", "ack_via"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(EscalationRecord)
class EscalationRecordAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "clock", "level", "loop", "vendor", "fired_at", "acknowledged_at"]
    list_filter = ["vendor", "level"]
    list_select_related = ["ticket", "clock", "vendor"]
    inlines = [NoticeInline]

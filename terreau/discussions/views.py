"""Thin views over discussions.services and discussions.queries.

Every action is a plain form (works without JavaScript); htmx, when present, swaps the
comments block, a thread or a comment in place instead of reloading the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from terreau.core import ratelimit
from terreau.discussions import queries, services
from terreau.discussions.forms import CommentForm, EditForm
from terreau.discussions.models import Comment
from terreau.discussions.registry import Commentable, get_commentable
from terreau.moderation.models import Visibility
from terreau.moderation.permissions import can_moderate
from terreau.processes.models import Membership


def _target_or_404(app_label: str, model: str, object_id: int) -> tuple[Any, Commentable]:
    entry = get_commentable(f"{app_label}.{model}")
    if entry is None:
        raise Http404
    target = entry.model._default_manager.filter(pk=object_id).first()
    if target is None or not entry.shows_comments(target):
        raise Http404
    return target, entry


def _comment_or_404(pk: int) -> tuple[Comment, Any, Commentable]:
    comment = get_object_or_404(Comment.objects.select_related("institution", "content_type"), pk=pk)
    target, entry = queries.commentable_target(comment)
    if target is None or entry is None or not entry.shows_comments(target):
        raise Http404
    return comment, target, entry


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for errors in exc.message_dict.values() for m in errors]
    return exc.messages


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def decorate(comments: list[Comment], user, entry: Commentable, target: Any, institution) -> None:
    """Set what the viewer may do on each comment (flags read by the templates).

    `institution`: the one that moderates the target's comments (entry.get_institution)."""
    now = timezone.now()
    window = services.edit_window()
    refusal = services.can_post_reason(user, target, entry)
    moderator = can_moderate(user, institution) or bool(
        getattr(user, "is_authenticated", False) and entry.is_moderator(user, target)
    )
    author_ids = {c.author_id for c in comments}
    staff = (
        set(
            Membership.objects.filter(institution_id=institution.pk, user_id__in=author_ids).values_list(
                "user_id", flat=True
            )
        )
        if author_ids
        else set()
    )
    authenticated = getattr(user, "is_authenticated", False)
    for c in comments:
        visible = c.status == Visibility.VISIBLE
        own = authenticated and c.author_id == user.pk
        c.can_reply = visible and refusal is None
        c.can_edit = visible and own and now - c.created_at <= window and refusal is None
        c.can_report = visible and authenticated and not own
        c.can_moderate = moderator
        c.author_is_staff = c.author_id in staff
        c.institution_slug = institution.slug


def block_context(
    request: HttpRequest,
    target: Any,
    entry: Commentable,
    *,
    form: CommentForm | None = None,
    after: str | None = None,
    before: str | None = None,
    just_posted: int | None = None,
    status_message: str = "",
) -> dict[str, Any]:
    """Everything the comments block needs (the process page's include, the thread page, htmx)."""
    process = entry.get_process(target)
    institution = entry.get_institution(target)
    page = queries.thread_page(target, after=after, before=before)
    decorate(page.comments, request.user, entry, target, institution)
    refusal = services.can_post_reason(request.user, target, entry)
    meta = target._meta
    target_url = entry.get_url(target)
    return {
        "target": target,
        "target_label": entry.label,
        "target_url": target_url,
        "thread_url": reverse("discussions:thread", args=[meta.app_label, meta.model_name, target.pk]),
        "post_url": reverse("discussions:post", args=[meta.app_label, meta.model_name, target.pk]),
        "page": page,
        "form": form if form is not None else CommentForm(),
        "refusal": refusal,
        "accepts": entry.accepts_comments(target),
        "login_url": f"{reverse('account_login')}?next={target_url}%23commentaires",
        "just_posted": just_posted,
        "status_message": status_message,
        "process": process,
        "institution": institution,
    }


@require_GET
def thread(request: HttpRequest, app_label: str, model: str, object_id: int) -> HttpResponse:
    target, entry = _target_or_404(app_label, model, object_id)
    context = block_context(
        request,
        target,
        entry,
        after=request.GET.get("comments_after"),
        before=request.GET.get("comments_before"),
    )
    if request.htmx:
        return render(request, "discussions/_comments.html", context)
    return render(request, "discussions/thread.html", context)


@require_POST
def post(request: HttpRequest, app_label: str, model: str, object_id: int) -> HttpResponse:
    target, entry = _target_or_404(app_label, model, object_id)
    if not request.user.is_authenticated:
        return _to_login(request, entry.get_url(target) + "#commentaires")
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.post_comment(
                request.user,
                target,
                form.cleaned_data["body"],
                token=form.cleaned_data.get("token") or "",
                ip=ratelimit.client_ip(request),
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if request.htmx:
                context = block_context(
                    request,
                    target,
                    entry,
                    just_posted=comment.pk,
                    status_message=_("Votre commentaire est publié."),
                )
                return render(request, "discussions/_comments.html", context)
            messages.success(request, _("Votre commentaire est publié."))
            return redirect(f"{entry.get_url(target)}#commentaire-{comment.pk}")
    context = block_context(request, target, entry, form=form)
    if request.htmx:  # htmx swaps 200 responses only
        return render(request, "discussions/_comments.html", context)
    return render(request, "discussions/thread.html", context, status=400)


def _to_login(request: HttpRequest, next_url: str) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = f"{reverse('account_login')}?next={next_url.replace('#', '%23')}"
        return response
    return redirect_to_login(next_url)


def _comment_context(request: HttpRequest, comment: Comment, target: Any, entry: Commentable) -> dict[str, Any]:
    shown = queries.single_comment(comment.pk)
    decorate([shown], request.user, entry, target, comment.institution)
    return {"c": shown, "target": target, "target_url": entry.get_url(target)}


@require_GET
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment's permalink (its place in the page); with htmx, the comment alone."""
    found, target, entry = _comment_or_404(pk)
    if request.htmx:
        return render(request, "discussions/_comment.html", _comment_context(request, found, target, entry))
    return redirect(f"{entry.get_url(target)}#commentaire-{found.pk}")


@require_http_methods(["GET", "POST"])
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    parent, target, entry = _comment_or_404(pk)
    if not request.user.is_authenticated:
        return _to_login(request, request.path)
    form = CommentForm(
        request.POST if request.method == "POST" else None, auto_id=f"reponse-{parent.pk}-%s", label=_("Votre réponse")
    )
    if request.htmx and request.method == "GET":  # shown in place: bring the focus to it
        form.fields["body"].widget.attrs["autofocus"] = True
    if request.method == "POST" and form.is_valid():
        try:
            created = services.reply(
                request.user,
                parent,
                form.cleaned_data["body"],
                token=form.cleaned_data.get("token") or "",
                ip=ratelimit.client_ip(request),
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if request.htmx:
                root = Comment.objects.get(pk=created.thread_id)
                node = queries.single_thread(root)
                comments = [node.comment]
                stack = list(node.replies)
                while stack:
                    child = stack.pop()
                    comments.append(child.comment)
                    stack.extend(child.replies)
                decorate(comments, request.user, entry, target, parent.institution)
                response = render(
                    request,
                    "discussions/_thread.html",
                    {"node": node, "just_posted": created.pk, "target_url": entry.get_url(target)},
                )
                response["HX-Retarget"] = f"#fil-{root.pk}"
                response["HX-Reswap"] = "outerHTML"
                return response
            messages.success(request, _("Votre réponse est publiée."))
            return redirect(f"{entry.get_url(target)}#commentaire-{created.pk}")
    context = {
        **_comment_context(request, parent, target, entry),
        "parent": parent,
        "form": form,
        "refusal": services.can_post_reason(request.user, target, entry),
        "target_label": entry.label,
        "htmx": bool(request.htmx),
    }
    status = 400 if form.errors and not request.htmx else 200
    if parent.status == Visibility.HIDDEN:
        context["refusal"] = _("Ce commentaire a été masqué par la modération : on ne peut plus y répondre.")
    template = "discussions/_reply_form.html" if request.htmx else "discussions/reply.html"
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    found, target, entry = _comment_or_404(pk)
    if not request.user.is_authenticated:
        return _to_login(request, request.path)
    try:
        refusal = services.edit_refusal(request.user, found)
    except PermissionDenied as exc:
        raise Http404 from exc
    initial = {"body": found.body} if refusal is None else {}
    form = EditForm(
        request.POST if request.method == "POST" else None, initial=initial, auto_id=f"edition-{found.pk}-%s"
    )
    if request.htmx and request.method == "GET":  # shown in place: bring the focus to it
        form.fields["body"].widget.attrs["autofocus"] = True
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            services.edit_comment(request.user, found, form.cleaned_data["body"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if request.htmx:
                return render(request, "discussions/_comment.html", _comment_context(request, found, target, entry))
            messages.success(request, _("Votre commentaire est modifié."))
            return redirect(f"{entry.get_url(target)}#commentaire-{found.pk}")
    context = {
        **_comment_context(request, found, target, entry),
        "form": form,
        "refusal": refusal,
        "htmx": bool(request.htmx),
        "target_label": entry.label,
    }
    status = 200 if request.htmx or request.method == "GET" else (403 if refusal else 400)
    template = "discussions/_edit_form.html" if request.htmx else "discussions/edit.html"
    return render(request, template, context, status=status)

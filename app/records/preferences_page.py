"""The page /notifications/preferences: what the signed-in user receives, and their e-mail address
(the choices of app.notifications.preferences, through its service)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.permissions import Permission
from app.deps import Session
from app.notifications import preferences_service
from app.notifications.preferences import Channel
from app.notifications.words import words
from app.paths import API_PREFIX
from app.web import i18n
from app.web.access import forbidden_page, page_access
from app.web.templating import render, with_account

pages = APIRouter(include_in_schema=False)


@pages.get("/notifications/preferences", response_class=HTMLResponse)
async def preferences_page(request: Request, session: Session) -> Response:
    principal = await page_access(request, session, Permission.read)
    if isinstance(principal, Response):
        return principal
    if principal.kind != "user":  # a display key on the wall has no preferences
        return forbidden_page(request, principal)
    lang, chosen = i18n.pick_lang(request)
    root = request.scope.get("root_path", "")
    w = words(lang)
    prefs = await preferences_service.read(session, principal, lang)
    config = {
        "page": "notification-preferences",
        "root": root,
        "api": f"{root}{API_PREFIX}/notifications/preferences",
        "lang": lang,
        "words": w,
        "channels": [c.value for c in Channel],
    }
    context = {"w": w, "prefs": prefs, "channels": list(Channel), "root": root, "config": config}
    return render(
        request,
        "notification_preferences.html",
        lang,
        chosen,
        await with_account(session, principal, context),
    )

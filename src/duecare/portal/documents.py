"""Portal page to upload proof of income or hardship (issue 17): the body is counted while it streams in and the
read stops past the document limit (413, `web.limits` with `kit.bounds.UPLOAD_LIMITS`), before anything is
parsed; the file is then checked by its content and stored encrypted (`visits.documents`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from duecare.kit import clock
from duecare.kit.i18n import N_
from duecare.privacy.deps import DB, require
from duecare.privacy.permissions import Actor
from duecare.visits import alternatives
from duecare.visits import documents as docs
from duecare.web.errors import shown
from duecare.web.templating import render

router = APIRouter(prefix="/portal", tags=["portal"])
READ = Depends(require("portal.read"))
WRITE = Depends(require("portal.write"))


def _page(request: Request, db: Session, borrower_id: str, status: int = 200, **extra: object) -> Response:
    rules = alternatives.policy().documents
    return render(request, "portal/documents.html", status_code=status, files=docs.of_borrower(db, borrower_id),
                  kinds=docs.KINDS, max_mb=rules.max_bytes // (1024 * 1024), **extra)


@router.get("/documents")
def documents_page(request: Request, actor: Actor = READ, db: Session = DB) -> Response:
    return _page(request, db, actor.id)


async def _upload_form(request: Request) -> FormData:
    """The upload's form, read on the event loop; the body was bounded while it streamed in (web.limits:
    kit.bounds.UPLOAD_LIMITS for this path)."""
    return await request.form(max_files=1, max_fields=4)


UPLOAD_FORM = Depends(_upload_form)


# The body as the page sends it (one file, at most 4 parts: more is a 400 before the handler); that the file is a
# plain PDF, JPEG or PNG within the limits is read from its bytes.
DOCUMENT_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "additionalProperties": False,
    "properties": {"file": {"type": "string", "format": "binary"}, "kind": {"type": "string", "enum": list(docs.KINDS)},
                   "csrf_token": {"type": "string", "maxLength": 128}},
}}}}}


@router.post("/documents", openapi_extra=DOCUMENT_BODY)
def documents_upload(request: Request, actor: Actor = WRITE, form: FormData = UPLOAD_FORM,
                     db: Session = DB) -> Response:
    """A plain `def`: storing the document is database work, run in the threadpool (never on the event loop)."""
    rules = alternatives.policy().documents
    try:
        upload, kind = form.get("file"), str(form.get("kind") or "other")
        if not isinstance(upload, UploadFile):
            raise docs.DocumentRefused("no_file", N_("choose a file to upload"))
        data = upload.file.read(rules.max_bytes + 1)
        stored = docs.store(db, actor.id, kind, data, clock.now())
    except docs.DocumentRefused as exc:
        if "text/html" not in request.headers.get("accept", ""):
            raise  # the API's error answer (web.errors): its status, message and code
        return _page(request, db, actor.id, exc.status, error=shown(request, exc), code=exc.code)
    if "text/html" not in request.headers.get("accept", ""):
        return Response(status_code=201, media_type="application/json",
                        content=f'{{"id": "{stored.id}", "content_type": "{stored.content_type}", '
                                f'"size_bytes": {stored.size_bytes}}}')
    return RedirectResponse("/portal/documents?done=uploaded", status_code=303)

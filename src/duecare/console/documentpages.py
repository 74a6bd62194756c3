"""A borrower's uploaded proof, for staff with a need to know (issue 17): `documents.read` and the borrower in the
actor's scope (agents: assigned borrowers only); every read is audited. Served as a download, never inline."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session

from duecare.privacy.deps import DB, require
from duecare.privacy.permissions import Actor
from duecare.visits import documents as docs

router = APIRouter()
READ = Depends(require("documents.read"))
EXTENSION = {docs.PDF: "pdf", docs.JPEG: "jpg", docs.PNG: "png"}


@router.get("/documents/{document_id}")
def document_download(document_id: str, actor: Actor = READ, db: Session = DB) -> Response:
    content_type, data = docs.read_for(db, actor, document_id)
    return Response(data, media_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{document_id}.{EXTENSION[content_type]}"',
        "Content-Security-Policy": "default-src 'none'; sandbox"})

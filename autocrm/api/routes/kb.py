"""The knowledge base: articles and their translations, versions, categories, feedback and search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, UploadFile, status

from autocrm.api.deps import Credential, read, resource_id, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.routes.kb_media import MediaId, media_response
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services import kb
from autocrm.services.kb import (
    ArticleCreate,
    ArticleDiff,
    ArticlePublic,
    ArticleSummary,
    ArticleUpdate,
    ArticleVersionPublic,
    CategoryCreate,
    CategoryPublic,
    CategoryUpdate,
    FeedbackCreate,
    MissingTranslation,
    SearchResults,
    tutorials,
)
from autocrm.services.kb.tutorials import MediaPublic

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge base"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)

ArticleId = Annotated[int, resource_id("The article's id (one per language).")]
CategoryId = Annotated[int, resource_id("The category's id.")]
Locale = Annotated[str | None, Query(pattern=r"^[a-z]{2}(-[A-Z]{2})?$", description="A language such as `es`.")]


@router.get("/articles", summary="List articles")
async def list_articles(
    key: Credential,
    locale: Locale = None,
    category_id: Annotated[int | None, Query(ge=1)] = None,
    status_: Annotated[str | None, Query(alias="status", pattern="^(draft|published|archived)$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[ArticleSummary]:
    """Newest first, what the caller may read (customers: published public articles). With `locale`, each
    article once: in that language when translated, else in the desk's default one. `status` is for editors."""
    return await read(
        key,
        lambda session, actor: kb.list_articles(
            session, actor=actor, locale=locale, category_id=category_id, status=status_, limit=limit, offset=offset
        ),
    )


@router.post("/articles", status_code=status.HTTP_201_CREATED, summary="Write an article")
async def create_article(key: Credential, data: ArticleCreate, response: Response) -> ArticlePublic:
    """Admins and knowledge-base editors (scope `kb:write`). `body` is HTML, sanitized; `translation_of`
    links it to the article it translates. A published article is searchable within seconds."""
    created = await write(key, lambda session, actor: kb.create_article(session, actor=actor, data=data))
    response.headers["Location"] = f"{router.prefix}/articles/{created.id}"
    return created


@router.get("/articles/{article_id}", summary="Read an article")
async def get_article(key: Credential, article_id: ArticleId, locale: Locale = None) -> ArticlePublic:
    """With `locale`, its translation in that language when there is one the caller may read."""
    return await read(
        key, lambda session, actor: kb.get_article(session, actor=actor, article_id=article_id, locale=locale)
    )


@router.patch("/articles/{article_id}", summary="Change an article (a new version)")
async def update_article(key: Credential, article_id: ArticleId, data: ArticleUpdate) -> ArticlePublic:
    """Only the fields sent change. With `base_version`, refused (409) when a newer version was saved since."""
    return await write(
        key, lambda session, actor: kb.update_article(session, actor=actor, article_id=article_id, data=data)
    )


@router.delete("/articles/{article_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an article")
async def delete_article(key: Credential, article_id: ArticleId) -> Response:
    """Deletes this language's article with its versions and feedback; its translations stay."""
    await write(key, lambda session, actor: kb.delete_article(session, actor=actor, article_id=article_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/articles/{article_id}/versions", summary="An article's versions")
async def list_versions(key: Credential, article_id: ArticleId) -> list[ArticleVersionPublic]:
    """Newest first, each with its author; editors only."""
    return await read(key, lambda session, actor: kb.list_versions(session, actor=actor, article_id=article_id))


@router.get("/articles/{article_id}/diff", summary="What changed between two versions")
async def version_diff(
    key: Credential,
    article_id: ArticleId,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
) -> ArticleDiff:
    return await read(
        key,
        lambda session, actor: kb.version_diff(
            session, actor=actor, article_id=article_id, from_version=from_version, to_version=to_version
        ),
    )


@router.post("/articles/{article_id}/feedback", status_code=status.HTTP_204_NO_CONTENT, summary="Rate an article")
async def give_feedback(key: Credential, article_id: ArticleId, data: FeedbackCreate) -> Response:
    """Helpful or not, with an optional comment, by anyone who may read the article."""
    await write(key, lambda session, actor: kb.give_feedback(session, actor=actor, article_id=article_id, data=data))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/media", status_code=status.HTTP_201_CREATED, summary="Upload a tutorial step's image or video")
async def upload_media(key: Credential, file: UploadFile) -> MediaPublic:
    """Admins and knowledge-base editors (scope `kb:write`): a PNG, JPEG, GIF or WebP image, or an MP4 or WebM
    video, judged by its bytes. A step shows it with `"media": {"type": "image", "media_id": <id>}`; readers
    load it (at `src`) once an article they may read shows it."""
    data = file.file.read()
    filename = file.filename or ""
    return await write(
        key, lambda session, actor: tutorials.upload_media(session, actor=actor, filename=filename, data=data)
    )


@router.get(
    "/media/{media_id}",
    summary="Download a tutorial step's image or video",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file's bytes"},
        206: {"content": {"application/octet-stream": {}}, "description": "The range of bytes asked for"},
    },
)
async def download_media(
    key: Credential,
    media_id: MediaId,
    range_: Annotated[str | None, Header(alias="range")] = None,
    if_range: Annotated[str | None, Header(alias="if-range")] = None,
) -> Response:
    """With `Range: bytes=<first>-<last>`, that part (206); 416 for a range the file does not have. Editors
    read any upload; others those an article they may read shows."""
    found = await read(key, lambda session, actor: tutorials.read_media(session, actor=actor, media_id=media_id))
    return media_response(found, range_header=range_, if_range=if_range)


@router.get("/categories", summary="List categories")
async def list_categories(key: Credential) -> list[CategoryPublic]:
    return await read(key, lambda session, actor: kb.list_categories(session, actor=actor))


@router.post("/categories", status_code=status.HTTP_201_CREATED, summary="Add a category")
async def create_category(key: Credential, data: CategoryCreate) -> CategoryPublic:
    """Admins and knowledge-base editors; `parent_id` nests it."""
    return await write(key, lambda session, actor: kb.create_category(session, actor=actor, data=data))


@router.patch("/categories/{category_id}", summary="Rename or move a category")
async def update_category(key: Credential, category_id: CategoryId, data: CategoryUpdate) -> CategoryPublic:
    """Only the fields sent change; `parent_id: null` moves it to the top. Never under itself or one of its own
    sub-categories (422)."""
    return await write(
        key, lambda session, actor: kb.update_category(session, actor=actor, category_id=category_id, data=data)
    )


@router.delete("/categories/{category_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a category")
async def delete_category(key: Credential, category_id: CategoryId) -> Response:
    """Only an empty one: refused (409, with the count) while articles or sub-categories are in it."""
    await write(key, lambda session, actor: kb.delete_category(session, actor=actor, category_id=category_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/translations/missing", summary="Articles not yet translated into a language")
async def missing_translations(
    key: Credential, locale: Annotated[str, Query(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
) -> list[MissingTranslation]:
    """Published articles with no translation in `locale`: the editors' to-do list."""
    return await read(key, lambda session, actor: kb.missing_translations(session, actor=actor, locale=locale))


@router.get("/search", summary="Search the knowledge base")
async def search(
    key: Credential,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    locale: Locale = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    cross_locale: Annotated[bool, Query(description="Search articles in every language.")] = False,
) -> SearchResults:
    """Keyword and semantic search fused: articles best first, each with its best passage as the snippet
    (HTML-escaped text, the query's words in `<mark>`). Customers find public articles only."""
    return await read(
        key,
        lambda session, actor: kb.search(
            session, actor=actor, q=q, locale=locale, limit=limit, cross_locale=cross_locale
        ),
    )

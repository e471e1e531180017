"""The API's interactive docs (Swagger UI) with every asset served by the app itself.

FastAPI's default docs page loads Swagger UI's script from a CDN, unpinned, into the app's origin. Here the
script, CSS and icon come from the installed `fastapi-offline` package (a pinned Swagger UI 5 build), so the
page works offline and runs only code that was installed with the app.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from autocrm.api.security_headers import DOCS_PATH

DOCS_ASSETS_PATH = f"{DOCS_PATH}/assets"
SWAGGER_UI_DIR = Path(str(files("fastapi_offline") / "static"))


def install_docs(api: FastAPI) -> None:
    """Serve the docs page at DOCS_PATH and its assets beside it (the app is built with `docs_url=None`)."""
    openapi_url = api.openapi_url or "/openapi.json"
    api.mount(DOCS_ASSETS_PATH, StaticFiles(directory=SWAGGER_UI_DIR), name="docs-assets")

    @api.get(DOCS_PATH, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{api.title} - docs",
            swagger_js_url=f"{DOCS_ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS_PATH}/favicon.png",
            # No "valid" badge fetched from validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )

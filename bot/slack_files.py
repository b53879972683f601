"""Downloading uploaded files from Slack without leaking the bot token.

The token goes only to the Web API host (`SLACK_API_URL`) and Slack's own file hosts;
a file URL on any other host is refused, redirects included. Slack answers a download
made without `files:read` with its HTML sign-in page and status 200, so HTML where a
document was expected is reported as that missing scope.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import aiohttp

SLACK_FILE_HOSTS = frozenset(
    {
        "files.slack.com",
        "files-origin.slack.com",
        "files-edu.slack.com",
        "slack-files.com",
        "files.slack-gov.com",
    }
)
_MAX_REDIRECTS = 3


class DownloadRefused(Exception):
    """The file cannot be fetched for a reason the user (or an admin) must fix."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def token_may_go_to(url: str, api_url: str) -> bool:
    parts, api = urlsplit(url), urlsplit(api_url)
    if parts.hostname is None:
        return False
    if (parts.scheme, parts.hostname, parts.port) == (api.scheme, api.hostname, api.port):
        return True
    return parts.scheme == "https" and parts.hostname in SLACK_FILE_HOSTS


async def download(
    session: aiohttp.ClientSession,
    url: str,
    *,
    token: str,
    api_url: str,
    max_bytes: int,
    filename: str,
) -> bytes:
    """The file's bytes; `DownloadRefused` for what retrying cannot fix, aiohttp errors
    (and `ConnectionError` on 5xx) for what it may."""
    for _ in range(_MAX_REDIRECTS + 1):
        if not token_may_go_to(url, api_url):
            raise DownloadRefused(
                "untrusted_host",
                f"I won't download “{filename}”: its address is not on a Slack file host.",
            )
        headers = {"Authorization": f"Bearer {token}"}
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            if response.status in (301, 302, 303, 307, 308) and "Location" in response.headers:
                url = urljoin(url, response.headers["Location"])
                continue
            if response.status >= 500 or response.status == 429:
                raise ConnectionError(f"Slack file download answered {response.status}")
            if response.status != 200:
                raise DownloadRefused(
                    "download_failed",
                    f"Slack refused the download of “{filename}” ({response.status}).",
                )
            data = await _read_capped(response, max_bytes, filename)
            if _is_html(response.headers.get("Content-Type", ""), data):
                raise DownloadRefused(
                    "missing_scope",
                    f"I couldn't download “{filename}”: Slack sent a sign-in page instead. "
                    "The app needs the files:read scope; ask a workspace admin to add it "
                    "and reinstall the app.",
                )
            return data
    raise DownloadRefused("download_failed", f"Too many redirects downloading “{filename}”.")


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int, filename: str) -> bytes:
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size > max_bytes:
            raise DownloadRefused(
                "too_large",
                f"“{filename}” is larger than {max_bytes // (1024 * 1024)} MB, "
                "the most I review. Split it or upload a smaller version.",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _is_html(content_type: str, data: bytes) -> bool:
    head = data[:512].lstrip().lower()
    return "text/html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html"))

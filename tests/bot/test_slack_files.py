"""Downloading Slack files: the token stays on Slack's hosts; sign-in pages are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.slack_files import DownloadRefused, download, token_may_go_to
from tests.fakes.slack_api import FakeSlack

TOKEN = "xoxb-test"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(bot_token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _download(http: aiohttp.ClientSession, slack: FakeSlack, file_id: str, **kw) -> bytes:
    url = slack.file_object(file_id)["url_private_download"]
    options = {"token": TOKEN, "api_url": slack.api_url, "max_bytes": 1024, "filename": "x"}
    return await download(http, url, **{**options, **kw})


def test_token_goes_only_to_the_api_host_and_slack_file_hosts() -> None:
    api = "http://127.0.0.1:8123/api/"
    assert token_may_go_to("http://127.0.0.1:8123/files/F1/a.pdf", api)
    assert token_may_go_to("https://files.slack.com/files-pri/T1-F1/a.pdf", api)
    assert not token_may_go_to("http://127.0.0.1:9999/files/F1/a.pdf", api)
    assert not token_may_go_to("http://files.slack.com/files-pri/T1-F1/a.pdf", api)
    assert not token_may_go_to("https://files.slack.com.evil.example/a.pdf", api)
    assert not token_may_go_to("https://evil.example.com/files.slack.com/a.pdf", api)


async def test_download_returns_the_bytes(slack: FakeSlack, http: aiohttp.ClientSession) -> None:
    slack.add_file("F1", "spec.md", b"# Spec\n\nBody.")
    assert await _download(http, slack, "F1") == b"# Spec\n\nBody."


async def test_sign_in_page_means_missing_files_read(
    slack: FakeSlack, http: aiohttp.ClientSession
) -> None:
    slack.add_file("F2", "spec.pdf", b"%PDF-1.7", login_page=True)
    with pytest.raises(DownloadRefused) as refused:
        await _download(http, slack, "F2")
    assert refused.value.reason == "missing_scope"
    assert "files:read" in refused.value.message


async def test_foreign_host_never_receives_the_token(
    slack: FakeSlack, http: aiohttp.ClientSession
) -> None:
    slack.add_file("F3", "spec.pdf", b"%PDF-1.7", url_host="https://evil.example.com")
    with pytest.raises(DownloadRefused) as refused:
        await _download(http, slack, "F3")
    assert refused.value.reason == "untrusted_host"


async def test_oversized_download_stops_at_the_cap(
    slack: FakeSlack, http: aiohttp.ClientSession
) -> None:
    slack.add_file("F4", "big.txt", b"x" * 5000)
    with pytest.raises(DownloadRefused) as refused:
        await _download(http, slack, "F4", max_bytes=1000)
    assert refused.value.reason == "too_large"

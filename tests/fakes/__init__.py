"""Fakes of external services, reached over HTTP through the real SDKs.

The identifiers below are shared by the fake Slack API and the request builders so that an
event built for "our" workspace names the same team, app and bot that ``auth.test`` reports.
"""

TEAM_ID = "T1"
TEAM_DOMAIN = "docsense-test"
API_APP_ID = "A1"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
USER_ID = "U1"

"""The GitHub gateway: every call the worker makes to GitHub goes through here.

`protocol` says what the worker may ask (`GitHubGateway` for one installation, `GitHubApp` for the App
itself) and the frozen answers; `githubkit_gateway` implements it. Errors are githubkit's and go
through `bot.errors.classify`.
"""

from bot.github.githubkit_gateway import GitHubKitApp, GitHubKitGateway
from bot.github.metering import RequestObserver
from bot.github.pacing import WritePacer, WritePacing
from bot.github.protocol import (
    AppInfo,
    CheckConclusion,
    CheckStatus,
    Comment,
    Delivery,
    DeliveryPage,
    DiffTooLarge,
    GitHubApp,
    GitHubGateway,
    InlineComment,
    IssueRef,
    PullInfo,
    Tree,
)
from bot.github.retry import ShortRetry

__all__ = [
    "AppInfo",
    "CheckConclusion",
    "CheckStatus",
    "Comment",
    "Delivery",
    "DeliveryPage",
    "DiffTooLarge",
    "GitHubApp",
    "GitHubGateway",
    "GitHubKitApp",
    "GitHubKitGateway",
    "InlineComment",
    "IssueRef",
    "PullInfo",
    "RequestObserver",
    "ShortRetry",
    "Tree",
    "WritePacer",
    "WritePacing",
]

"""One review of one pull request at one head: read its inputs, run the rules, publish, close the check run.

The check run is created (or taken up from an unfinished try of the same job) as soon as the pull request is
known to still be at the head asked for, and every ending completes it: the review's conclusion, "too large",
a neutral run that says what went wrong, or, when the head moved on meanwhile, a neutral run that says so.
Publishing goes inline comments, then the sticky summary, then the check run (completed last: a retried job
finds its comments already posted, by fingerprint, and its check run still open, with the annotation batches
it was sent counted). What was commented is known twice over: recorded in the database, and marked in the
App's own comments on GitHub, so a lost or restored database does not bring a second comment on the same debt.
"""

from __future__ import annotations

import asyncio
import dataclasses
from bisect import bisect_right
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any

from arq import Retry
from githubkit.exception import RequestFailed

from bot.db import store
from bot.db.models import CommentKind, PullRequestState
from bot.errors import Bug, Ignore, RetryLater, TellUser, classify
from bot.github import GitHubGateway, InlineComment, PullInfo
from bot.jobs import ReviewRequest
from bot.ledger import acceptances
from bot.ledger.reach import reach_of
from bot.logging import get_logger
from bot.metrics import count_finding
from bot.publish.check_run import CHECK_NAME, CheckRunReport, incomplete, review_report, started, too_large
from bot.publish.comments import CommentPlan, choose_comments, parse_markers, posted_fingerprints, review_payload
from bot.publish.links import Links
from bot.publish.sticky import (
    PostedComment,
    StickyAction,
    StickyMode,
    find_sticky,
    resolved_body,
    should_post,
    sticky_body,
)
from bot.review_inputs import ReviewInputs, TooLargeToReviewError, read_inputs
from bot.worker_context import Outcome, WorkerDeps
from checks.diff import DiffError
from checks.runner import ReviewResult, review

log = get_logger(__name__)

#: GitHub's login for a deleted account: what a pull request without a user is recorded under.
GHOST = "ghost"


@dataclass(frozen=True)
class EngineRun:
    """The rules' verdict on a change, what they read, and the reach of each path with debt added or paid."""

    inputs: ReviewInputs
    result: ReviewResult
    reach: Mapping[str, int]


async def review_pull(deps: WorkerDeps, gateway: GitHubGateway, pull: PullInfo, *, repo_id: int) -> EngineRun:
    """Read a pull request's inputs and run the rules on them; nothing is published (the caller decides)."""
    options = deps.options
    inputs = await read_inputs(
        gateway,
        pull,
        today=datetime.now(UTC).date(),
        budget=options.text_budget,
        max_listed_files=options.max_listed_files,
    )
    return await run_engine(deps, inputs, repo_id=repo_id)


async def run_engine(deps: WorkerDeps, inputs: ReviewInputs, *, repo_id: int) -> EngineRun:
    """Run the rules on a change's inputs, the repository's `/debtbot accept`ed debt taken as accepted."""
    log.info(
        "review_inputs_read",
        files=len(inputs.diff),
        texts=len(inputs.snapshot.texts),
        files_api=inputs.from_files_api,
        config_errors=len(inputs.config.errors),
    )
    today = inputs.snapshot.today or datetime.now(UTC).date()
    async with deps.sessions() as session:
        accepted = acceptances.config_entries(await acceptances.active(session, repo_id, today))
    inputs = dataclasses.replace(inputs, config=acceptances.with_accepted(inputs.config, accepted))
    # The rules are CPU work: in a thread, so the worker's other jobs and its health check keep going.
    return await asyncio.to_thread(_run_rules, inputs)


def _run_rules(inputs: ReviewInputs) -> EngineRun:
    result = review(inputs.diff, snapshot=inputs.snapshot, config=inputs.config)
    paths = {f.path for f in (*result.findings, *result.paid)}
    reach = reach_of(paths, tree=inputs.snapshot.tree, texts=inputs.snapshot.texts)
    return EngineRun(inputs=inputs, result=result, reach=reach)


class PullRequestReview:
    """One try of one review job; remembers the run and check run it opened so that every ending can close them."""

    def __init__(self, deps: WorkerDeps, request: ReviewRequest, *, job_id: str, attempt: int) -> None:
        self.deps = deps
        self.request = request
        self.job_id = job_id
        self.attempt = attempt
        self.repo = request.repo_full_name
        self.gateway: GitHubGateway = deps.github.gateway_for(request.installation_id)
        self.links = Links(
            repo=self.repo,
            head_sha=request.head_sha,
            base_ref=request.base_ref,
            head_ref=request.head_sha,
            github_url=deps.settings.github_url,
        )
        self.run_id: int | None = None
        self.check_run_id: int | None = None
        #: Annotation batches of the review's report the check run holds (an earlier try may have sent some).
        self.batches_sent = 0
        #: An earlier try of this job did not finish: what it published is not published again.
        self.resumed = False

    @property
    def check_url(self) -> str | None:
        if self.check_run_id is None:
            return None
        return f"{self.deps.settings.github_url}/{self.repo}/runs/{self.check_run_id}"

    async def run(self) -> Outcome:
        """Review and publish; raises `arq.Retry` to be tried again later, or the error of a bug."""
        deadline = asyncio.timeout(self.deps.options.review_deadline)
        try:
            async with deadline:
                return await self._review()
        except TooLargeToReviewError as refused:
            log.info("review_too_large", reason=str(refused))
            await self._conclude(too_large(self.links, reason=str(refused)), error=str(refused))
            return Outcome.TOLD_USER
        except DiffError as unreadable:
            reason = f"the diff GitHub sent could not be read: {unreadable}"
            log.warning("review_diff_unreadable", reason=reason)
            await self._conclude(incomplete(self.links, reason=reason), error=reason)
            return Outcome.TOLD_USER
        except TimeoutError as late:
            if not deadline.expired():
                return await self._failed(late)
            reason = f"the review took longer than {self.deps.options.review_deadline:.0f} seconds"
            log.error("review_timed_out", reason=reason)
            await self._conclude(incomplete(self.links, reason=reason), error=reason)
            return Outcome.FAILED
        except Exception as failure:  # noqa: BLE001 - every other failure goes through the classifier
            return await self._failed(failure)

    async def _failed(self, failure: Exception) -> Outcome:
        verdict = classify(failure, attempt=self.attempt)
        if isinstance(verdict, RetryLater):
            if self.attempt < self.deps.options.max_tries:
                log.warning("review_retry_later", reason=verdict.reason, defer=verdict.seconds)
                raise Retry(defer=self.deps.options.defer(verdict.seconds)) from failure
            reason = f"GitHub kept failing ({self.attempt} tries): {verdict.reason}"
            log.error("review_gave_up", reason=reason)
            await self._conclude(incomplete(self.links, reason=reason), error=reason)
            return Outcome.FAILED
        if isinstance(verdict, Ignore):
            log.info("review_ignored", reason=verdict.reason)
            await self._conclude(incomplete(self.links, reason=verdict.reason), error=verdict.reason)
            return Outcome.IGNORED
        if isinstance(verdict, TellUser):
            log.warning("review_refused", reason=verdict.message)
            report = (
                too_large(self.links, reason=verdict.message)
                if verdict.too_large
                else incomplete(self.links, reason=verdict.message)
            )
            await self._conclude(report, error=verdict.message)
            return Outcome.TOLD_USER
        assert isinstance(verdict, Bug)
        log.error("review_bug", reason=verdict.reason)
        await self._conclude(
            incomplete(self.links, reason="debtbot failed unexpectedly; the error is in its logs"), error=verdict.reason
        )
        raise failure

    async def _review(self) -> Outcome:
        pull = await self.gateway.get_pull(self.repo, self.request.pr_number)
        if pull.head_sha != self.request.head_sha:
            log.info("review_skipped_head_moved", current_head=pull.head_sha)
            await self._close_earlier_try(
                f"the pull request moved on to commit {pull.head_sha[:12]}, reviewed on its own"
            )
            return Outcome.IGNORED
        if pull.state != "open":
            log.info("review_skipped_not_open", state=pull.state)
            await self._close_earlier_try(f"the pull request is {pull.state}")
            return Outcome.IGNORED
        self.links = Links(
            repo=self.repo,
            head_sha=pull.head_sha,
            base_ref=pull.base_ref,
            head_ref=pull.head_ref,
            github_url=self.deps.settings.github_url,
        )
        await self._start(pull)
        await self._publish(await review_pull(self.deps, self.gateway, pull, repo_id=self.request.repo_id))
        return Outcome.SUCCESS

    async def _earlier_try(self) -> store.UnfinishedRun | None:
        """The run of an earlier try of this job that did not finish (a retry, a worker stopped)."""
        async with self.deps.sessions.begin() as session:
            return await store.unfinished_run(session, self.job_id)

    async def _close_earlier_try(self, reason: str) -> None:
        """Nothing to review any more: an earlier try's check run must not stay in progress."""
        earlier = await self._earlier_try()
        if earlier is None:
            return
        self.run_id, self.check_run_id = earlier.id, earlier.check_run_id
        await self._conclude(incomplete(self.links, reason=reason), error=reason)

    async def _start(self, pull: PullInfo) -> None:
        """Record the pull request and the run, and show the check run in progress (reusing an unfinished try's)."""
        request = self.request
        earlier = await self._earlier_try()
        self.resumed = earlier is not None
        async with self.deps.sessions.begin() as session:
            await store.upsert_pull_request(
                session,
                repo_id=request.repo_id,
                number=pull.number,
                author=pull.author or GHOST,
                base_ref=pull.base_ref,
                head_sha=pull.head_sha,
                state=PullRequestState.OPEN,
            )
            self.run_id = await store.start_review_run(
                session,
                repo_id=request.repo_id,
                pr_number=pull.number,
                head_sha=pull.head_sha,
                job_id=self.job_id,
                trigger_delivery_id=request.delivery_id,
            )
        left_open = None if earlier is None else earlier.check_run_id
        if earlier is not None and left_open is None:
            # The earlier try may have opened the check run and lost its id (the database went away just after
            # GitHub created it): GitHub finds it by the run's id, given as its external id.
            left_open = await self.gateway.find_check_run(self.repo, pull.head_sha, CHECK_NAME, str(self.run_id))
            if left_open is not None:
                async with self.deps.sessions.begin() as session:
                    await store.set_check_run(session, self.run_id, left_open)
        if earlier is not None and left_open is not None:
            # An earlier try of this job (a retry, or a worker stopped mid-review) left its check run open.
            self.check_run_id = left_open
            self.batches_sent = earlier.annotation_batches_sent
            log.info("review_resumed", check_run_id=self.check_run_id, annotation_batches_sent=self.batches_sent)
            return
        body = started(pull.head_sha)
        self.check_run_id = await self.gateway.create_check_run(
            self.repo, pull.head_sha, CHECK_NAME, "in_progress", output=body["output"], external_id=str(self.run_id)
        )
        async with self.deps.sessions.begin() as session:
            await store.set_check_run(session, self.run_id, self.check_run_id)
        log.info("review_started", check_run_id=self.check_run_id, run_id=self.run_id)

    async def _publish(self, engine: EngineRun) -> None:
        """Inline comments, then the sticky summary, then the check run (completed last: it says the review is done)."""
        result, inputs = engine.result, engine.inputs
        config = inputs.config.config
        async with self.deps.sessions.begin() as session:
            recorded = await store.posted_fingerprints(session, self.request.repo_id, self.request.pr_number)

        def plan_for(posted: Collection[str]) -> CommentPlan:
            return choose_comments(
                result.findings, inputs.diff, self.links, posted=posted, max_inline=config.comments.max_inline
            )

        plan = plan_for(recorded)
        try:
            if plan.comments:
                # The database may not know everything the App commented (lost, restored from a backup): its
                # comments on GitHub say the rest. Asked only when there is something to comment.
                ours = await self._our_inline_comments()
                on_github = posted_fingerprints(c.body for c in ours)
                if not on_github <= recorded:
                    plan = plan_for(recorded | on_github)
                if self.resumed and any(c.commit_id == self.request.head_sha for c in ours):
                    # An earlier try of this job posted its review: the rest of the debt waits for the next
                    # head, as it would have, rather than a second review of this one.
                    plan = plan.held_back()
            plan = await self._post_review(plan)
            await self._post_sticky(result, plan, config.comments.sticky_summary)
        except RequestFailed as refused:
            # Comments GitHub will not take (a locked conversation, a missing permission) do not sink the
            # review: the check run still reports every finding. A passing failure retries the job.
            verdict = classify(refused, attempt=self.attempt)
            if isinstance(verdict, Ignore):
                log.warning("review_comments_not_posted", reason=verdict.reason)
            elif isinstance(verdict, TellUser):
                log.warning("review_comments_not_posted", reason=verdict.message)
            else:
                raise
        report = review_report(result, self.links, policy=config.policy, diff=inputs.diff)
        async with self.deps.sessions.begin() as session:
            await store.save_result(session, self._run_id(), result, engine.reach)
        await self._send(report)
        async with self.deps.sessions.begin() as session:
            await store.finish_review_run(
                session,
                self._run_id(),
                conclusion=report.conclusion.value,
                findings_count=len(result.findings),
                paid_count=len(result.paid),
                effort_minutes=result.verdict.new_minutes,
            )
        for finding in result.findings:
            count_finding(finding.category.value, finding.rule)
        log.info(
            "review_published",
            conclusion=report.conclusion.value,
            findings=len(result.findings),
            paid=len(result.paid),
            inline_comments=len(plan.comments),
            already_posted=plan.already_posted,
            annotations=len(report.annotations),
        )

    def _run_id(self) -> int:
        if self.run_id is None:
            raise RuntimeError("the review run was not started")
        return self.run_id

    async def _our_login(self) -> str:
        return (await self.gateway.app_login()).lower()

    async def _our_inline_comments(self) -> list[InlineComment]:
        """The App's own inline comments on the pull request.

        Only the App's: a fingerprint marker pasted into anyone else's comment must not keep debt from being
        commented.
        """
        ours = await self._our_login()
        comments = await self.gateway.list_review_comments(self.repo, self.request.pr_number)
        return [c for c in comments if c.author is not None and c.author.lower() == ours]

    async def _post_review(self, plan: CommentPlan) -> CommentPlan:
        """One review with the plan's inline comments (none: no review). GitHub refusing an anchor: post without them.

        GitHub's 422 does not say which comment it could not place, so all of this review's inline comments
        are dropped; the check run's annotations still show every finding, and the dropped ones are tried
        again on the next head (they are not recorded as posted).
        """
        if not plan.comments:
            return plan
        try:
            review_id = await self._create_review(plan)
        except RequestFailed as refused:
            verdict = classify(refused, attempt=self.attempt)
            if not (isinstance(verdict, TellUser) and verdict.bad_anchor):
                raise
            log.warning("review_comments_refused", reason=verdict.message, dropped=len(plan.comments))
            plan = plan.without(range(len(plan.comments)))
            await self._create_review(plan)
            return plan
        ids = await self._comment_ids(review_id)
        unlisted = 0
        async with self.deps.sessions.begin() as session:
            for comment in plan.comments:
                comment_id = ids.get(comment.fingerprint)
                if comment_id is None:
                    unlisted += 1  # still found on GitHub by its marker before the next review comments
                    continue
                await store.record_posted_comment(
                    session,
                    repo_id=self.request.repo_id,
                    pr_number=self.request.pr_number,
                    comment_id=comment_id,
                    kind=CommentKind.INLINE,
                    fingerprint=comment.fingerprint,
                )
        if unlisted:
            log.warning("review_comment_ids_not_listed", review_id=review_id, comments=unlisted)
        return plan

    async def _comment_ids(self, review_id: int) -> dict[str, int]:
        """Each fingerprint the review commented, with its comment's own id (GitHub's answer to the review has none)."""
        comments = await self.gateway.list_review_comments(self.repo, self.request.pr_number)
        return {
            fingerprint: comment.id
            for comment in comments
            if comment.review_id == review_id
            for fingerprint in parse_markers(comment.body)
        }

    async def _create_review(self, plan: CommentPlan) -> int:
        payload = review_payload(plan, self.request.head_sha, check_url=self.check_url)
        return await self.gateway.create_review(
            self.repo, self.request.pr_number, payload["commit_id"], payload["body"], payload["comments"]
        )

    async def _post_sticky(self, result: ReviewResult, plan: CommentPlan, mode: StickyMode) -> None:
        """Create, update or resolve the one summary comment, as `comments.sticky_summary` says."""
        if mode == "never":
            return
        existing = await self._sticky_id()
        action = should_post(mode, result.conclusion, existing is not None)
        if action is StickyAction.NOTHING:
            return
        if action is StickyAction.RESOLVE:
            body = resolved_body(result, self.links, check_url=self.check_url)
        else:
            body = sticky_body(result, self.links, plan=plan, check_url=self.check_url)
        comment_id: int | None = None
        if existing is not None:
            try:
                comment_id = (await self.gateway.update_issue_comment(self.repo, existing, body)).id
            except RequestFailed as failed:
                if failed.response.status_code != 404:
                    raise
                log.info("sticky_comment_gone", comment_id=existing)  # deleted by someone
                if action is StickyAction.RESOLVE:
                    return  # nothing to resolve any more
        if comment_id is None:
            comment_id = (await self.gateway.create_issue_comment(self.repo, self.request.pr_number, body)).id
        async with self.deps.sessions.begin() as session:
            await store.record_posted_comment(
                session,
                repo_id=self.request.repo_id,
                pr_number=self.request.pr_number,
                comment_id=comment_id,
                kind=CommentKind.STICKY,
            )
        log.info("sticky_comment_published", action=action.value, comment_id=comment_id)

    async def _sticky_id(self) -> int | None:
        """The summary comment's id: as recorded, else found by its marker among the App's comments."""
        async with self.deps.sessions.begin() as session:
            known = await store.sticky_comment_id(session, self.request.repo_id, self.request.pr_number)
        if known is not None:
            return known
        comments = await self.gateway.list_issue_comments(self.repo, self.request.pr_number)
        # Only the App's own comment: anyone quoting the marker must not have their comment edited.
        ours = await self._our_login()
        mine = [PostedComment(c.id, c.body, c.author) for c in comments if c.author and c.author.lower() == ours]
        return find_sticky(mine)

    async def _send(self, report: CheckRunReport) -> None:
        """The check run's updates in order (annotations 50 a request); the last one completes it.

        Each update appends its batch of annotations, so the batches an earlier try of this job sent are not
        sent again (the completing update then goes without its batch); each one sent is counted at once.
        """
        if self.check_run_id is None:
            raise RuntimeError("no check run to report to")
        if self.resumed and self.batches_sent < len(report.batches()):
            await self._count_held_batches(report, self.check_run_id)
        for index, body in enumerate(report.updates()):
            output: dict[str, Any] | None = body.get("output")
            batch = bool(output and output.get("annotations"))
            if batch and index < self.batches_sent:
                if body.get("status") != "completed":
                    continue
                output = {key: value for key, value in (output or {}).items() if key != "annotations"}
            await self.gateway.update_check_run(
                self.repo,
                self.check_run_id,
                name=body.get("name"),
                status=body.get("status"),
                conclusion=body.get("conclusion"),
                output=output,
            )
            if batch and index >= self.batches_sent:
                await self._count_batches(index + 1)

    async def _count_held_batches(self, report: CheckRunReport, check_run_id: int) -> None:
        """Count the batches the check run holds that no try counted: GitHub made the update, then answered 5xx
        (the update is not retried within the request: `bot.github.retry.appends_annotations`)."""
        held = await self.gateway.check_run_annotations(self.repo, check_run_id)
        sizes = list(accumulate(len(batch) for batch in report.batches()))
        batches = bisect_right(sizes, held)  # the first batches whose annotations add up to no more than held
        if batches > self.batches_sent:
            log.info("annotation_batches_found", held=held, batches=batches, counted=self.batches_sent)
            await self._count_batches(batches)

    async def _count_batches(self, sent: int) -> None:
        self.batches_sent = sent
        if self.run_id is not None:
            async with self.deps.sessions.begin() as session:
                await store.record_annotation_batches(session, self.run_id, sent)

    async def _conclude(self, report: CheckRunReport, *, error: str) -> None:
        """Complete the check run (if one was opened) and the run with `report`; a failure here is only logged.

        The error that ended the review is what the job reports; failing to say so on GitHub must not hide it.
        """
        if self.check_run_id is not None:
            try:
                await self._send(report)
            except Exception:
                log.exception("check_run_not_completed", check_run_id=self.check_run_id)
        if self.run_id is not None:
            try:
                async with self.deps.sessions.begin() as session:
                    await store.finish_review_run(
                        session, self.run_id, conclusion=report.conclusion.value, error=error[:2000]
                    )
            except Exception:
                log.exception("review_run_not_finished", run_id=self.run_id)

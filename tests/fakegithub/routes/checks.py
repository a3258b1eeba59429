"""Check runs: created on a commit, updated with annotations that accumulate across requests."""

from __future__ import annotations

from typing import Any

from tests.fakegithub.errors import GitHubError, not_found
from tests.fakegithub.routes.context import Call, Route
from tests.fakegithub.state import CheckRun, iso
from tests.fakegithub.wire import Response, paginate


def _known_commit(call: Call, sha: str) -> bool:
    repo = call.repository
    if sha in repo.commits:
        return True
    return any(
        sha in (pr.head_sha, pr.base_sha, *pr.files_at) for pr in call.world.pulls.values() if pr.repo == repo.full_name
    )


def _annotation_problems(annotations: list[dict[str, Any]]) -> list[str]:
    problems = []
    for index, note in enumerate(annotations):
        if note["start_line"] > note["end_line"]:
            problems.append(f"output/annotations/{index}: start_line is after end_line")
        columns = "start_column" in note or "end_column" in note
        if columns and note["start_line"] != note["end_line"]:
            # GitHub: "Annotations only support start_column and end_column on the same line."
            problems.append(f"output/annotations/{index}: columns are only allowed when start_line == end_line")
    return problems


def _apply(call: Call, run: CheckRun, body: dict[str, Any]) -> None:
    problems = _annotation_problems(body.get("output", {}).get("annotations", []))
    if problems:
        raise GitHubError(422, "Invalid request.\n\n" + "\n".join(problems), documentation_url=call.docs_url)
    if "conclusion" in body:
        # GitHub: "Providing conclusion will automatically set the status parameter to completed."
        run.status, run.conclusion = "completed", body["conclusion"]
        run.completed_at = body.get("completed_at", iso(call.now))
    elif body.get("status") == "completed":
        raise GitHubError(422, 'Invalid request.\n\n"conclusion" wasn\'t supplied.', documentation_url=call.docs_url)
    elif "status" in body:
        run.status = body["status"]
    for key in ("name", "details_url", "external_id", "started_at"):
        if key in body:
            setattr(run, key, body[key])
    if "output" in body:
        output = body["output"]
        run.output = {k: output[k] for k in ("title", "summary", "text") if k in output}
        # Each request's annotations are added to the run's: this is how more than 50 get there.
        run.annotations += output.get("annotations", [])
    if "actions" in body:
        run.actions = body["actions"]
    run.bodies.append(body)


def create_check_run(call: Call) -> Response:
    body: dict[str, Any] = call.body
    if not _known_commit(call, body["head_sha"]):
        raise GitHubError(422, f"No commit found for SHA: {body['head_sha']}", documentation_url=call.docs_url)
    run = CheckRun(
        id=call.world.next_id(),
        repo=call.repository.full_name,
        head_sha=body["head_sha"],
        name=body["name"],
        status="queued",
        conclusion=None,
        started_at=iso(call.now),
        completed_at=None,
        details_url=None,
        external_id=None,
    )
    _apply(call, run, body)
    call.world.check_runs[run.id] = run
    return Response(201, call.render.check_run(run))


def _check_run(call: Call) -> CheckRun:
    run = call.world.check_runs.get(int(call.params["check_run_id"]))
    if run is None or run.repo != call.repository.full_name:
        raise not_found(call.docs_url)
    return run


def get_check_run(call: Call) -> Response:
    return Response(200, call.render.check_run(_check_run(call)))


def update_check_run(call: Call) -> Response:
    run = _check_run(call)
    _apply(call, run, call.body or {})
    return Response(200, call.render.check_run(run))


def list_for_ref(call: Call) -> Response:
    """A commit's check runs, newest first: by `check_name`, `status` and `app_id`; `filter=latest` (the default)
    keeps the newest run of each name."""
    ref = call.params["ref"]
    sha = call.repository.resolve(ref) or ref
    if not _known_commit(call, sha):
        raise GitHubError(422, f"No commit found for SHA: {ref}", documentation_url=call.docs_url)
    runs = sorted(
        (r for r in call.world.check_runs.values() if r.repo == call.repository.full_name and r.head_sha == sha),
        key=lambda r: r.id,
        reverse=True,
    )
    name, status, app_id = call.query.get("check_name"), call.query.get("status"), call.query.get("app_id")
    runs = [
        r for r in runs if name in (None, r.name) and status in (None, r.status) and app_id in (None, call.world.app.id)
    ]
    if call.query.get("filter", "latest") == "latest":
        newest: dict[str, CheckRun] = {}
        for run in runs:
            newest.setdefault(run.name, run)
        runs = list(newest.values())
    page = paginate([call.render.check_run(r) for r in runs], url=call.url(), query=call.query)
    body = {"total_count": len(runs), "check_runs": page.items}
    return Response(200, body, headers={"link": page.link} if page.link else {})


ROUTES = {
    "checks/create": Route(create_check_run, (("checks", "write"),)),
    "checks/update": Route(update_check_run, (("checks", "write"),)),
    "checks/get": Route(get_check_run, (("checks", "read"),)),
    "checks/list-for-ref": Route(list_for_ref, (("checks", "read"),)),
}

"""What debtbot publishes on a pull request, built from a review: pure functions, no HTTP.

`check_run` builds the check run (summary, annotations in batches of 50), `comments` the inline review
comments (valid anchors only, deduplicated by a hidden fingerprint marker), `sticky` the one summary
comment kept up to date. The gateway (bot/github.py) sends what these build.
"""

#!/usr/bin/python3
"""Runs one git client library against a server repository and prints what happened, as JSON.

    other_clients.py <dulwich|pygit2> <url> <work folder>

Operations: clone, fetch, shallow clone, push of a new branch, force push, branch deletion,
tag push. Each records "ok" or the client's error; commits are deterministic (fixed names,
dates and contents), so both servers see the same objects. Used by OtherClientsTest.
"""
import json
import os
import sys
import traceback

client, url, work = sys.argv[1], sys.argv[2], sys.argv[3]
results = {}


def attempt(name, fn):
    try:
        fn()
        results[name] = "ok"
    except Exception as e:  # the client's own error is the result
        results[name] = "error: " + (str(e).splitlines() or [type(e).__name__])[0][:200]


def with_dulwich():
    from dulwich import porcelain
    from dulwich.repo import Repo
    path = os.path.join(work, "dulwich")
    state = {}

    def clone():
        state["repo"] = porcelain.clone(url, path, errstream=open(os.devnull, "wb"))

    def fetch():
        porcelain.fetch(state["repo"], url, errstream=open(os.devnull, "wb"))

    def shallow():
        porcelain.clone(url, os.path.join(work, "dulwich-shallow"), depth=1, errstream=open(os.devnull, "wb"))

    def commit(message):
        repo = state["repo"]
        with open(os.path.join(path, "dulwich.txt"), "a") as f:
            f.write(message + "\n")
        porcelain.add(repo, [os.path.join(path, "dulwich.txt")])
        return repo.do_commit(message.encode(), committer=b"D <d@example.com>", author=b"D <d@example.com>",
                              commit_timestamp=1700000000, commit_timezone=0, author_timestamp=1700000000,
                              author_timezone=0)

    def push_branch():
        commit("from dulwich")
        porcelain.push(state["repo"], url, b"HEAD:refs/heads/from-dulwich", errstream=open(os.devnull, "wb"))

    def force():
        repo = state["repo"]
        repo.refs[b"refs/heads/older"] = repo[repo.refs[b"refs/heads/main"]].parents[0]
        porcelain.push(repo, url, b"refs/heads/older:refs/heads/main", force=True, errstream=open(os.devnull, "wb"))

    def delete():
        porcelain.push(state["repo"], url, b":refs/heads/from-dulwich", errstream=open(os.devnull, "wb"))

    def tag():
        repo = state["repo"]
        porcelain.tag_create(repo, b"t-dulwich", author=b"D <d@example.com>", message=b"tag", annotated=True,
                             tag_time=1700000000, tag_timezone=0)
        porcelain.push(repo, url, b"refs/tags/t-dulwich", errstream=open(os.devnull, "wb"))

    for name, fn in [("clone", clone), ("fetch", fetch), ("shallow", shallow), ("push", push_branch),
                     ("force", force), ("delete", delete), ("tag", tag)]:
        attempt(name, fn)


def with_pygit2():
    import pygit2
    path = os.path.join(work, "pygit2")
    state = {}
    who = pygit2.Signature("P", "p@example.com", 1700000000, 0)

    def clone():
        state["repo"] = pygit2.clone_repository(url, path)

    def fetch():
        state["repo"].remotes["origin"].fetch()

    def shallow():
        pygit2.clone_repository(url, os.path.join(work, "pygit2-shallow"), depth=1)

    def push_branch():
        repo = state["repo"]
        head = repo.head.peel()
        blob = repo.create_blob(b"from pygit2\n")
        builder = repo.TreeBuilder(head.tree)
        builder.insert("pygit2.txt", blob, pygit2.GIT_FILEMODE_BLOB)
        repo.create_commit("refs/heads/from-pygit2", who, who, "from pygit2", builder.write(), [head.id])
        repo.remotes["origin"].push(["refs/heads/from-pygit2:refs/heads/from-pygit2"])

    def force():
        repo = state["repo"]
        parent = repo.head.peel().parents[0]
        repo.create_reference("refs/heads/older", parent.id)
        repo.remotes["origin"].push(["+refs/heads/older:refs/heads/main"])

    def delete():
        state["repo"].remotes["origin"].push([":refs/heads/from-pygit2"])

    def tag():
        repo = state["repo"]
        repo.create_tag("t-pygit2", repo.head.peel().id, pygit2.GIT_OBJ_COMMIT, who, "tag")
        repo.remotes["origin"].push(["refs/tags/t-pygit2:refs/tags/t-pygit2"])

    for name, fn in [("clone", clone), ("fetch", fetch), ("shallow", shallow), ("push", push_branch),
                     ("force", force), ("delete", delete), ("tag", tag)]:
        attempt(name, fn)


try:
    {"dulwich": with_dulwich, "pygit2": with_pygit2}[client]()
except Exception:
    results["crash"] = traceback.format_exc().splitlines()[-1]
print(json.dumps(results, sort_keys=True))

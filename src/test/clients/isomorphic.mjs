// isomorphic-git against one server repository; prints what each operation gave, as JSON.
//
//   node isomorphic.mjs <url> <work folder>
//
// The same operations as other_clients.py (clone, fetch, shallow clone, push of a new
// branch, force push, branch deletion, tag push) and a shallow clone excluding a tag, each "ok" or the client's error, with
// deterministic commits so both servers see the same objects. Used by OtherClientsTest.
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import fs from 'node:fs';
import path from 'node:path';

const [url, work] = process.argv.slice(2);
const dir = path.join(work, 'isomorphic');
const who = { name: 'I', email: 'i@example.com', timestamp: 1700000000, timezoneOffset: 0 };
const results = {};

async function attempt(name, fn) {
  try {
    await fn();
    results[name] = 'ok';
  } catch (e) {
    results[name] = 'error: ' + String(e && e.message || e).split('\n')[0].slice(0, 200);
  }
}

await attempt('clone', () => git.clone({ fs, http, dir, url, singleBranch: false }));
await attempt('fetch', () => git.fetch({ fs, http, dir, url }));
await attempt('shallow', () => git.clone({ fs, http, dir: path.join(work, 'isomorphic-shallow'), url, depth: 1 }));
await attempt('push', async () => {
  fs.appendFileSync(path.join(dir, 'isomorphic.txt'), 'from isomorphic-git\n');
  await git.add({ fs, dir, filepath: 'isomorphic.txt' });
  await git.commit({ fs, dir, message: 'from isomorphic-git', author: who, committer: who });
  const r = await git.push({ fs, http, dir, url, ref: 'main', remoteRef: 'refs/heads/from-isomorphic' });
  if (!r.ok) { throw new Error(JSON.stringify(r.refs)); }
});
// A shallow clone that stops at a tag (git's --shallow-exclude) of the branch just pushed past it.
await attempt('shallow-exclude', () => git.clone({ fs, http, dir: path.join(work, 'isomorphic-exclude'), url,
  singleBranch: true, ref: 'from-isomorphic', exclude: ['v1'] }));
await attempt('force', async () => {
  const head = await git.resolveRef({ fs, dir, ref: 'refs/remotes/origin/main' });
  const { commit } = await git.readCommit({ fs, dir, oid: head });
  await git.writeRef({ fs, dir, ref: 'refs/heads/older', value: commit.parent[0] });
  const r = await git.push({ fs, http, dir, url, ref: 'refs/heads/older', remoteRef: 'refs/heads/main', force: true });
  if (!r.ok) { throw new Error(JSON.stringify(r.refs)); }
});
await attempt('delete', async () => {
  const r = await git.push({ fs, http, dir, url, remoteRef: 'refs/heads/from-isomorphic', delete: true });
  if (!r.ok) { throw new Error(JSON.stringify(r.refs)); }
});
await attempt('tag', async () => {
  await git.annotatedTag({ fs, dir, ref: 't-isomorphic', message: 'tag', tagger: who });
  const r = await git.push({ fs, http, dir, url, ref: 'refs/tags/t-isomorphic' });
  if (!r.ok) { throw new Error(JSON.stringify(r.refs)); }
});
console.log(JSON.stringify(Object.fromEntries(Object.entries(results).sort())));

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { BerthError } from '../../../../src/core/errors.js';
import { GitCodeFetcher, repoUrl } from '../../../../src/jobs/train/code-fetcher.js';
import { commitFiles, git, initRepo } from '../../../support/git-repo.js';

describe('GitCodeFetcher against real local repositories', () => {
  let base: string;
  let repo: string;
  let first: string;
  let tagged: string;
  let tip: string;
  let checkouts = 0;
  const fetcher = new GitCodeFetcher();
  const target = () => join(base, `checkout-${(checkouts += 1)}`);

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'berth-git-'));
    repo = join(base, 'repo');
    await initRepo(repo);
    first = await commitFiles(repo, { 'train.py': 'first\n' }, 'first');
    tagged = await commitFiles(repo, { 'train.py': 'tagged\n' }, 'tagged');
    await git(repo, 'tag', 'v1.0.0');
    await git(repo, 'branch', 'release');
    tip = await commitFiles(repo, { 'train.py': 'tip\n' }, 'tip');
  });
  after(() => rm(base, { recursive: true, force: true }));

  const fetched = async (ref: string) => {
    const dir = target();
    const { commit } = await fetcher.fetch(pathToFileURL(repo).href, ref, dir);
    return { commit, text: await readFile(join(dir, 'train.py'), 'utf8') };
  };

  it('fetches a branch and records its tip commit', async () => {
    assert.deepEqual(await fetched('main'), { commit: tip, text: 'tip\n' });
    assert.deepEqual(await fetched('release'), { commit: tagged, text: 'tagged\n' });
  });

  it('fetches a tag as the commit it points at', async () => {
    assert.deepEqual(await fetched('v1.0.0'), { commit: tagged, text: 'tagged\n' });
  });

  it('fetches a full commit sha that is no ref tip, and a short one', async () => {
    assert.deepEqual(await fetched(first), { commit: first, text: 'first\n' });
    assert.deepEqual(await fetched(first.slice(0, 8)), { commit: first, text: 'first\n' });
  });

  it('a plain local path works as the repository too', async () => {
    const { commit } = await fetcher.fetch(repo, 'main', target());
    assert.equal(commit, tip);
  });

  it('an unknown branch, tag or sha is TRAIN_REF_NOT_FOUND naming the ref', async () => {
    for (const ref of ['no-such-branch', 'deadbeef', 'a'.repeat(40)]) {
      await assert.rejects(fetched(ref), (error: unknown) => {
        assert.ok(error instanceof BerthError);
        assert.equal(error.id, 'TRAIN_REF_NOT_FOUND', `${ref}: ${error.message}`);
        assert.match(error.message, new RegExp(`ref "${ref}"`));
        return true;
      });
    }
  });

  it('a missing repository is TRAIN_REPO_UNREACHABLE', async () => {
    const missing = pathToFileURL(join(base, 'nothing-here')).href;
    await assert.rejects(fetcher.fetch(missing, 'main', target()), (error: unknown) => {
      assert.ok(error instanceof BerthError);
      assert.equal(error.id, 'TRAIN_REPO_UNREACHABLE');
      assert.match(error.message, /nothing-here/);
      return true;
    });
  });

  it('an https URL to a closed port is TRAIN_REPO_UNREACHABLE, without prompting', async () => {
    // A port that was just free: bound, then closed, so nothing listens on it.
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await assert.rejects(
      fetcher.fetch(`https://127.0.0.1:${port}/team/trainer.git`, 'main', target()),
      (error: unknown) => {
        assert.ok(error instanceof BerthError);
        assert.equal(error.id, 'TRAIN_REPO_UNREACHABLE');
        return true;
      },
    );
  });

  it('repoUrl turns plain paths into file URLs and leaves URLs and scp-style ssh alone', () => {
    assert.equal(repoUrl('/srv/repo'), 'file:///srv/repo');
    assert.equal(repoUrl('https://git.example.com/a.git'), 'https://git.example.com/a.git');
    assert.equal(repoUrl('git@git.example.com:team/a.git'), 'git@git.example.com:team/a.git');
    assert.equal(repoUrl('ssh://git@git.example.com/team/a.git'), 'ssh://git@git.example.com/team/a.git');
  });
});

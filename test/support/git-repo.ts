/** Real Git repositories for tests, made with the system git in a temp folder. */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs git in `dir` with a fixed identity (CI machines may have none configured); returns stdout. */
export async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec(
    'git',
    ['-c', 'user.name=Berth Test', '-c', 'user.email=test@berth.invalid', ...args],
    {
      cwd: dir,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    },
  );
  return stdout.trim();
}

/** A new repository on branch `main` in `dir`. */
export async function initRepo(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await git(dir, 'init', '--quiet', '--initial-branch', 'main');
}

/** Writes `files` (path → content), commits them all; returns the new commit's sha. */
export async function commitFiles(
  dir: string,
  files: Readonly<Record<string, string | Uint8Array>>,
  message = 'change',
): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await git(dir, 'add', '--all');
  await git(dir, 'commit', '--quiet', '--allow-empty', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/**
 * Fetches the training code: exactly one ref of a Git repository, shallow, with the system `git`
 * (so ssh keys, credential helpers and proxies configured for git work unchanged). Git never
 * prompts: a run in a pod or CI has nobody to answer, and would hang instead of failing.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BerthError } from '../../core/errors.js';

/** The checkout a fetch produced. */
export interface FetchedCode {
  /** The resolved 40-hex commit checked out. */
  readonly commit: string;
}

/** Puts one ref of a repository into an empty local folder (a training job seam). */
export interface CodeFetcher {
  fetch(repo: string, ref: string, dir: string, signal?: AbortSignal): Promise<FetchedCode>;
}

/** What `git` answered. */
interface GitResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// git's own words for "the repository answered, but has no such ref".
const REF_MISSING =
  /couldn't find remote ref|not our ref|no such remote ref|unadvertised object|invalid refspec|bad object|is not a valid|unknown revision|ambiguous argument|needed a single revision|upload-pack: not our ref|fatal: remote error: .*not (?:our|a valid)/i;

/** The system git, run without prompts; `env` extends this process's environment. */
export class GitCodeFetcher implements CodeFetcher {
  constructor(private readonly options: { readonly env?: NodeJS.ProcessEnv; readonly git?: string } = {}) {}

  async fetch(repo: string, ref: string, dir: string, signal?: AbortSignal): Promise<FetchedCode> {
    const url = repoUrl(repo);
    await mkdir(dir, { recursive: true });
    await this.#git(['init', '--quiet'], dir, signal).then((result) => this.#check(result, repo, ref));
    const shallow = await this.#git(['fetch', '--quiet', '--depth', '1', '--no-tags', url, ref], dir, signal);
    if (shallow.code !== 0) {
      this.#throwIfUnreachable(shallow, repo);
      // A short sha can't be fetched by name, and some servers refuse a full sha that is not a
      // ref's tip (uploadpack.allowReachableSHA1InWant off): fetch the branches and tags, then
      // resolve the commit locally.
      if (!/^[0-9a-f]{4,40}$/i.test(ref)) throw refNotFound(repo, ref, shallow.stderr);
      const full = await this.#git(
        ['fetch', '--quiet', '--tags', url, '+refs/heads/*:refs/remotes/origin/*'],
        dir,
        signal,
      );
      this.#check(full, repo, ref);
      const found = await this.#git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], dir, signal);
      if (found.code !== 0)
        throw refNotFound(repo, ref, 'no branch or tag of the repository holds this commit');
      await this.#checkout(found.stdout.trim(), repo, ref, dir, signal);
    } else {
      await this.#checkout('FETCH_HEAD', repo, ref, dir, signal);
    }
    const head = await this.#git(['rev-parse', 'HEAD'], dir, signal);
    this.#check(head, repo, ref);
    const commit = head.stdout.trim();
    // A full sha that the fetch resolved to something else (a branch named like a sha) is not the ref asked for.
    if (/^[0-9a-f]{40}$/i.test(ref) && commit !== ref.toLowerCase())
      throw refNotFound(repo, ref, `resolved to ${commit}`);
    return { commit };
  }

  async #checkout(what: string, repo: string, ref: string, dir: string, signal?: AbortSignal): Promise<void> {
    const result = await this.#git(['checkout', '--quiet', '--detach', what], dir, signal);
    this.#check(result, repo, ref);
  }

  #throwIfUnreachable(result: GitResult, repo: string): void {
    if (REF_MISSING.test(result.stderr)) return;
    throw new BerthError(
      'TRAIN_REPO_UNREACHABLE',
      `repo ${JSON.stringify(repo)}: cannot fetch from the repository: ${lastLines(result.stderr)}`,
    );
  }

  #check(result: GitResult, repo: string, ref: string): void {
    if (result.code === 0) return;
    if (REF_MISSING.test(result.stderr)) throw refNotFound(repo, ref, result.stderr);
    this.#throwIfUnreachable(result, repo);
  }

  #git(args: readonly string[], cwd: string, signal?: AbortSignal): Promise<GitResult> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...this.options.env,
      GIT_TERMINAL_PROMPT: '0',
      // ssh must not ask for a passphrase or a host key confirmation either.
      GIT_SSH_COMMAND:
        this.options.env?.GIT_SSH_COMMAND ?? process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
    };
    return new Promise((resolvePromise, reject) => {
      const child = spawn(this.options.git ?? 'git', args, {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(signal ? { signal } : {}),
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (error.name === 'AbortError') {
          reject(new BerthError('TRAIN_INTERRUPTED', `git ${args[0]} was interrupted`, { cause: error }));
          return;
        }
        reject(
          new BerthError(
            'TRAIN_REPO_UNREACHABLE',
            `cannot run git (${error.code ?? error.message}); berth train needs git on the PATH`,
            { cause: error },
          ),
        );
      });
      child.once('close', (code) => resolvePromise({ code, stdout, stderr }));
    });
  }
}

/** A plain local path as a file:// URL (git's --depth is ignored for plain-path "local" transports). */
export function repoUrl(repo: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\\]+@[^:]+:/.test(repo)) return repo;
  if (isAbsolute(repo) || repo.startsWith('.')) return pathToFileURL(resolve(repo)).href;
  return repo;
}

function refNotFound(repo: string, ref: string, detail: string): BerthError {
  return new BerthError(
    'TRAIN_REF_NOT_FOUND',
    `ref ${JSON.stringify(ref)}: not a branch, tag or commit of ${repo} (${lastLines(detail)}); expected an existing branch, tag or commit sha`,
  );
}

/** git's last two non-empty stderr lines, which say what went wrong. */
function lastLines(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  return lines.slice(-2).join(' / ') || 'no message from git';
}

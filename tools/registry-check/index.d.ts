/** A published workspace. */
export interface PublishedPackage {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
}
export interface Tarball {
  readonly file: string;
  readonly files: readonly string[];
  readonly size: number;
}
export type Log = (line: string) => void;
export const ROOT: string;
export const ATTW_PROFILE: string;
export function publishedWorkspaces(): PublishedPackage[];
export function publintMessages(tarball: string): Promise<string[]>;
export function attwProblems(tarball: string): Promise<string[]>;
export interface LocalRegistry {
  readonly url: string;
  /** The version every package was published as in this run. */
  readonly version: string;
  readonly packages: readonly PublishedPackage[];
  readonly tarballs: ReadonlyMap<string, Tarball>;
  stop(): Promise<void>;
}
export function startLocalRegistry(options?: { port?: number; log?: Log }): Promise<LocalRegistry>;
export function startVerdaccio(options?: { port?: number; log?: Log }): Promise<{
  url: string;
  token: string;
  storage: string;
  stop(): Promise<void>;
}>;
export interface Project {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  sh(
    command: string,
    args: readonly string[],
    options?: { cwd?: string; timeoutMs?: number; extraEnv?: Record<string, string> },
  ): Promise<{ stdout: string; stderr: string }>;
  start(
    command: string,
    args: readonly string[],
    options?: { cwd?: string; extraEnv?: Record<string, string> },
  ): {
    output(): string;
    readonly exited: Promise<{ code: number | null; signal: string | null }>;
    stop(): Promise<{ code: number | null; signal: string | null }>;
  };
  remove(): void;
}
/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number>;
/** Polls `url` until it answers 2xx (or `timeoutMs` passes, or `exited` resolves first). */
export function waitForHttp(
  url: string,
  options?: { timeoutMs?: number; exited?: Promise<unknown>; output?: () => string },
): Promise<void>;
export function newProject(options: { registry: string; template?: string; log?: Log; prefix?: string }): Project;
/** One fenced block of a Markdown page. */
export interface CodeBlock {
  /** `ts`, `sh`, `json`, … */
  readonly lang: string;
  /** The other words of the info string: `run`, `fragment`. */
  readonly flags: readonly string[];
  /** `file=PATH` of the info string. */
  readonly file: string | undefined;
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}
export function codeBlocks(path: string): CodeBlock[];
export function isTypeScript(block: CodeBlock): boolean;

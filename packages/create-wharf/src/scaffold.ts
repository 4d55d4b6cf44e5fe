import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** The templates `create-wharf` knows, by name. */
export const TEMPLATES = {
  service: 'one service over HTTP (and gRPC/AMQP by configuration), with a test that injects faults',
  services: 'two services (users, orders) behind a gateway, found through a registry; one image for all three',
} as const;

export type TemplateName = keyof typeof TEMPLATES;

/** What `scaffold` needs. */
export interface ScaffoldOptions {
  /** The folder to create; must not exist or be empty. */
  readonly dir: string;
  readonly template: TemplateName;
  /** The version range of the `@wharf/*` packages to depend on; default: this package's own version. */
  readonly wharfVersion?: string;
}

const TEMPLATE_ROOT = new URL('../templates/', import.meta.url);

/** The version of this package, which every `@wharf/*` package shares. */
export function ownVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** A project name npm accepts, from a folder name. */
export function packageNameOf(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[-]+$/g, '');
  return name === '' ? 'wharf-app' : name;
}

// npm leaves `.gitignore` and `.npmrc` out of published tarballs, so templates keep them as `_gitignore`…
const RENAMED: Record<string, string> = { _gitignore: '.gitignore', _dockerignore: '.dockerignore' };

/** Copies a template into `dir`, filling in the project name and the Wharf version; returns the files written. */
export function scaffold(options: ScaffoldOptions): string[] {
  // Own keys only: `in` would take `toString` for a template and fail on its missing folder.
  if (!Object.hasOwn(TEMPLATES, options.template)) {
    throw new Error(`Unknown template "${options.template}": use one of ${Object.keys(TEMPLATES).join(', ')}`);
  }
  const target = resolve(options.dir);
  if (existsSync(target) && !statSync(target).isDirectory()) {
    throw new Error(`${target} is a file: choose a new folder name`);
  }
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new Error(`${target} already exists and is not empty: choose a new folder name`);
  }
  const values: Record<string, string> = {
    name: packageNameOf(target),
    wharfVersion: options.wharfVersion ?? `^${ownVersion()}`,
  };
  const written: string[] = [];
  const copy = (from: URL, to: string) => {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from)) {
      const source = new URL(entry, from);
      if (statSync(source).isDirectory()) {
        copy(new URL(`${entry}/`, from), join(to, entry));
        continue;
      }
      const text = readFileSync(source, 'utf8').replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
      const file = join(to, RENAMED[entry] ?? entry);
      writeFileSync(file, text);
      written.push(file);
    }
  };
  copy(new URL(`${options.template}/`, TEMPLATE_ROOT), target);
  return written;
}

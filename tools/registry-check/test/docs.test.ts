// Docs that cannot drift: every TypeScript block in README.md, docs/ and the package READMEs is
// compiled against the packages as built (fragments are checked for syntax only), and the blocks
// marked `run` are run.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { codeBlocks, isTypeScript, publishedWorkspaces, ROOT } from '@wharf/registry-check';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

function pages(): string[] {
  const docs = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? docs(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
    );
  const packages = readdirSync(join(ROOT, 'packages')).map((p) => join('packages', p, 'README.md'));
  return ['README.md', ...docs('docs'), ...packages.filter((p) => readdirSync(join(ROOT, dirname(p))).includes('README.md'))];
}

const work = mkdtempSync(join(tmpdir(), 'wharf-docs-'));
symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
writeFileSync(join(work, 'package.json'), '{ "type": "module" }');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Where each block goes: `<page>/<file=…>` or `<page>/block-<line>.ts`, so a page's blocks can import each other. */
const files: { page: string; line: number; path: string; runs: boolean; fragment: boolean }[] = [];
for (const page of pages()) {
  const folder = page.replace(/[^\w]+/g, '_');
  for (const block of codeBlocks(join(ROOT, page)).filter(isTypeScript)) {
    const fragment = block.flags.includes('fragment');
    const path = join(folder, block.file ?? `block-${block.line}.ts`);
    mkdirSync(join(work, dirname(path)), { recursive: true });
    // A fragment names things defined elsewhere on its page: its syntax is checked, not its types.
    writeFileSync(join(work, path), fragment ? `// @ts-nocheck\nexport {};\n${block.code}` : block.code);
    files.push({ page, line: block.line, path, runs: block.flags.includes('run'), fragment });
  }
}

describe('the TypeScript in the docs', () => {
  it('every block compiles against the built packages', async () => {
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2023',
          lib: ['es2023', 'dom'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          types: ['node'],
          strict: true,
          experimentalDecorators: true,
          skipLibCheck: true,
          rootDir: '.',
          outDir: 'dist',
          noUnusedLocals: false,
        },
        include: ['**/*.ts'],
        exclude: ['node_modules', 'dist'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const output = await run(process.execPath, [tsc, '-p', work], { maxBuffer: 16 * 1024 * 1024 }).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    // Name each error by page and line, not by the temporary file.
    const named = output.replace(/^(\S+?\.ts)\((\d+),(\d+)\)/gm, (whole, path: string, line: string) => {
      const block = files.find((f) => f.path === relative(work, join(work, path)) || path.endsWith(f.path));
      return block === undefined ? whole : `${block.page}:${block.line + Number(line) - (block.fragment ? 2 : 0)}`;
    });
    console.log(
      `[docs] ${files.length} TypeScript blocks in ${new Set(files.map((f) => f.page)).size} pages: ` +
        `${files.filter((f) => !f.fragment).length} compiled, ${files.filter((f) => f.fragment).length} fragments (syntax), ` +
        `${files.filter((f) => f.runs).length} run`,
    );
    expect(named).toBe('');
  }, 120_000);

  it('the blocks marked run exit 0', async () => {
    for (const file of files.filter((f) => f.runs)) {
      const js = join(work, 'dist', file.path.replace(/\.ts$/, '.js'));
      const { stdout } = await run(process.execPath, [js], {
        cwd: work,
        timeout: 30_000,
        env: { ...process.env, WHARF_LOG_LEVEL: 'warn' },
      });
      console.log(`[docs] ran ${file.page}:${file.line}\n${stdout.trim()}`);
    }
    expect(files.filter((f) => f.runs).length).toBeGreaterThan(0);
  }, 120_000);
});

describe('docs/configuration.md', () => {
  it('names every WHARF_* variable the app and the transports read', async () => {
    const { APP_ENV } = await import('@wharf/core');
    const { HTTP_ENV } = await import('@wharf/transport-http');
    const { GRPC_ENV } = await import('@wharf/transport-grpc');
    const { AMQP_ENV } = await import('@wharf/transport-amqp');
    const page = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
    const variables = [...APP_ENV, ...HTTP_ENV, ...GRPC_ENV, ...AMQP_ENV];
    expect(variables.length).toBeGreaterThan(10);
    const documented = [...page.matchAll(/^\|\s*`(WHARF_[A-Z_]+)`\s*\|/gm)].map((m) => m[1]);
    for (const v of variables) expect(documented, v.name).toContain(v.name);
    // Read by code outside the app and the transports: the registry's URL, tracing's context mode.
    const elsewhere: (string | undefined)[] = ['WHARF_REGISTRY', 'WHARF_TRACE_CONTEXT'];
    expect(documented.filter((name) => !elsewhere.includes(name)).sort()).toEqual(variables.map((v) => v.name).sort());
  });
});

describe('versions and changelogs', () => {
  it('the Changesets configuration is valid and releases every published package together', async () => {
    const out = join(work, 'changeset-status.json');
    await run(process.execPath, [join(ROOT, 'node_modules/@changesets/cli/bin.js'), 'status', `--output=${out}`], { cwd: ROOT });
    const { releases } = JSON.parse(readFileSync(out, 'utf8')) as { releases: { name: string }[] };
    const published = publishedWorkspaces().map((p) => p.name);
    // Every published package is released together (one version for the framework); the private
    // workspaces that depend on them may be listed, and are never published.
    for (const name of published)
      expect(
        releases.map((r) => r.name),
        name,
      ).toContain(name);
  });
});

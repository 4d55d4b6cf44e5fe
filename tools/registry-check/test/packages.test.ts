// The packages as users get them: every published workspace packed, checked with publint and
// arethetypeswrong, published to a private Verdaccio on loopback, installed by name into a project
// outside the repository, compiled under both tsconfig styles users have, and run.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  ATTW_PROFILE,
  attwProblems,
  codeBlocks,
  freePort,
  type LocalRegistry,
  newProject,
  publintMessages,
  ROOT,
  startLocalRegistry,
  waitForHttp,
} from '@wharf/registry-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const log = (line: string) => console.log(`[registry-check] ${line}`);
const FIXTURES = join(import.meta.dirname, '../fixtures');
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startLocalRegistry({ log });
}, 180_000);
afterAll(async () => {
  await registry?.stop();
});

describe('every published package', () => {
  it('is clean under publint and arethetypeswrong', async () => {
    const findings: string[] = [];
    // Two at a time: attw loads the TypeScript 5 compiler for each tarball.
    const queue = [...registry.tarballs];
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const [name, tarball] = next;
        const [lint, types] = await Promise.all([publintMessages(tarball.file), attwProblems(tarball.file)]);
        log(
          `${name}: publint ${lint.length === 0 ? 'clean' : lint.join('; ')}; attw (${ATTW_PROFILE}) ${types.length === 0 ? 'clean' : types.join('; ')}`,
        );
        findings.push(...lint.map((m) => `${name} publint ${m}`), ...types.map((m) => `${name} attw ${m}`));
      }
    };
    await Promise.all([worker(), worker()]);
    expect(findings).toEqual([]);
    expect(registry.tarballs.size).toBe(registry.packages.length);
  }, 180_000);

  it('ships a README, a LICENSE and the sources its source maps point to', () => {
    for (const [name, tarball] of registry.tarballs) {
      const files = new Set(tarball.files);
      expect(files, name).toContain('README.md');
      expect(files, name).toContain('LICENSE');
      const maps = tarball.files.filter((f) => f.endsWith('.js.map') || f.endsWith('.d.ts.map'));
      expect(maps.length, `${name} has source maps`).toBeGreaterThan(0);
      for (const map of maps) {
        const { sources } = JSON.parse(readFileSync(join(registry.packages.find((p) => p.name === name)!.dir, map), 'utf8')) as {
          sources: string[];
        };
        for (const source of sources) expect(files, `${name}: ${map} points to ${source}`).toContain(join(map, '..', source));
      }
    }
  });
});

describe('a project outside the repository', () => {
  it('installs the packages by name, compiles under nodenext and bundler resolution, bundles with esbuild, and runs', async () => {
    const project = newProject({ registry: registry.url, template: join(FIXTURES, 'consumer'), log });
    try {
      await project.sh('npm', [
        'install',
        '@wharf/core',
        '@wharf/transport-http',
        '@wharf/transport-grpc',
        '@wharf/transport-amqp',
        '@wharf/registry',
        'zod',
      ]); // and the TypeScript compiler, a devDependency in its package.json
      const manifest = JSON.parse(readFileSync(join(project.dir, 'node_modules/@wharf/core/package.json'), 'utf8'));
      expect(manifest.version).toBe(registry.version);
      expect(existsSync(join(project.dir, 'node_modules/@wharf/core/src/app.ts'))).toBe(true);
      // One file, as docs/installing.md says: dependencies left external (bundled into ESM, pino's and
      // grpc-js's CommonJS requires fail with 'Dynamic require of "node:os" is not supported').
      await project.sh('npx', [
        'esbuild',
        'src/main.ts',
        '--bundle',
        '--platform=node',
        '--format=esm',
        '--packages=external',
        '--outfile=dist/esbuild/main.js',
      ]);
      for (const style of ['nodenext', 'bundler', 'esbuild']) {
        if (style !== 'esbuild') await project.sh('npx', ['tsc', '-p', `tsconfig.${style}.json`]);
        const { stdout } = await project.sh('node', [`dist/${style}/main.js`]);
        log(`${style}: node dist/${style}/main.js → ${stdout.trim()}`);
        expect(JSON.parse(stdout)).toEqual({
          http: { ok: { message: 'Hello, Ada!' }, missing: 'NOT_FOUND' },
          grpc: { ok: { message: 'Hello, Ada!' }, missing: 'NOT_FOUND' },
          testing: { message: 'Hello, Test!' },
          amqpQueue: 'greeter.v1.rpc',
        });
      }
    } finally {
      project.remove();
    }
  }, 400_000);
});

/** POSTs JSON to a route and returns the status and parsed body. */
async function post(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as unknown };
}

// The two templates are independent projects: scaffolded, installed and run side by side. Only the
// `npm create` step takes turns: two npx runs of one package spec unpack into the same
// `~/.npm/_npx/<hash>` folder, and one can find the other's half-written copy (CI saw
// "ENOENT … _npx/…/create-wharf/package.json"). A user runs one `npm create` at a time.
let npxTurn: Promise<unknown> = Promise.resolve();
function oneNpxAtATime<T>(work: () => Promise<T>): Promise<T> {
  const mine = npxTurn.then(work, work);
  npxTurn = mine.catch(() => {});
  return mine;
}

describe.concurrent('npm create wharf', () => {
  const templates = [
    {
      template: 'service',
      // The naive handler's test is expected to fail (it.fails): that is the point it makes.
      tests: /Tests\s+2 passed \| 1 expected fail \(3\)/,
      ports: async () => ({ WHARF_HTTP_PORT: String(await freePort()) }),
      call: async (env: Record<string, string>) => {
        const base = `http://127.0.0.1:${env.WHARF_HTTP_PORT}`;
        await waitForHttp(`${base}/health/ready`);
        return [await post(`${base}/v1/greeter/greet`, { name: 'Ada' }), { status: 200, body: { message: 'Hello, Ada!' } }];
      },
    },
    {
      template: 'services',
      tests: /Tests\s+3 passed \(3\)/,
      ports: async () => ({
        USERS_PORT: String(await freePort()),
        ORDERS_PORT: String(await freePort()),
        GATEWAY_PORT: String(await freePort()),
      }),
      call: async (env: Record<string, string>) => {
        await waitForHttp(`http://127.0.0.1:${env.USERS_PORT}/health/ready`);
        await waitForHttp(`http://127.0.0.1:${env.ORDERS_PORT}/health/ready`);
        const gateway = `http://127.0.0.1:${env.GATEWAY_PORT}`;
        await waitForHttp(`${gateway}/health/ready`);
        const paths = Object.keys(((await (await fetch(`${gateway}/openapi.json`)).json()) as { paths: object }).paths).sort();
        expect(paths).toEqual(['/v1/orders/place', '/v1/users/get']);
        // Through the gateway: orders.place calls users.get over HTTP, both found through the registry.
        const answer = await post(`${gateway}/v1/orders/place`, { userId: 1, item: 'book', total: 120 });
        return [answer, { status: 200, body: { orderId: 1, customer: 'Ada' } }];
      },
    },
  ];
  for (const { template, tests, ports, call } of templates) {
    it(`--template ${template}: create, install, test, build, start, and a call answered`, async () => {
      const parent = newProject({ registry: registry.url, log, prefix: `wharf-create-${template}-` });
      try {
        await oneNpxAtATime(() =>
          parent.sh('npm', ['create', '--yes', `wharf@${registry.version}`, 'app', '--', '--template', template]),
        );
        const cwd = join(parent.dir, 'app');
        for (const file of ['package.json', 'tsconfig.json', 'Dockerfile', 'README.md', '.gitignore']) {
          expect(existsSync(join(cwd, file)), file).toBe(true);
        }
        const manifest = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
        expect(Object.keys(manifest.scripts)).toEqual(['dev', 'build', 'test', 'start']);
        expect(manifest.dependencies['@wharf/core']).toBe(`^${registry.version}`);
        await parent.sh('npm', ['install'], { cwd });
        const { stdout } = await parent.sh('npm', ['test', '--', '--reporter=verbose'], { cwd });
        log(`${template}: npm test\n${stdout.replace(ANSI, '').trim()}`);
        expect(stdout.replace(ANSI, '')).toMatch(tests);
        // npm run dev: tsx in watch mode, straight from the TypeScript sources (decorators and all).
        const devEnv = await ports();
        const dev = parent.start('npm', ['run', 'dev'], { cwd, extraEnv: devEnv });
        try {
          const [answer, expected] = await call(devEnv);
          log(`${template}: npm run dev answered ${JSON.stringify(answer)}`);
          expect(answer).toEqual(expected);
        } finally {
          await dev.stop();
        }
        await parent.sh('npm', ['run', 'build'], { cwd });
        const env = await ports();
        const server = parent.start('npm', ['start'], { cwd, extraEnv: env });
        try {
          const [answer, expected] = await call(env);
          log(`${template}: call answered ${JSON.stringify(answer)}`);
          expect(answer).toEqual(expected);
        } finally {
          const how = await server.stop();
          log(
            `${template}: npm start stopped by SIGTERM (${JSON.stringify(how)}); its log:\n${server.output().trim().split('\n').slice(-4).join('\n')}`,
          );
        }
      } finally {
        parent.remove();
      }
    }, 400_000);
  }
});

describe('docs/getting-started.md', () => {
  it('followed word for word in a new folder: every command succeeds and every call answers as the page says', async () => {
    const project = newProject({ registry: registry.url, log, prefix: 'wharf-getting-started-' });
    const background: ReturnType<typeof project.start>[] = [];
    let cwd = project.dir;
    // The page's port 3000 may be taken on a busy machine: the same commands on a free one.
    const port = String(await freePort());
    try {
      for (const block of codeBlocks(join(ROOT, 'docs/getting-started.md'))) {
        if (block.file !== undefined) {
          mkdirSync(dirname(join(cwd, block.file)), { recursive: true });
          writeFileSync(join(cwd, block.file), block.code);
          log(`wrote ${block.file} (docs/getting-started.md:${block.line})`);
          continue;
        }
        // The last section's npm create is what the create-wharf test does.
        if (block.lang !== 'sh' || block.code.includes('npm create wharf')) continue;
        for (const line of block.code.split('\n')) {
          const [whole = '', expected] = line.replaceAll('3000', port).split(/\s{3}# /);
          // `a && cd b`: each part in turn, so that a cd moves where the next commands run.
          const parts = whole.split(' && ');
          const command = parts.pop()!;
          for (const part of parts) {
            if (part.startsWith('cd ')) cwd = join(cwd, part.slice(3).trim());
            else await project.sh('bash', ['-c', part], { cwd });
          }
          if (command.trim() === '') continue;
          if (command.startsWith('cd ')) {
            cwd = join(cwd, command.slice(3).trim());
            continue;
          }
          if (command.trim().endsWith('&')) {
            background.push(project.start('bash', ['-c', command.trim().slice(0, -1)], { cwd }));
            continue;
          }
          // A call right after the server was started in the background waits for it to listen.
          let out = { stdout: '', stderr: '' };
          for (let attempt = 0; ; attempt++) {
            try {
              out = await project.sh('bash', ['-c', command], { cwd });
              break;
            } catch (error) {
              if (background.length === 0 || !command.startsWith('curl') || attempt >= 60) throw error;
              await new Promise((resolve) => setTimeout(resolve, 500));
            }
          }
          if (expected !== undefined) {
            log(`  → ${out.stdout.trim()}`);
            expect(JSON.parse(out.stdout), `docs/getting-started.md:${block.line}: ${command}`).toEqual(JSON.parse(expected));
          }
        }
      }
      expect(background).toHaveLength(1);
      expect(cwd.endsWith('todos')).toBe(true); // the page's `mkdir todos && cd todos` was followed
    } finally {
      for (const server of background) await server.stop();
      project.remove();
    }
  }, 400_000);
});

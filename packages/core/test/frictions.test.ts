// Mistakes a newcomer makes, each answered at start-up with what is wrong and what to do.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, defineContract, On, Rpc, Service } from '@wharf/core';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { problemsOf } from './problems.js';

const users = defineContract({
  name: 'users',
  version: '1.0.0',
  methods: {
    get: { input: z.object({ id: z.int() }), output: z.object({ name: z.string() }) },
    list: { input: z.object({}), output: z.object({ names: z.array(z.string()) }) },
    remove: { input: z.object({ id: z.int() }), output: z.object({}) },
  },
});

describe('start-up errors that say what to do', () => {
  it('a contract method left unimplemented is a start-up error listing the missing methods', () => {
    @Service(users)
    class Users {
      @Rpc(users.methods.get)
      async get({ id }: { id: number }) {
        return { name: `user ${id}` };
      }
    }
    expect(problemsOf(() => createApp({ services: [new Users()] }))).toEqual([
      'Users: @Service(users) leaves contract methods list, remove unimplemented (callers would get UNIMPLEMENTED); add @Rpc(users.methods.list), @Rpc(users.methods.remove)',
    ]);
  });

  it('a class passed instead of an instance says: pass new Users()', () => {
    @Service({ name: 'users', version: '1.0.0' })
    class Users {
      @On('users.created', { input: z.object({}) })
      async created() {}
    }
    expect(problemsOf(() => createApp({ services: [Users] }))).toEqual([
      'Users is the class, not an instance: pass new Users() in services',
    ]);
  });

  it('standard decorators (no experimentalDecorators) are named as such, not as "declares no handlers"', () => {
    // What TypeScript emits without experimentalDecorators: decorators called with a context object.
    const standard = { kind: 'method', name: 'get', static: false, private: false, addInitializer() {} };
    expect(problemsOf(() => (Rpc(users.methods.get) as (...args: unknown[]) => void)(() => {}, standard))[0]).toMatch(
      /^@Rpc on get: Wharf's decorators are TypeScript's legacy \("experimental"\) decorators: set "experimentalDecorators": true/,
    );
  });

  it('a file compiled by tsc without experimentalDecorators fails at once, naming the tsconfig option', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-no-experimental-'));
    try {
      symlinkSync(join(import.meta.dirname, '../../../node_modules'), join(dir, 'node_modules'));
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { target: 'es2023', module: 'nodenext', strict: true, types: ['node'], rootDir: '.', outDir: 'dist' },
          include: ['main.ts'],
        }),
      );
      writeFileSync(
        join(dir, 'main.ts'),
        `import { createApp, Rpc, Service } from '@wharf/core';
import * as z from 'zod';
@Service({ name: 'greeter', version: '1.0.0' })
class Greeter {
  @Rpc({ input: z.object({}), output: z.object({}) })
  async greet() { return {}; }
}
createApp({ services: [new Greeter()] });
`,
      );
      // tsc reports a type error it cannot explain better (TS1241) but still emits, as tsx and
      // bundlers do without checking: what runs must say what is wrong.
      const tsc = join(import.meta.dirname, '../../../node_modules/typescript/bin/tsc');
      const compiled = (() => {
        try {
          return execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
        } catch (error) {
          return (error as { stdout: string }).stdout;
        }
      })();
      expect(compiled).toContain('TS1241');
      let stderr = '';
      try {
        execFileSync(process.execPath, [join(dir, 'dist/main.js')], { encoding: 'utf8', stdio: 'pipe' });
      } catch (error) {
        stderr = (error as { stderr: string }).stderr;
      }
      expect(stderr).toContain('DeclarationError: Invalid service declaration:');
      expect(stderr).toContain(
        '@Rpc on greet: Wharf\'s decorators are TypeScript\'s legacy ("experimental") decorators: set "experimentalDecorators": true',
      );
      expect(stderr).not.toContain('declares no handlers');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ownVersion, packageNameOf, scaffold, TEMPLATES } from 'create-wharf';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'create-wharf-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('create-wharf', () => {
  it('writes each template with the project name and this release of Wharf filled in', () => {
    for (const template of Object.keys(TEMPLATES) as (keyof typeof TEMPLATES)[]) {
      const dir = join(root, `My App ${template}`);
      const files = scaffold({ dir, template })
        .map((f) => relative(dir, f))
        .sort();
      expect(files).toEqual(
        expect.arrayContaining([
          '.dockerignore',
          '.gitignore',
          'Dockerfile',
          'README.md',
          'package.json',
          'tsconfig.build.json',
          'tsconfig.json',
        ]),
      );
      expect(files.some((f) => f.startsWith('test/'))).toBe(true);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(manifest.name).toBe(`my-app-${template}`);
      expect(manifest.type).toBe('module');
      expect(manifest.dependencies['@wharf/core']).toBe(`^${ownVersion()}`);
      expect(JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8')).compilerOptions.experimentalDecorators).toBe(true);
      for (const file of files) expect(readFileSync(join(dir, file), 'utf8'), file).not.toMatch(/\{\{\w+\}\}/);
    }
  });

  it('refuses a folder that is not empty, and an unknown template, saying what to do', () => {
    const dir = join(root, 'taken');
    scaffold({ dir, template: 'service' });
    writeFileSync(join(dir, 'mine.txt'), 'x');
    expect(() => scaffold({ dir, template: 'service' })).toThrow(/already exists and is not empty: choose a new folder name/);
    expect(() => scaffold({ dir: join(root, 'x'), template: 'gateway' as never })).toThrow(
      'Unknown template "gateway": use one of service, services',
    );
    expect(packageNameOf('/tmp/__Hello World!')).toBe('hello-world');
  });
});

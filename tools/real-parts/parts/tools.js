// Command-line tools the tests drive: installed when missing, never started.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { has } from '../lib/proc.js';

/** @typedef {import('./part.js').Tool} Tool */

const versionOf = (command, args) => {
  try {
    return (
      execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim()
        .split('\n')[0] ?? ''
    );
  } catch {
    return '';
  }
};

/** @type {Tool} */
export const chromium = {
  name: 'chromium',
  title: 'Chromium',
  purpose: 'browser tests (Swagger UI, the storefront) through playwright-core',
  packages: [{ pkg: 'chromium', present: () => has('chromium') }],
  version: () => versionOf('chromium', ['--version']),
};

/** @type {Tool} */
export const protoc = {
  name: 'protoc',
  title: 'protoc',
  purpose: 'checks that every emitted .proto compiles with the reference compiler',
  packages: [
    { pkg: 'protobuf-compiler', present: () => has('protoc') },
    // The well-known types (google/protobuf/*.proto) that emitted files import.
    { pkg: 'libprotobuf-dev', present: () => existsSync('/usr/include/google/protobuf/timestamp.proto') },
  ],
  version: () => versionOf('protoc', ['--version']),
};

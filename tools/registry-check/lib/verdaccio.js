// A private Verdaccio on loopback, its storage in a temporary folder: the registry the packages are
// published to before they are public, and the one CI installs them from by name.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/** The scopes and names that are ours: served only from this registry, never looked up upstream. */
export const OWN_PACKAGES = ['@wharf/*', 'create-wharf'];

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Everything that is not ours comes from the registry npm is configured with, through this one,
// so a project that points npm here gets both. Read from npm, never written down.
function upstreamRegistry() {
  return execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
}

function config(storage, upstream) {
  const own = OWN_PACKAGES.map((name) => `  '${name}':\n    access: $all\n    publish: $authenticated\n`).join('');
  return `storage: ${JSON.stringify(join(storage, 'storage'))}
auth:
  htpasswd:
    file: ${JSON.stringify(join(storage, 'htpasswd'))}
    max_users: 10
uplinks:
  upstream:
    url: ${JSON.stringify(upstream)}
    cache: false
    timeout: 60s
    maxage: 30m
packages:
${own}  '**':
    access: $all
    publish: $authenticated
    proxy: upstream
server:
  keepAliveTimeout: 60
web:
  enable: false
log: { type: stdout, format: json, level: warn }
`;
}

/**
 * Starts Verdaccio on 127.0.0.1 (a free port unless `port` is given) with its storage in a new
 * temporary folder, adds a user and returns its URL, a token that may publish, and `stop()`,
 * which stops the server and deletes the storage.
 */
export async function startVerdaccio({ port, log = () => {} } = {}) {
  const storage = mkdtempSync(join(tmpdir(), 'wharf-verdaccio-'));
  const configFile = join(storage, 'config.yaml');
  writeFileSync(configFile, config(storage, upstreamRegistry()));
  const listenPort = port ?? (await freePort());
  const url = `http://127.0.0.1:${listenPort}/`;
  const bin = join(require.resolve('verdaccio/package.json'), '..', 'bin', 'verdaccio');
  const child = spawn(process.execPath, [bin, '--config', configFile, '--listen', `127.0.0.1:${listenPort}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(storage, { recursive: true, force: true });
  };
  try {
    await waitUntilUp(url, child, () => output);
    const token = await addUser(url);
    log(`verdaccio ${require('verdaccio/package.json').version} listening on ${url} (storage ${storage})`);
    return { url, token, storage, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitUntilUp(url, child, output) {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`Verdaccio exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(new URL('-/ping', url));
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Verdaccio did not answer on ${url} within 30 s:\n${output()}`);
}

// What `npm adduser` does: the first PUT of a user creates it and answers with a token.
async function addUser(url) {
  const name = 'wharf-ci';
  const res = await fetch(new URL(`-/user/org.couchdb.user:${name}`, url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: `pw-${process.pid}-${Date.now()}`, type: 'user', roles: [] }),
  });
  const body = await res.json();
  if (!res.ok || typeof body.token !== 'string')
    throw new Error(`Verdaccio refused a new user: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}

// The real validators the deployment test runs, installed once and cached like the other real
// parts: kubernetes-validate (PyPI; it ships the Kubernetes API's JSON schemas) in a venv, and
// compose-check, built from examples/shop/deploy/compose-check with compose-go (the Go module proxy).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const DEPLOY = new URL('../deploy/', import.meta.url).pathname;
const CACHE = join(process.env.WHARF_SERVICES_CACHE ?? join(homedir(), '.cache', 'wharf-services'), 'shop-deploy-tools');

function digest(...files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(file));
  return hash.digest('hex').slice(0, 12);
}

/** The `kubernetes-validate` command, from a venv made for the pinned requirements. */
export function kubernetesValidate(): string {
  const requirements = join(DEPLOY, 'requirements.txt');
  const venv = join(CACHE, `venv-${digest(requirements)}`);
  const bin = join(venv, 'bin', 'kubernetes-validate');
  if (existsSync(bin)) return bin;
  mkdirSync(CACHE, { recursive: true });
  try {
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'pipe' });
  } catch {
    // Debian keeps venv in python3-venv.
    execFileSync('apt-get', ['install', '-y', '-q', 'python3-venv'], { stdio: 'pipe' });
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'pipe' });
  }
  execFileSync(join(venv, 'bin', 'pip'), ['install', '-q', '-r', requirements], { stdio: 'pipe', timeout: 300_000 });
  return bin;
}

/** The `compose-check` binary, built with the Go toolchain from the pinned go.mod and go.sum. */
export function composeCheck(): string {
  const source = join(DEPLOY, 'compose-check');
  const bin = join(CACHE, `compose-check-${digest(join(source, 'go.mod'), join(source, 'go.sum'), join(source, 'main.go'))}`);
  if (existsSync(bin)) return bin;
  mkdirSync(CACHE, { recursive: true });
  execFileSync('go', ['build', '-trimpath', '-o', bin, '.'], {
    cwd: source,
    stdio: 'pipe',
    timeout: 300_000,
    env: { ...process.env, GOFLAGS: '-buildvcs=false -mod=readonly' },
  });
  return bin;
}

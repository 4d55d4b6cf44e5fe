// Protocol probes for the services that speak HTTP, RESP (Redis) or PostgreSQL's protocol.
import { execFile } from 'node:child_process';
import { hostPort, talk } from './socket.js';

/**
 * GETs `url` and resolves with `describe(status, body)`; rejects on a network error, a timeout
 * or when `describe` throws.
 * @param {string} url
 * @param {(status: number, body: string) => string} describe
 */
export async function probeHttp(url, describe, headers = {}) {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(3_000) });
  const body = await response.text();
  return describe(response.status, body);
}

/** etcd's `/health`: `{"health":"true"}`. */
export function probeEtcd(url) {
  return probeHttp(new URL('/health', url).href, (status, body) => {
    const health = JSON.parse(body).health;
    if (status !== 200 || health !== 'true') throw new Error(`etcd is not healthy: ${status} ${body}`);
    return 'healthy (/health)';
  });
}

/** Eureka's registry listing, `GET <EUREKA_URL>/apps` as JSON. */
export function probeEureka(url) {
  return probeHttp(
    `${url.replace(/\/$/, '')}/apps`,
    (status, body) => {
      if (status !== 200) throw new Error(`GET /apps answered ${status}`);
      const apps = JSON.parse(body).applications?.application ?? [];
      return `registry answers (/apps: ${apps.length} application${apps.length === 1 ? '' : 's'})`;
    },
    { accept: 'application/json' },
  );
}

/** Prometheus's `/-/ready`. */
export function probePrometheus(url) {
  return probeHttp(new URL('/-/ready', url).href, (status, body) => {
    if (status !== 200) throw new Error(`/-/ready answered ${status}: ${body.trim()}`);
    return 'ready (/-/ready)';
  });
}

/** Jaeger's query API, `/api/services`. */
export function probeJaeger(url) {
  return probeHttp(new URL('/api/services', url).href, (status, body) => {
    if (status !== 200) throw new Error(`/api/services answered ${status}`);
    const services = JSON.parse(body).data ?? [];
    return `query API answers (${services.length} service${services.length === 1 ? '' : 's'} traced)`;
  });
}

/** Redis `PING` (after `AUTH` when the URL has a password) → `+PONG`. */
export function probeRedis(url) {
  const parsed = new URL(url);
  return talk(hostPort(url, 6379), async ({ write, read }) => {
    const line = async () => {
      let text = '';
      while (!text.endsWith('\r\n')) text += (await read(1)).toString('latin1');
      return text.trimEnd();
    };
    if (parsed.password) {
      const user = decodeURIComponent(parsed.username || 'default');
      write(Buffer.from(resp(['AUTH', user, decodeURIComponent(parsed.password)])));
      const auth = await line();
      if (auth !== '+OK') throw new Error(`AUTH failed: ${auth}`);
    }
    write(Buffer.from(resp(['PING'])));
    const pong = await line();
    if (pong !== '+PONG') throw new Error(`PING answered ${pong}`);
    return 'PONG';
  });
}

const resp = (parts) => `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;

/** `SELECT 1` through `psql` (PostgreSQL's own client, installed with the server). */
export function probePostgres(url) {
  return new Promise((resolve, reject) => {
    execFile(
      'psql',
      [url, '-XtAc', 'SELECT 1, current_setting($$server_version$$)'],
      { timeout: 5_000, env: { ...process.env, PGCONNECT_TIMEOUT: '3' } },
      (error, stdout, stderr) => {
        if (error) return reject(new Error((stderr || error.message).trim()));
        const [one, version] = stdout.trim().split('|');
        if (one !== '1') return reject(new Error(`SELECT 1 returned ${stdout.trim()}`));
        resolve(`PostgreSQL ${version} (SELECT 1)`);
      },
    );
  });
}

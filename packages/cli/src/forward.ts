// The transport packages' own commands, run from `wharf` when their package is installed.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A command another Wharf package ships. */
export interface Tool {
  /** `wharf <command> …` runs it. */
  readonly command: string;
  readonly bin: string;
  readonly pkg: string;
  readonly what: string;
}

export const TOOLS: readonly Tool[] = [
  {
    command: 'proto',
    bin: 'wharf-proto',
    pkg: '@wharf/transport-grpc',
    what: 'write the .proto of services (--out, --check), or import a .proto as a zod contract',
  },
  {
    command: 'amqp',
    bin: 'wharf-amqp',
    pkg: '@wharf/transport-amqp',
    what: 'dead letters (list, replay) and the AsyncAPI document',
  },
  {
    command: 'kafka',
    bin: 'wharf-kafka',
    pkg: '@wharf/transport-kafka',
    what: 'dead letters (list, replay) and the AsyncAPI document',
  },
  {
    command: 'registry',
    bin: 'wharf-registry',
    pkg: '@wharf/registry',
    what: 'list, watch, route, switch and drain instances in a registry',
  },
];

/** Runs a tool with the arguments given, its output on this terminal; resolves with its exit status. */
export function forward(tool: Tool, args: readonly string[]): Promise<number> {
  const require = createRequire(join(process.cwd(), 'package.json'));
  let manifestPath: string;
  try {
    manifestPath = require.resolve(`${tool.pkg}/package.json`);
  } catch {
    try {
      manifestPath = createRequire(import.meta.url).resolve(`${tool.pkg}/package.json`);
    } catch {
      console.error(`wharf ${tool.command} runs ${tool.bin}, which comes with ${tool.pkg}: npm install ${tool.pkg}`);
      return Promise.resolve(1);
    }
  }
  const manifest = require(manifestPath) as { bin: Record<string, string> };
  const script = join(dirname(manifestPath), manifest.bin[tool.bin]!);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit' });
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

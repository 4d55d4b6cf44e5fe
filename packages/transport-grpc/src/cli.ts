#!/usr/bin/env node
// wharf-proto: writes the .proto files of the services and contracts a module exports.
//   wharf-proto <module> [--out <dir>] [--check]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DeclarationError } from '@wharf/core';
import { exportedSources } from './schema/exported-sources.js';
import { protoFiles } from './schema/proto-files.js';
import { importProto } from './schema/proto-import.js';

const USAGE = `Usage: wharf-proto <module> [--out <dir>] [--check]
       wharf-proto import <file.proto>… [-I <dir>]… [--service <pkg.Service>] [--name <contract>] [--out <file.ts>]

Writes one .proto per service (and major version) that <module> exports, as a contract
(defineContract) or a service definition (defineService, implement), under <dir>
(default: ./proto), e.g. proto/greeter/v1/greeter.proto.

  <module>       a JavaScript module (build TypeScript first), e.g. dist/index.js
  --out <dir>    where to write; default ./proto
  --check        write nothing; exit 1 if a file is missing or differs (for CI)

import writes a TypeScript module with the zod schemas of the messages and enums the service
uses and a contract bound to the .proto (withProto), so handlers are typed and the wire is the
.proto's own (default --out: <service>.contract.ts).

  -I <dir>       include dir for the file and its imports, as protoc's -I (repeatable)
  --service      the fully-qualified service, when the files declare several`;

/** `wharf-proto import …`: a .proto service as a TypeScript module with its zod contract. */
function importCommand(argv: readonly string[]): number {
  const files: string[] = [];
  const includeDirs: string[] = [];
  let service: string | undefined;
  let name: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '-I' || arg === '--proto_path' || arg === '--include') includeDirs.push(value());
    else if (arg.startsWith('-I') && arg.length > 2) includeDirs.push(arg.slice(2));
    else if (arg === '--service') service = value();
    else if (arg === '--name') name = value();
    else if (arg === '--out') out = value();
    else if (!arg.startsWith('-')) files.push(arg);
    else throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
  }
  if (files.length === 0) throw new UsageError('import needs a .proto file');
  const outFile = out ?? `${basename(files[0]!, '.proto')}.contract.ts`;
  const result = importProto({ files, includeDirs, service, name, outFile });
  mkdirSync(dirname(resolve(outFile)), { recursive: true });
  writeFileSync(outFile, result.source);
  console.log(
    `${outFile}: contract ${result.contract} for ${result.service} (${result.methods} methods, ${result.messages} messages, ${result.enums} enums)`,
  );
  return 0;
}

class UsageError extends Error {}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'import') {
    try {
      return importCommand(argv.slice(1));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      console.error(`wharf-proto: ${error.message}\n\n${USAGE}`);
      return 2;
    }
  }
  let entry: string | undefined;
  let out = 'proto';
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--out') out = argv[++i] ?? out;
    else if (arg === '--check') check = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      return 0;
    } else if (entry === undefined && !arg.startsWith('-')) entry = arg;
    else {
      console.error(`wharf-proto: unexpected argument ${JSON.stringify(arg)}\n\n${USAGE}`);
      return 2;
    }
  }
  if (entry === undefined) {
    console.error(USAGE);
    return 2;
  }
  const module = (await import(pathToFileURL(resolve(entry)).href)) as Record<string, unknown>;
  const sources = exportedSources(module);
  if (sources.length === 0) {
    console.error(`wharf-proto: ${entry} exports no contract or service definition (export the contract, or defineService(...))`);
    return 2;
  }
  const files = protoFiles(sources);
  let stale = 0;
  for (const file of files) {
    const path = join(out, file.path);
    if (check) {
      let current: string | undefined;
      try {
        current = readFileSync(path, 'utf8');
      } catch {
        current = undefined;
      }
      if (current !== file.content) {
        stale++;
        console.error(`${path}: ${current === undefined ? 'missing' : 'out of date'}`);
      }
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content);
      console.log(path);
    }
  }
  if (stale > 0) {
    console.error(`wharf-proto: ${stale} file(s) out of date; run: wharf-proto ${entry} --out ${out}`);
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof DeclarationError) console.error(`wharf-proto: ${error.message}`);
    else console.error('wharf-proto:', error);
    process.exitCode = 1;
  },
);

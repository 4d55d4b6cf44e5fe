#!/usr/bin/env node
// npm create wharf [folder] [--template service|services]
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { scaffold, TEMPLATES, type TemplateName } from './scaffold.js';

const USAGE = `npm create wharf [folder] [-- --template NAME]

  Creates a Wharf project in a new folder (default: wharf-app). Templates:
${Object.entries(TEMPLATES)
  .map(([name, what]) => `    ${name.padEnd(10)} ${what}`)
  .join('\n')}
  Default: service.`;

/** `path` as one word for a POSIX shell, so the printed `cd` works when pasted. */
function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { template: { type: 'string', short: 't' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    // `npm create wharf my shop` is a name with a space left unquoted, not a folder `my`.
    throw new Error(
      `Give one folder name, not ${positionals.length} (${positionals.join(' ')}); quote a name with spaces: npm create wharf "${positionals.join(' ')}"`,
    );
  }
  const dir = positionals[0] ?? 'wharf-app';
  const template = (values.template ?? 'service') as TemplateName;
  scaffold({ dir, template });
  const where = shellWord(relative(process.cwd(), dir) || '.');
  console.log(`Created ${where} from the "${template}" template. Next:

  cd ${where}
  npm install
  npm test          # the unit tests, with the fault-injecting test transport
  npm run dev       # watch mode, readable logs
  npm run build && npm start

Its README says how to call it and how to add gRPC or AMQP.`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`create-wharf: ${(error as Error).message}\n\n${USAGE}`);
  process.exitCode = 1;
}

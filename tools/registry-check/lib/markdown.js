// Code blocks of a Markdown page, with what their info string says about them:
// ```ts                     a complete module: compiled (imports and all)
// ```ts file=src/todos.ts   the same, written to that path so other blocks can import it
// ```ts run                 compiled, then run with node; it must exit 0
// ```ts fragment            a piece of a larger program: only its syntax is checked
// ```sh, ```json file=…     commands and files, for a test that follows the page step by step
import { readFileSync } from 'node:fs';

/** Every fenced block of `file`, in order: `{ lang, flags, file, code, line }`. */
export function codeBlocks(path) {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S+)(.*)$/.exec(lines[i]);
    if (open === null) continue;
    const indent = open[1].length;
    const words = open[3].trim().split(/\s+/).filter(Boolean);
    const file = words.find((w) => w.startsWith('file='))?.slice('file='.length);
    const body = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]); j++) body.push(lines[j].slice(indent));
    blocks.push({
      lang: open[2],
      flags: words.filter((w) => !w.startsWith('file=')),
      file,
      code: `${body.join('\n')}\n`,
      line: i + 1,
    });
    i = j;
  }
  return blocks;
}

/** True for a TypeScript block. */
export const isTypeScript = (block) => block.lang === 'ts' || block.lang === 'typescript';

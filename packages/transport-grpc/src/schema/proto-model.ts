// The model of a generated .proto file and its rendering as text. The text is the single source
// of truth: it is what `wharf-proto` writes and what the codec's protobufjs Root is parsed from.

/** Retired field numbers and names (`reserved 2, 5; reserved "old";`). */
export interface ReservedModel {
  readonly numbers: readonly number[];
  readonly names: readonly string[];
}

export interface FieldModel {
  readonly name: string;
  readonly number: number;
  /** `single`: no label (or a message, which has presence anyway); `optional`: explicit presence. */
  readonly rule: 'single' | 'optional' | 'repeated' | 'map';
  /** The value type as written in the .proto (scalar, nested name or qualified name). */
  readonly type: string;
  /** The key type of a map. */
  readonly keyType?: string;
  /** The oneof it belongs to (discriminated unions). */
  readonly oneof?: string;
  readonly comment?: string;
}

export interface EnumModel {
  readonly kind: 'enum';
  readonly name: string;
  readonly values: readonly { readonly name: string; readonly number: number }[];
  readonly reserved: ReservedModel;
  readonly comment?: string;
}

export interface MessageModel {
  readonly kind: 'message';
  readonly name: string;
  readonly fields: FieldModel[];
  readonly nested: (MessageModel | EnumModel)[];
  reserved: ReservedModel;
  comment?: string;
}

export interface MethodModel {
  readonly name: string;
  readonly input: string;
  readonly output: string;
  readonly clientStreams: boolean;
  readonly serverStreams: boolean;
  readonly comment?: string;
}

export interface FileModel {
  /** Path of the file, e.g. `greeter/v1/greeter.proto`. */
  readonly path: string;
  readonly package: string;
  readonly header: readonly string[];
  readonly imports: ReadonlySet<string>;
  readonly service: { readonly name: string; readonly methods: readonly MethodModel[]; readonly comment?: string };
  readonly messages: readonly (MessageModel | EnumModel)[];
}

function comment(text: string | undefined, indent: string): string[] {
  if (text === undefined) return [];
  return text
    .trim()
    .split(/\r?\n/)
    .map((line) => `${indent}//${line.trim() === '' ? '' : ` ${line.trimEnd()}`}`);
}

function ranges(numbers: readonly number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i] as number;
    let end = start;
    while (sorted[i + 1] === end + 1) end = sorted[++i] as number;
    out.push(end === start ? String(start) : `${start} to ${end}`);
  }
  return out.join(', ');
}

function reservedLines(reserved: ReservedModel, indent: string): string[] {
  const lines: string[] = [];
  if (reserved.numbers.length > 0) lines.push(`${indent}reserved ${ranges(reserved.numbers)};`);
  if (reserved.names.length > 0) lines.push(`${indent}reserved ${reserved.names.map((n) => JSON.stringify(n)).join(', ')};`);
  return lines;
}

function fieldLine(field: FieldModel, indent: string): string {
  const type = field.rule === 'map' ? `map<${field.keyType}, ${field.type}>` : field.type;
  const label = field.rule === 'optional' ? 'optional ' : field.rule === 'repeated' ? 'repeated ' : '';
  return `${indent}${label}${type} ${field.name} = ${field.number};`;
}

function renderEnum(model: EnumModel, indent: string): string[] {
  const inner = `${indent}  `;
  return [
    ...comment(model.comment, indent),
    `${indent}enum ${model.name} {`,
    ...reservedLines(model.reserved, inner),
    ...model.values.map((v) => `${inner}${v.name} = ${v.number};`),
    `${indent}}`,
  ];
}

function renderMessage(model: MessageModel, indent: string): string[] {
  const inner = `${indent}  `;
  const body: string[] = [...reservedLines(model.reserved, inner)];
  let openOneof: string | undefined;
  for (const field of model.fields) {
    if (field.oneof !== openOneof) {
      if (openOneof !== undefined) body.push(`${inner}}`);
      if (field.oneof !== undefined) body.push(`${inner}oneof ${field.oneof} {`);
      openOneof = field.oneof;
    }
    const fieldIndent = openOneof === undefined ? inner : `${inner}  `;
    body.push(...comment(field.comment, fieldIndent), fieldLine(field, fieldIndent));
  }
  if (openOneof !== undefined) body.push(`${inner}}`);
  for (const nested of model.nested) {
    if (body.length > 0) body.push('');
    body.push(...(nested.kind === 'enum' ? renderEnum(nested, inner) : renderMessage(nested, inner)));
  }
  if (body.length === 0) return [...comment(model.comment, indent), `${indent}message ${model.name} {}`];
  return [...comment(model.comment, indent), `${indent}message ${model.name} {`, ...body, `${indent}}`];
}

/** The .proto text of a file model. */
export function renderFile(file: FileModel): string {
  const lines: string[] = [...file.header.map((line) => `//${line === '' ? '' : ` ${line}`}`), '', 'syntax = "proto3";', ''];
  lines.push(`package ${file.package};`, '');
  if (file.imports.size > 0) {
    for (const path of [...file.imports].sort()) lines.push(`import "${path}";`);
    lines.push('');
  }
  const service = file.service;
  lines.push(...comment(service.comment, ''), `service ${service.name} {`);
  service.methods.forEach((method, i) => {
    if (i > 0 && method.comment !== undefined) lines.push('');
    const input = method.clientStreams ? `stream ${method.input}` : method.input;
    const output = method.serverStreams ? `stream ${method.output}` : method.output;
    lines.push(...comment(method.comment, '  '), `  rpc ${method.name}(${input}) returns (${output});`);
  });
  lines.push('}');
  for (const type of file.messages) lines.push('', ...(type.kind === 'enum' ? renderEnum(type, '') : renderMessage(type, '')));
  return `${lines.join('\n')}\n`;
}

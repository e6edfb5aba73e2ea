import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { Schema } from './schema.js';

/** One problem in a policy file, with its position. */
export interface PolicyIssue {
  line: number;
  column: number;
  /** Dotted path of the offending value, e.g. `network.allow[0].port`. */
  path: string;
  message: string;
}

export interface ParsedPolicyText {
  value: unknown;
  issues: PolicyIssue[];
}

/** Parses YAML and checks it against the schema, collecting every issue with its line. */
export function parseAndValidate(text: string, schema: Schema): ParsedPolicyText {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const issues: PolicyIssue[] = [];
  const at = (offset: number | undefined) => {
    const pos = lines.linePos(offset ?? 0);
    return { line: pos.line, column: pos.col };
  };
  for (const err of doc.errors) {
    const first = err.message.split('\n')[0] ?? err.message;
    issues.push({ ...at(err.pos[0]), path: '', message: `YAML syntax: ${first.replace(/ at line \d+, column \d+:?$/, '')}` });
  }
  if (issues.length > 0) return { value: undefined, issues };
  if (doc.contents === null) {
    // An empty file is a valid policy that adds nothing.
    return { value: {}, issues };
  }
  walk(doc.contents as YamlNode, schema, '', issues, at);
  return { value: doc.toJS(), issues };
}

type At = (offset: number | undefined) => { line: number; column: number };

function describe(node: YamlNode): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'nothing (null)';
    if (typeof v === 'string') return `the text ${JSON.stringify(v)}`;
    return `${typeof v} ${String(v)}`;
  }
  return 'an unsupported YAML node (aliases and tags are not allowed)';
}

function expected(schema: Schema): string {
  if (schema['x-hint']) return schema['x-hint'];
  if (schema.enum) return `one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  switch (schema.type) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'integer': {
      const range =
        schema.minimum !== undefined && schema.maximum !== undefined ? ` ${schema.minimum}-${schema.maximum}` : '';
      return `a whole number${range}`;
    }
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'text';
    default:
      return 'a valid value';
  }
}

/** Validates without recording, for anyOf branches. */
function fits(node: YamlNode, schema: Schema, at: At): boolean {
  const scratch: PolicyIssue[] = [];
  walk(node, schema, '', scratch, at);
  return scratch.length === 0;
}

function walk(node: YamlNode, schema: Schema, path: string, issues: PolicyIssue[], at: At): void {
  const here = at(node.range?.[0]);
  const fail = (message: string) => issues.push({ ...here, path, message });
  const label = path || 'the policy';

  if (schema.anyOf) {
    if (!schema.anyOf.some((branch) => fits(node, branch, at))) {
      fail(`${label}: expected ${expected(schema)}, got ${describe(node)}`);
    }
    return;
  }

  switch (schema.type) {
    case 'object': {
      if (!isMap(node)) return void fail(`${label}: expected ${expected(schema)}, got ${describe(node)}`);
      const props = schema.properties ?? {};
      const seen = new Set<string>();
      for (const pair of node.items) {
        const keyNode = pair.key as YamlNode;
        const key = isScalar(keyNode) ? String(keyNode.value) : '';
        const keyPath = path ? `${path}.${key}` : key;
        seen.add(key);
        if (schema.propertyNames && !fits(keyNode, schema.propertyNames, at)) {
          issues.push({ ...at(keyNode.range?.[0]), path: keyPath, message: `${keyPath}: key must be ${expected(schema.propertyNames)}` });
          continue;
        }
        const valueNode = pair.value as YamlNode | null;
        const sub = props[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
        if (!sub) {
          const allowed = Object.keys(props);
          const guess = closest(key, allowed);
          issues.push({
            ...at(keyNode.range?.[0]),
            path: keyPath,
            message: `${keyPath}: unknown key${guess ? ` (did you mean \`${guess}\`?)` : ''}; allowed here: ${allowed.join(', ')}`,
          });
          continue;
        }
        if (valueNode === null || (isScalar(valueNode) && valueNode.value === null)) {
          issues.push({ ...at(keyNode.range?.[0]), path: keyPath, message: `${keyPath}: has no value; expected ${expected(sub)}` });
          continue;
        }
        walk(valueNode, sub, keyPath, issues, at);
      }
      for (const req of schema.required ?? []) {
        if (!seen.has(req)) fail(`${label}: missing required key \`${req}\``);
      }
      return;
    }
    case 'array': {
      if (!isSeq(node)) return void fail(`${label}: expected ${expected(schema)}, got ${describe(node)}`);
      if (schema.minItems !== undefined && node.items.length < schema.minItems) return void fail(`${label}: must list at least ${schema.minItems}`);
      node.items.forEach((item, i) => {
        if (schema.items) walk(item as YamlNode, schema.items, `${path}[${i}]`, issues, at);
      });
      return;
    }
    default: {
      if (!isScalar(node)) return void fail(`${label}: expected ${expected(schema)}, got ${describe(node)}`);
      const v = node.value;
      const typeOk =
        (schema.type === 'string' && typeof v === 'string') ||
        (schema.type === 'integer' && typeof v === 'number' && Number.isInteger(v)) ||
        (schema.type === 'boolean' && typeof v === 'boolean') ||
        schema.type === undefined;
      if (!typeOk) return void fail(`${label}: expected ${expected(schema)}, got ${describe(node)}`);
      if (schema.enum && !schema.enum.includes(v as string | number | boolean)) {
        return void fail(`${label}: expected ${expected(schema)}, got ${describe(node)}`);
      }
      if (typeof v === 'number') {
        if ((schema.minimum !== undefined && v < schema.minimum) || (schema.maximum !== undefined && v > schema.maximum)) {
          return void fail(`${label}: expected ${expected(schema)}, got ${v}`);
        }
      }
      if (typeof v === 'string') {
        if (schema.minLength !== undefined && v.length < schema.minLength) {
          return void fail(`${label}: must not be empty`);
        }
        if (schema.pattern && !new RegExp(schema.pattern).test(v)) {
          return void fail(`${label}: expected ${expected(schema)}, got ${JSON.stringify(v)}`);
        }
      }
    }
  }
}

/** The allowed name closest to a misspelt one, when it is close enough to be a likely typo. */
function closest(word: string, options: string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const option of options) {
    const d = editDistance(word.toLowerCase(), option.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = option;
    }
  }
  return bestDist <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/**
 * YAML for the manifests synth writes: block style, two-space indent, keys in the order given,
 * and scalars written so that YAML 1.1 (what Kubernetes' sigs.k8s.io/yaml reads) and YAML 1.2
 * read the same value. A string is plain only when it cannot be read as anything else in
 * either version; otherwise it is double-quoted, or a literal block when it spans lines.
 * About ten times faster than the general-purpose serializer (the largest part of synth);
 * test/yaml.test.ts reads every rendered file back with both versions.
 */
export function toYaml(value: unknown): string {
  const out: string[] = [];
  if (isObject(value) && Object.keys(value).length > 0) writeMapping(value, 0, out);
  else if (Array.isArray(value) && value.length > 0) writeSequence(value, 0, out);
  else out.push(`${scalar(value, 0)}\n`);
  return out.join('');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCollection = (v: unknown) => (isObject(v) && Object.keys(v).length > 0) || (Array.isArray(v) && v.length > 0);
const pad = (n: number) => ' '.repeat(n);

function writeMapping(map: Record<string, unknown>, indent: number, out: string[], firstPrefix?: string): void {
  let first = true;
  for (const [key, v] of Object.entries(map)) {
    if (v === undefined) continue;
    const lead = first && firstPrefix !== undefined ? firstPrefix : pad(indent);
    first = false;
    if (isCollection(v)) {
      out.push(`${lead}${text(key, indent)}:\n`);
      if (Array.isArray(v)) writeSequence(v, indent + 2, out);
      else writeMapping(v as Record<string, unknown>, indent + 2, out);
    } else {
      out.push(`${lead}${text(key, indent)}: ${scalar(v, indent + 2)}\n`);
    }
  }
}

function writeSequence(list: readonly unknown[], indent: number, out: string[]): void {
  for (const item of list) {
    if (isObject(item) && Object.keys(item).length > 0) writeMapping(item, indent + 2, out, `${pad(indent)}- `);
    else if (Array.isArray(item) && item.length > 0) {
      out.push(`${pad(indent)}-\n`);
      writeSequence(item, indent + 2, out);
    } else out.push(`${pad(indent)}- ${scalar(item ?? null, indent + 2)}\n`);
  }
}

function scalar(v: unknown, indent: number): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    // An exponent without a dot is a string to YAML 1.1; no manifest value needs one.
    if (!Number.isFinite(v) || /e/i.test(String(v))) throw new Error(`cannot write ${v} as YAML`);
    return String(v);
  }
  if (typeof v === 'string') return text(v, indent);
  if (Array.isArray(v)) return '[]';
  if (isObject(v)) return '{}';
  throw new Error(`cannot write a ${typeof v} as YAML`);
}

// YAML 1.1 implicit types a plain scalar could be read as (yaml.org/type: bool, null, int,
// float, timestamp, merge, value), and the 1.2 core schema's; such strings are quoted.
const SPECIAL_WORD = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|<<|=)$/;
const NUMBER_LIKE = /^[-+.]?[0-9]|^[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$/;
// Safe anywhere in a block plain scalar (no indicator that could start a comment, a mapping, an
// alias, a tag or a flow collection); a conservative subset of what YAML allows.
const PLAIN = /^[A-Za-z_/$(][A-Za-z0-9_ ./$()@=+-]*(?:[:][A-Za-z0-9_./$()@=+-][A-Za-z0-9_ ./:$()@=+-]*)*$/;
const PRINTABLE_MULTILINE = /^[^\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]*$/;

function text(s: string, indent: number): string {
  if (s.includes('\n')) return block(s, indent) ?? quoted(s);
  if (s === '' || s !== s.trim() || SPECIAL_WORD.test(s) || NUMBER_LIKE.test(s) || !PLAIN.test(s) || s.includes(' #') || s.endsWith(':') || s.includes(': ')) return quoted(s);
  return s;
}

/** A literal block (`|`), readable in a diff; undefined when a literal cannot hold `s` exactly. */
function block(s: string, indent: number): string | undefined {
  if (!PRINTABLE_MULTILINE.test(s)) return undefined;
  const body = s.replace(/\n+$/, '');
  const trailing = s.length - body.length;
  const lines = body.split('\n');
  // Trailing blanks would be kept by a literal but flagged by linters; leading tabs are not indentation.
  if (lines.some((l) => /[ \t]$/.test(l) || l.startsWith('\t'))) return undefined;
  // A first line that starts with a space would need an indentation indicator: quoted instead.
  if (lines[0].startsWith(' ')) return undefined;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const inner = pad(indent);
  const content = lines.map((l) => (l === '' ? '' : `${inner}${l}`)).join('\n');
  return `|${chomp}\n${content}${'\n'.repeat(Math.max(0, trailing - 1))}`;
}

/** A double-quoted scalar: JSON's escapes are YAML's, and characters YAML 1.1 calls unprintable are escaped too. */
function quoted(s: string): string {
  return JSON.stringify(s).replace(/[\x7f-\x9f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

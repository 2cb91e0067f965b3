import { MicroscopeError } from '@microscope/contracts';
import type { SqlParams, SqlValue } from './warehouse';

/**
 * Client-side binding of ClickHouse `{name:Type}` placeholders as escaped literals.
 *
 * ClickHouse 18.16 has no server-side query parameters, so every implementation that talks to it (and, for one code
 * path everywhere, chDB too) turns each placeholder into a literal of its declared type here. Values are validated
 * against the type, never pasted: strings are quoted and escaped, numbers must be finite and in range, identifiers
 * must be plain names. Placeholders inside string literals, quoted identifiers and comments are left alone, as the
 * server would leave them.
 */
export function bindParams(sql: string, params: SqlParams = {}): string {
  const used = new Set<string>();
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const skipped = skipInert(sql, i);
    if (skipped > i) {
      out += sql.slice(i, skipped);
      i = skipped;
      continue;
    }
    if (sql[i] === '{') {
      PLACEHOLDER.lastIndex = i;
      const placeholder = PLACEHOLDER.exec(sql);
      if (placeholder) {
        const [text, name, typeSource] = placeholder;
        if (!Object.prototype.hasOwnProperty.call(params, name)) {
          throw bindError(`query parameter "${name}" is used in the SQL but no value was given`);
        }
        used.add(name);
        out += literal(parseType(typeSource.trim(), name), params[name], name);
        i += text.length;
        continue;
      }
    }
    out += sql[i];
    i += 1;
  }
  const unused = Object.keys(params).filter((name) => !used.has(name));
  if (unused.length > 0) throw bindError(`query parameter(s) ${unused.map((n) => `"${n}"`).join(', ')} given but not used in the SQL`);
  return out;
}

/** Escapes a string as a ClickHouse single-quoted literal (valid in ClickHouse 18.16 and 23+). */
export function quoteString(value: string): string {
  let out = "'";
  for (const ch of value) {
    const escaped = STRING_ESCAPES[ch];
    out += escaped ?? ch;
  }
  return `${out}'`;
}

/** A plain identifier (table, column) as a back-quoted ClickHouse identifier; anything else is refused. */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw bindError(`"${name}" is not a valid identifier (letters, digits and "_", not starting with a digit, at most 128 characters)`);
  }
  return `\`${name}\``;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const PLACEHOLDER = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([A-Za-z0-9_(),\s]+?)\s*\}/y;

// Backslash and quote must be escaped; NUL would truncate the query at a C boundary (chDB); the other control
// characters are escaped so bound SQL stays one readable line in logs.
const STRING_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** Returns the index after a string literal, quoted identifier or comment starting at `i`, or `i` if none starts there. */
function skipInert(sql: string, i: number): number {
  const ch = sql[i];
  if (ch === "'" || ch === '"' || ch === '`') return skipQuoted(sql, i, ch);
  if (ch === '-' && sql[i + 1] === '-') return lineEnd(sql, i);
  if (ch === '/' && sql[i + 1] === '*') {
    const end = sql.indexOf('*/', i + 2);
    if (end < 0) throw bindError('unterminated /* comment in SQL');
    return end + 2;
  }
  return i;
}

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === '\\') {
      i += 2;
    } else if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2; // doubled quote is an escaped quote
      else return i + 1;
    } else {
      i += 1;
    }
  }
  throw bindError(`unterminated ${quote} quote in SQL`);
}

function lineEnd(sql: string, i: number): number {
  const end = sql.indexOf('\n', i);
  return end < 0 ? sql.length : end + 1;
}

type ParamType =
  | { kind: 'string' }
  | { kind: 'int'; name: string; min: bigint; max: bigint }
  | { kind: 'float'; name: string }
  | { kind: 'bool' }
  | { kind: 'date' }
  | { kind: 'datetime' }
  | { kind: 'uuid' }
  | { kind: 'identifier' }
  | { kind: 'nullable'; inner: ParamType }
  | { kind: 'array'; inner: ParamType };

const INT_RANGES: Record<string, [bigint, bigint]> = {
  UInt8: [0n, 255n],
  UInt16: [0n, 65535n],
  UInt32: [0n, 4294967295n],
  UInt64: [0n, 18446744073709551615n],
  Int8: [-128n, 127n],
  Int16: [-32768n, 32767n],
  Int32: [-2147483648n, 2147483647n],
  Int64: [-9223372036854775808n, 9223372036854775807n],
};

function parseType(text: string, param: string): ParamType {
  const wrapped = /^(Nullable|Array)\s*\(\s*(.+)\s*\)$/.exec(text);
  if (wrapped) {
    const inner = parseType(wrapped[2], param);
    if (inner.kind === 'identifier') throw bindError(`parameter "${param}": Identifier cannot be wrapped in ${wrapped[1]}`);
    if (wrapped[1] === 'Nullable' && (inner.kind === 'nullable' || inner.kind === 'array')) {
      throw bindError(`parameter "${param}": Nullable(${wrapped[2]}) is not a valid ClickHouse type`);
    }
    return wrapped[1] === 'Nullable' ? { kind: 'nullable', inner } : { kind: 'array', inner };
  }
  if (text === 'String') return { kind: 'string' };
  if (text in INT_RANGES) {
    const [min, max] = INT_RANGES[text];
    return { kind: 'int', name: text, min, max };
  }
  if (text === 'Float32' || text === 'Float64') return { kind: 'float', name: text };
  if (text === 'Bool') return { kind: 'bool' };
  if (text === 'Date') return { kind: 'date' };
  if (text === 'DateTime') return { kind: 'datetime' };
  if (text === 'UUID') return { kind: 'uuid' };
  if (text === 'Identifier') return { kind: 'identifier' };
  throw bindError(
    `parameter "${param}" has unsupported type "${text}" (supported: String, (U)Int8..64, Float32/64, Bool, Date, DateTime, UUID, Identifier, Nullable(T), Array(T))`,
  );
}

function literal(type: ParamType, value: SqlValue, param: string): string {
  if (value === null || value === undefined) {
    if (type.kind === 'nullable') return 'NULL';
    throw bindError(`parameter "${param}" is null but its type is not Nullable`);
  }
  switch (type.kind) {
    case 'nullable':
      return literal(type.inner, value, param);
    case 'array': {
      if (!Array.isArray(value)) throw typeError(param, `an array (${typeText(type)})`, value);
      // An empty [] has type Array(Nothing); the cast keeps comparisons and has() typed.
      if (value.length === 0) return `CAST([] AS ${typeText(type)})`;
      return `[${value.map((item, k) => literal(type.inner, item, `${param}[${k}]`)).join(', ')}]`;
    }
    case 'string':
      if (typeof value !== 'string') throw typeError(param, 'String', value);
      return quoteString(value);
    case 'int':
      return intLiteral(type, value, param);
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw typeError(param, `a finite ${type.name}`, value);
      return signed(String(value));
    case 'bool':
      if (typeof value !== 'boolean') throw typeError(param, 'Bool', value);
      return value ? '1' : '0'; // 18.16 has no true/false literals
    case 'date':
      if (typeof value !== 'string' || !isCalendarDate(value)) {
        throw typeError(param, 'a Date "YYYY-MM-DD"', value);
      }
      return `toDate(${quoteString(value)})`;
    case 'datetime':
      return `toDateTime(${epochSeconds(value, param)})`;
    case 'uuid':
      if (typeof value !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
        throw typeError(param, 'a UUID', value);
      }
      return `toUUID(${quoteString(value)})`;
    case 'identifier':
      if (typeof value !== 'string') throw typeError(param, 'an identifier', value);
      return quoteIdentifier(value);
  }
}

function intLiteral(type: Extract<ParamType, { kind: 'int' }>, value: SqlValue, param: string): string {
  let n: bigint;
  if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  // 64-bit values beyond 2^53 can only be given exactly as decimal strings.
  else if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) n = BigInt(value);
  else if (typeof value === 'boolean' && type.name === 'UInt8') n = value ? 1n : 0n;
  else throw typeError(param, `an integer (${type.name})`, value);
  if (n < type.min || n > type.max) throw bindError(`parameter "${param}" = ${n} is out of range for ${type.name}`);
  return signed(n.toString());
}

/** Negative literals in parentheses, so `a -{x:Int32}` cannot become the comment `a --5`. */
function signed(text: string): string {
  if (text === '-0') return '0';
  return text.startsWith('-') ? `(${text})` : text;
}

function epochSeconds(value: SqlValue, param: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= 4294967295) return value;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.test(value)) {
    // A timestamp without a zone is UTC, as every DateTime in the schema is.
    const iso = /Z|[+-]\d{2}:\d{2}$/.test(value) ? value : `${value.replace(' ', 'T')}Z`;
    const seconds = Math.floor(Date.parse(iso) / 1000);
    if (isCalendarDate(value.slice(0, 10)) && seconds >= 0 && seconds <= 4294967295) return seconds;
  }
  throw typeError(param, 'a DateTime (ISO-8601 text or epoch seconds)', value);
}

/** YYYY-MM-DD naming a real day (Date.parse alone would roll 2024-02-30 over to March). */
function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

function typeText(type: ParamType): string {
  switch (type.kind) {
    case 'nullable':
      return `Nullable(${typeText(type.inner)})`;
    case 'array':
      return `Array(${typeText(type.inner)})`;
    case 'string':
      return 'String';
    case 'int':
    case 'float':
      return type.name;
    case 'bool':
      return 'UInt8';
    case 'date':
      return 'Date';
    case 'datetime':
      return 'DateTime';
    case 'uuid':
      return 'UUID';
    case 'identifier':
      return 'String';
  }
}

function typeError(param: string, expected: string, value: unknown): MicroscopeError {
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : String(value);
  return bindError(`parameter "${param}" must be ${expected}, got ${Array.isArray(value) ? 'an array' : `${typeof value} ${shown}`}`);
}

function bindError(message: string): MicroscopeError {
  return new MicroscopeError('INVALID_INPUT', message);
}

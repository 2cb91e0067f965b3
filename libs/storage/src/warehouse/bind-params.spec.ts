import { MicroscopeError } from '@microscope/contracts';
import { bindParams, quoteIdentifier, quoteString } from './bind-params';

/** Reads a single-quoted ClickHouse literal back (the escapes bindParams emits), to prove quoting round-trips. */
function unquote(literal: string): string {
  expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
  const body = literal.slice(1, -1);
  const escapes: Record<string, string> = { '\\': '\\', "'": "'", '0': '\0', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  let out = '';
  for (let i = 0; i < body.length; i += 1) {
    if (body[i] === '\\') {
      const next = body[i + 1];
      if (!(next in escapes)) throw new Error(`unexpected escape \\${next}`);
      out += escapes[next];
      i += 1;
    } else {
      if (body[i] === "'") throw new Error(`unescaped quote at ${i} in ${literal}`);
      out += body[i];
    }
  }
  return out;
}

function invalid(fn: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MicroscopeError);
  expect((caught as MicroscopeError).code).toBe('INVALID_INPUT');
  expect((caught as MicroscopeError).message).toMatch(message);
}

describe('quoteString', () => {
  const nasty = [
    '',
    "'",
    "''",
    '\\',
    "\\'",
    "a\\'; DROP TABLE t; --",
    "' OR '1'='1",
    'line\nbreak',
    'nul\u0000byte',
    '\b\f\r\t',
    '🔬 日本語 ü',
    "'\\'\\\\''",
  ];

  it.each(nasty)('round-trips %j and leaves no unescaped quote', (value) => {
    expect(unquote(quoteString(value))).toBe(value);
  });

  it('round-trips random strings of quotes, backslashes and control characters', () => {
    const alphabet = ["'", '\\', '"', '`', '\n', '\0', 'a', '{', '}', ':', '-', '/', '*', 'ü'];
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 500; n += 1) {
      const value = Array.from({ length: Math.floor(random() * 20) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      expect(unquote(quoteString(value))).toBe(value);
    }
  });
});

describe('quoteIdentifier', () => {
  it('back-quotes plain names and refuses anything else', () => {
    expect(quoteIdentifier('unit_stats')).toBe('`unit_stats`');
    for (const bad of ['', '1abc', 'a-b', 'a b', 'a`b', 'a;b', 't; DROP TABLE x', 'db.table', 'x'.repeat(129)]) {
      invalid(() => quoteIdentifier(bad), /not a valid identifier/);
    }
  });
});

describe('bindParams', () => {
  it('replaces each placeholder with a literal of its type', () => {
    expect(bindParams('SELECT {s:String}, {n:UInt32}, {f:Float64}, {b:Bool}', { s: "it's", n: 7, f: 0.5, b: false })).toBe(
      "SELECT 'it\\'s', 7, 0.5, 0",
    );
    expect(bindParams('SELECT * FROM t WHERE a = {a:String} AND b = {a:String}', { a: 'x' })).toBe("SELECT * FROM t WHERE a = 'x' AND b = 'x'");
    expect(bindParams('SELECT { v : Int32 }', { v: 3 })).toBe('SELECT 3');
    expect(bindParams('SELECT 1')).toBe('SELECT 1');
  });

  it('wraps negative numbers so that "a -{x}" cannot turn into a comment', () => {
    expect(bindParams('SELECT a -{x:Int32}', { x: -5 })).toBe('SELECT a -(-5)');
    expect(bindParams('SELECT a -{x:Float64}', { x: -0.5 })).toBe('SELECT a -(-0.5)');
    expect(bindParams('SELECT {x:Float64}', { x: -0 })).toBe('SELECT 0');
  });

  it('checks integer types: integral, in range, 64-bit values as exact decimal strings', () => {
    expect(bindParams('{x:UInt8}', { x: 255 })).toBe('255');
    expect(bindParams('{x:Int8}', { x: -128 })).toBe('(-128)');
    expect(bindParams('{x:UInt64}', { x: '18446744073709551615' })).toBe('18446744073709551615');
    expect(bindParams('{x:Int64}', { x: '-9223372036854775808' })).toBe('(-9223372036854775808)');
    invalid(() => bindParams('{x:UInt8}', { x: 256 }), /out of range for UInt8/);
    invalid(() => bindParams('{x:UInt32}', { x: -1 }), /out of range/);
    invalid(() => bindParams('{x:Int32}', { x: 2 ** 31 }), /out of range/);
    invalid(() => bindParams('{x:UInt64}', { x: '18446744073709551616' }), /out of range/);
    invalid(() => bindParams('{x:Int32}', { x: 1.5 }), /must be an integer/);
    invalid(() => bindParams('{x:Int64}', { x: 2 ** 60 }), /must be an integer/); // not exact as a number
    invalid(() => bindParams('{x:Int32}', { x: '1 OR 1=1' }), /must be an integer/);
    invalid(() => bindParams('{x:Int32}', { x: '0x10' }), /must be an integer/);
    invalid(() => bindParams('{x:Int32}', { x: Number.NaN }), /must be an integer/);
  });

  it('requires finite floats', () => {
    expect(bindParams('{x:Float32}', { x: 1e-7 })).toBe('1e-7');
    expect(bindParams('{x:Float64}', { x: 12 })).toBe('12');
    for (const x of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) invalid(() => bindParams('{x:Float64}', { x }), /finite/);
    invalid(() => bindParams('{x:Float64}', { x: '1.5' }), /finite Float64/);
  });

  it('binds arrays (empty ones typed), nullables, dates, timestamps and UUIDs', () => {
    expect(bindParams('{xs:Array(String)}', { xs: ['a', "b'"] })).toBe("['a', 'b\\'']");
    expect(bindParams('{xs:Array(Int32)}', { xs: [1, -2] })).toBe('[1, (-2)]');
    expect(bindParams('{xs:Array(Array(UInt8))}', { xs: [[1], []] })).toBe('[[1], CAST([] AS Array(UInt8))]');
    expect(bindParams('{xs:Array(UInt32)}', { xs: [] })).toBe('CAST([] AS Array(UInt32))');
    expect(bindParams('{xs:Array(Bool)}', { xs: [] })).toBe('CAST([] AS Array(UInt8))');
    expect(bindParams('{xs:Array(Nullable(String))}', { xs: ['a', null] })).toBe("['a', NULL]");
    expect(bindParams('{x:Nullable(Float64)}', { x: null })).toBe('NULL');
    expect(bindParams('{x:Nullable(Float64)}', { x: 2 })).toBe('2');
    expect(bindParams('{d:Date}', { d: '2024-02-29' })).toBe("toDate('2024-02-29')");
    expect(bindParams('{t:DateTime}', { t: '2024-01-01T00:00:10Z' })).toBe('toDateTime(1704067210)');
    expect(bindParams('{t:DateTime}', { t: '2024-01-01 00:00:10' })).toBe('toDateTime(1704067210)');
    expect(bindParams('{t:DateTime}', { t: '2024-01-01T02:00:10+02:00' })).toBe('toDateTime(1704067210)');
    expect(bindParams('{t:DateTime}', { t: 1704067210 })).toBe('toDateTime(1704067210)');
    expect(bindParams('{u:UUID}', { u: '123e4567-e89b-12d3-a456-426614174000' })).toBe("toUUID('123e4567-e89b-12d3-a456-426614174000')");
    invalid(() => bindParams('{xs:Array(String)}', { xs: 'a' }), /must be an array/);
    invalid(() => bindParams('{xs:Array(String)}', { xs: ['a', 1] }), /xs\[1\]" must be String/);
    invalid(() => bindParams('{x:String}', { x: null }), /is null but its type is not Nullable/);
    invalid(() => bindParams('{xs:Array(String)}', { xs: [null] }), /not Nullable/);
    invalid(() => bindParams('{d:Date}', { d: '2024-02-30' }), /Date/);
    invalid(() => bindParams('{d:Date}', { d: "2024-01-01' OR 1" }), /Date/);
    invalid(() => bindParams('{t:DateTime}', { t: 'yesterday' }), /DateTime/);
    invalid(() => bindParams('{t:DateTime}', { t: -1 }), /DateTime/);
    invalid(() => bindParams('{u:UUID}', { u: "x') OR 1 --" }), /UUID/);
    invalid(() => bindParams('{x:Nullable(Array(String))}', { x: [] }), /not a valid ClickHouse type/);
  });

  it('binds identifiers back-quoted and refuses anything but a plain name', () => {
    expect(bindParams('SELECT * FROM {t:Identifier}', { t: 'unit_stats' })).toBe('SELECT * FROM `unit_stats`');
    invalid(() => bindParams('SELECT * FROM {t:Identifier}', { t: 'x` UNION SELECT 1 --' }), /not a valid identifier/);
    invalid(() => bindParams('{t:Array(Identifier)}', { t: ['a'] }), /Identifier cannot be wrapped/);
  });

  it('refuses missing, unused and unknown-typed parameters with a clear message', () => {
    invalid(() => bindParams('SELECT {a:String}', {}), /"a" is used in the SQL but no value was given/);
    invalid(() => bindParams('SELECT 1', { a: 'x' }), /"a" given but not used/);
    invalid(() => bindParams('SELECT {a:Map(String, String)}', { a: 'x' }), /unsupported type "Map\(String, String\)"/);
    invalid(() => bindParams('SELECT {a:Decimal(10, 2)}', { a: 1 }), /unsupported type/);
    invalid(() => bindParams('SELECT {a:String}', { a: 1 }), /"a" must be String, got number 1/);
  });

  it('does not treat placeholders inside string literals, quoted identifiers or comments as parameters', () => {
    const sql = "SELECT '{a:String}', \"{a:String}\", `{a:String}`, 'it''s {a:String}', 'esc\\' {a:String}' -- {a:String}\n/* {a:String} */ , {a:String}";
    expect(bindParams(sql, { a: 'v' })).toBe(
      "SELECT '{a:String}', \"{a:String}\", `{a:String}`, 'it''s {a:String}', 'esc\\' {a:String}' -- {a:String}\n/* {a:String} */ , 'v'",
    );
    invalid(() => bindParams("SELECT 'unterminated {a:String}", { a: 'v' }), /unterminated ' quote/);
    invalid(() => bindParams('SELECT 1 /* open', {}), /unterminated \/\* comment/);
  });

  it('leaves braces that are not placeholders alone', () => {
    expect(bindParams('SELECT {not a placeholder}, {x:UInt8}', { x: 1 })).toBe('SELECT {not a placeholder}, 1');
  });

  it('keeps injection attempts inside one literal', () => {
    const attempts = ["'; DROP TABLE jobs; --", "\\'; DROP TABLE jobs; --", "' OR 1=1 /*", '{b:String}', "\n' UNION SELECT 1 --"];
    for (const attempt of attempts) {
      const bound = bindParams('SELECT * FROM t WHERE a = {a:String} AND b = 1', { a: attempt });
      const literal = bound.slice('SELECT * FROM t WHERE a = '.length, bound.length - ' AND b = 1'.length);
      expect(unquote(literal)).toBe(attempt);
      expect(bound.endsWith(' AND b = 1')).toBe(true);
    }
    // A value that looks like a placeholder is not expanded a second time.
    expect(bindParams('SELECT {a:String}, {b:String}', { a: '{b:String}', b: 'x' })).toBe("SELECT '{b:String}', 'x'");
  });
});

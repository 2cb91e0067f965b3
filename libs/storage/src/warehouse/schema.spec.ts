import { WAREHOUSE_TABLES, fromDateTimeText, schemaStatements, toDateTimeText } from './schema';

/** Column names and types of a CREATE TABLE statement, read back from its text. */
function columnsOf(ddl: string): Map<string, string> {
  const body = ddl.slice(ddl.indexOf('(') + 1, ddl.lastIndexOf('\n)'));
  const columns = new Map<string, string>();
  for (const line of body.split(',\n')) {
    const [name, ...type] = line.trim().split(' ');
    columns.set(name, type.join(' ').replace(/ COMMENT '.*'$/, ''));
  }
  return columns;
}

describe('warehouse schema', () => {
  it('defines every table the design names', () => {
    expect(WAREHOUSE_TABLES.map((t) => t.name).sort()).toEqual(
      [
        'studies',
        'models',
        'model_versions',
        'layers',
        'datasets',
        'dataset_images',
        'jobs',
        'job_events',
        'unit_stats',
        'unit_topk',
        'unit_activations',
        'unit_matches',
        'layer_similarity',
        'tuning_curves',
      ].sort(),
    );
    expect(schemaStatements()).toHaveLength(WAREHOUSE_TABLES.length);
  });

  it.each(WAREHOUSE_TABLES.map((t) => [t.name, t] as const))('%s is idempotent, deduplicating and keyed on its own columns', (_, table) => {
    expect(table.ddl.startsWith(`CREATE TABLE IF NOT EXISTS ${table.name} (`)).toBe(true);
    expect(table.ddl).toMatch(/ENGINE = ReplacingMergeTree\((\w*)\)\nORDER BY \(/);
    const columns = columnsOf(table.ddl);
    for (const key of table.key) expect(columns.has(key)).toBe(true);
    const version = /ReplacingMergeTree\((\w+)\)/.exec(table.ddl)?.[1];
    if (version) expect(columns.get(version)).toBe("DateTime('UTC')");
    expect(table.ddl).toContain(`ORDER BY (${table.key.join(', ')})`);
  });

  it('uses only what ClickHouse 18.16 accepts and no type that JSON output would quote', () => {
    for (const statement of schemaStatements().map((ddl) => ddl.replace(/ COMMENT '[^']*'/g, ''))) {
      for (const forbidden of ['DateTime64', 'Map(', 'TTL', 'LowCardinality', 'JSON', 'Int64', 'UInt64', 'Decimal', 'Bool ', 'Object(']) {
        expect(statement.includes(forbidden) ? `${forbidden} in ${statement.split('\n')[0]}` : null).toBeNull();
      }
    }
  });

  it('has the columns the analytics tables are read by', () => {
    const columns = (name: string) => columnsOf(WAREHOUSE_TABLES.find((t) => t.name === name)!.ddl);
    expect([...columns('unit_activations').entries()]).toEqual([
      ['version_id', 'String'],
      ['dataset_id', 'String'],
      ['layer', 'String'],
      ['unit', 'UInt32'],
      ['image_index', 'UInt32'],
      ['mean', 'Float32'],
      ['max', 'Float32'],
      ['argmax_y', 'UInt16'],
      ['argmax_x', 'UInt16'],
    ]);
    expect(columns('unit_stats').get('pooling')).toBe("Enum8('mean' = 1, 'max' = 2)");
    expect(columns('unit_stats').get('histogram_edges')).toBe('Array(Float64)');
    for (const c of ['rank', 'image_index', 'value', 'argmax_y', 'argmax_x', 'grid_h', 'grid_w']) expect(columns('unit_topk').has(c)).toBe(true);
  });

  it('converts timestamps to UTC DateTime text and back', () => {
    expect(toDateTimeText('2024-05-01T12:34:56.789Z')).toBe('2024-05-01 12:34:56');
    expect(toDateTimeText(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)))).toBe('2024-01-02 03:04:05');
    expect(toDateTimeText('2024-05-01T14:00:00+02:00')).toBe('2024-05-01 12:00:00');
    expect(fromDateTimeText('2024-05-01 12:34:56')).toBe('2024-05-01T12:34:56.000Z');
    expect(() => toDateTimeText('not a time')).toThrow(RangeError);
  });
});

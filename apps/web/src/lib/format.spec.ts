import { formatAgo, formatBytes, formatNumber, formatPercent, formatShape } from './format';

describe('formatNumber', () => {
  it('keeps about four significant digits', () => {
    expect(formatNumber(3.14159265)).toBe('3.142');
    expect(formatNumber(123.456)).toBe('123.5');
    expect(formatNumber(0.0123456)).toBe('0.01235');
    expect(formatNumber(12345)).toBe('12345');
  });
  it('drops trailing zeros and uses a true minus sign', () => {
    expect(formatNumber(2.5)).toBe('2.5');
    expect(formatNumber(-2)).toBe('−2');
  });
  it('switches to exponents only for extreme magnitudes', () => {
    expect(formatNumber(1.5e-5)).toBe('1.50e−5');
    expect(formatNumber(2.5e7)).toBe('2.50e+7');
  });
  it('shows missing values as a dash', () => {
    expect(formatNumber(undefined)).toBe('—');
    expect(formatNumber(Number.NaN)).toBe('—');
    expect(formatNumber(0)).toBe('0');
  });
});

describe('other formats', () => {
  it('formats percentages, shapes and sizes', () => {
    expect(formatPercent(0.456)).toBe('46%');
    expect(formatPercent(0.456, 1)).toBe('45.6%');
    expect(formatShape([14, 14, 32])).toBe('14 × 14 × 32');
    expect(formatShape([])).toBe('scalar');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(36392)).toBe('36 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
  });
  it('says how long ago, then the date', () => {
    const now = new Date('2025-01-10T12:00:00Z');
    expect(formatAgo('2025-01-10T11:59:58Z', now)).toBe('just now');
    expect(formatAgo('2025-01-10T11:59:00Z', now)).toBe('1 min ago');
    expect(formatAgo('2025-01-10T09:00:00Z', now)).toBe('3 h ago');
    expect(formatAgo('2024-12-01T00:00:00Z', now)).toBe('2024-12-01');
  });
});

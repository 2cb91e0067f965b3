import { float64CrossProduct } from './float64-cross-product';
import { matrix, transpose, type Matrix } from './matrix';
import { columnsOf, rowsOf } from './operand';
import { maxAbsDifference, multiply, randomMatrix } from './testing/random';

describe('float64CrossProduct', () => {
  // Depths around the 256-row block, widths around the 4-wide panel.
  it.each([
    [1, 1, 1],
    [3, 5, 2],
    [7, 4, 9],
    [255, 8, 13],
    [256, 12, 12],
    [600, 17, 6],
  ])('matches Aᵀ·B for depth %i, %i × %i', (depth, p, q) => {
    const a = randomMatrix(depth, p, depth + p);
    const b = randomMatrix(depth, q, depth + q + 100);
    const expected = multiply(transpose(a), b).data;
    const actual = float64CrossProduct(columnsOf(a), columnsOf(b));
    expect(maxAbsDifference(actual, expected)).toBeLessThan(1e-12 * depth);
  });

  it('gives the same bits for the symmetric shortcut as for the full product', () => {
    const a = randomMatrix(300, 11, 5);
    const operand = columnsOf(a);
    expect(float64CrossProduct(operand, operand, { symmetric: true })).toEqual(float64CrossProduct(operand, columnsOf(a)));
  });

  it('applies column slices, shifts and scales while reading', () => {
    const a = randomMatrix(40, 9, 6);
    const shift = Float64Array.from({ length: 9 }, (_, i) => i - 4);
    const scale = Float64Array.from({ length: 9 }, (_, i) => 0.5 + i);
    const transformed = matrix(40, 4, new Float64Array(40 * 4));
    for (let r = 0; r < 40; r++) {
      for (let c = 0; c < 4; c++) transformed.data[r * 4 + c] = (a.data[r * 9 + 3 + c] - shift[3 + c]) * scale[3 + c];
    }
    const actual = float64CrossProduct(columnsOf(a, { start: 3, end: 7, shift, scale }), columnsOf(a, { start: 3, end: 7, shift, scale }));
    expect(maxAbsDifference(actual, multiply(transpose(transformed), transformed).data)).toBeLessThan(1e-11);
  });

  it('computes Gram matrices X·Xᵀ from row operands, with centring', () => {
    const x = randomMatrix(6, 300, 7);
    const shift = Float64Array.from({ length: 300 }, (_, i) => Math.sin(i));
    const centred: Matrix = matrix(6, 300, x.data.map((v, i) => v - shift[i % 300]));
    const rows = rowsOf(x, { shift });
    const actual = float64CrossProduct(rows, rows, { symmetric: true });
    expect(maxAbsDifference(actual, multiply(centred, transpose(centred)).data)).toBeLessThan(1e-11);
  });

  it('reads float32 input', () => {
    const a = randomMatrix(50, 5, 8);
    const a32 = matrix(50, 5, Float32Array.from(a.data));
    const expected = multiply(transpose(a32), a32).data;
    expect(maxAbsDifference(float64CrossProduct(columnsOf(a32), columnsOf(a32)), expected)).toBeLessThan(1e-12);
  });

  it('refuses operands of different depth', () => {
    expect(() => float64CrossProduct(columnsOf(randomMatrix(3, 2, 1)), columnsOf(randomMatrix(4, 2, 1)))).toThrow(/depth/);
  });
});

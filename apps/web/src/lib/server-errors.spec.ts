import { fieldErrors, serverErrorInfo, UploadError, uploadErrorFrom } from './server-errors';

type Field = 'model' | 'label' | 'files' | 'seed';
const place = {
  fieldOfPath: (path: readonly PropertyKey[]): Field | undefined => {
    if (path[0] === 'training' && path[1] === 'seed') return 'seed';
    return (['model', 'label'] as const).find((f) => f === path[0]);
  },
  fieldOfCode: { INVALID_MODEL: 'files', CONFLICT: 'label', TOO_LARGE: 'files' } as const,
};

describe('fieldErrors', () => {
  it('places each zod issue on its field', () => {
    const error = {
      message: '[{"long json"}]',
      data: {
        code: 'BAD_REQUEST',
        issues: [
          { path: ['label'], message: 'must not be empty' },
          { path: ['training', 'seed'], message: 'expected int' },
          { path: ['label'], message: 'too short' },
        ],
      },
    };
    expect(fieldErrors(error, place)).toEqual({ label: 'must not be empty; too short', seed: 'expected int' });
  });

  it('puts issues it cannot place on the form, naming their path', () => {
    const error = { message: 'x', data: { issues: [{ path: ['preprocessing', 'std', 0], message: 'must be positive' }] } };
    expect(fieldErrors(error, place)).toEqual({ form: 'preprocessing.std.0: must be positive' });
  });

  it('places MicroscopeError codes, keeping the server message', () => {
    const error = { message: 'model.json is not valid JSON (Unexpected token)', data: { microscopeCode: 'INVALID_MODEL' } };
    expect(fieldErrors(error, place)).toEqual({ files: 'model.json is not valid JSON (Unexpected token)' });
    expect(fieldErrors({ message: 'no study named "x"', data: { microscopeCode: 'NOT_FOUND' } }, place)).toEqual({ form: 'no study named "x"' });
  });

  it('places upload refusals by their code', () => {
    expect(fieldErrors(new UploadError('TOO_LARGE', 'a.bin exceeds the upload limit'), place)).toEqual({ files: 'a.bin exceeds the upload limit' });
  });

  it('survives errors that are not objects', () => {
    expect(serverErrorInfo('boom')).toEqual({ message: 'boom' });
    expect(fieldErrors(new Error('network down'), place)).toEqual({ form: 'network down' });
  });
});

describe('uploadErrorFrom', () => {
  it('reads the route’s error body', async () => {
    const e = await uploadErrorFrom({ status: 400, json: async () => ({ error: { code: 'INVALID_INPUT', message: 'bad name' } }) }, 'x');
    expect(e).toMatchObject({ code: 'INVALID_INPUT', message: 'bad name' });
  });
  it('falls back to the status when the body is not ours', async () => {
    const e = await uploadErrorFrom({ status: 413, json: async () => Promise.reject(new Error('html')) }, 'big.bin');
    expect(e).toMatchObject({ code: 'TOO_LARGE', message: 'uploading big.bin failed (HTTP 413)' });
  });
});

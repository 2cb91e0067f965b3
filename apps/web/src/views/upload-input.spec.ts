import { fieldErrors } from '../lib/server-errors';
import { datasetFieldOfCode, datasetFieldOfPath, emptyModelForm, modelFieldOfCode, modelFieldOfPath, versionInput } from './upload-input';

describe('versionInput', () => {
  it('sends only what was filled in, numbers as numbers', () => {
    const input = versionInput('demo', { ...emptyModelForm, model: ' cnn ', label: 's1-e3', seed: '1', epoch: '3', accuracy: '0.91', licence: 'MIT' }, 'u');
    expect(input).toEqual({
      study: 'demo',
      model: 'cnn',
      label: 's1-e3',
      architecture: undefined,
      training: { seed: 1, epoch: 3, accuracy: 0.91, licence: 'MIT' },
      input: undefined,
      preprocessing: undefined,
      uploadId: 'u',
    });
  });
  it('passes text that is not a number on as typed, for the server to refuse by name', () => {
    expect(versionInput('demo', { ...emptyModelForm, seed: 'one' }, 'u').training).toEqual({ seed: 'one' });
  });
  it('builds the input size and preprocessing only when given', () => {
    const input = versionInput('demo', { ...emptyModelForm, height: '224', width: '224', scale: '0.0039', mean: '0.485, 0.456 0.406', std: '0.229,0.224,0.225' }, 'u');
    expect(input.input).toEqual({ height: 224, width: 224 });
    expect(input.preprocessing).toEqual({ scale: 0.0039, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  });
});

describe('placing server errors on the upload forms', () => {
  const model = { fieldOfPath: modelFieldOfPath, fieldOfCode: modelFieldOfCode };
  it('puts training issues next to their own field', () => {
    const error = { message: 'x', data: { issues: [{ path: ['training', 'seed'], message: 'Invalid input: expected number, received string' }, { path: ['label'], message: 'must not be empty' }] } };
    expect(fieldErrors(error, model)).toEqual({ seed: 'Invalid input: expected number, received string', label: 'must not be empty' });
  });
  it('puts an invalid model next to the files and a taken label next to the label', () => {
    expect(fieldErrors({ message: 'model.json is not valid JSON', data: { microscopeCode: 'INVALID_MODEL' } }, model)).toEqual({ files: 'model.json is not valid JSON' });
    expect(fieldErrors({ message: 'already has a version labelled "a"', data: { microscopeCode: 'CONFLICT' } }, model)).toEqual({ label: 'already has a version labelled "a"' });
  });
  it('puts a bad image next to the dataset files', () => {
    const dataset = { fieldOfPath: datasetFieldOfPath, fieldOfCode: datasetFieldOfCode };
    expect(fieldErrors({ message: 'x.png: not a decodable image', data: { microscopeCode: 'INVALID_IMAGE' } }, dataset)).toEqual({ files: 'x.png: not a decodable image' });
    expect(fieldErrors({ message: 'x', data: { issues: [{ path: ['name'], message: 'must not be empty' }] } }, dataset)).toEqual({ name: 'must not be empty' });
  });
});

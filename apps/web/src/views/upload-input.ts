/**
 * Turning the upload forms' text fields into the API's input. Numbers the user typed become numbers; anything
 * that is not one is passed on as typed, so the server's validation names the field and the problem.
 */
export interface ModelForm {
  model: string;
  label: string;
  architecture: string;
  seed: string;
  epoch: string;
  step: string;
  accuracy: string;
  trainedOn: string;
  source: string;
  licence: string;
  notes: string;
  height: string;
  width: string;
  channels: string;
  scale: string;
  mean: string;
  std: string;
}

export const emptyModelForm: ModelForm = {
  model: '',
  label: '',
  architecture: '',
  seed: '',
  epoch: '',
  step: '',
  accuracy: '',
  trainedOn: '',
  source: '',
  licence: '',
  notes: '',
  height: '',
  width: '',
  channels: '',
  scale: '',
  mean: '',
  std: '',
};

export type ModelField = Exclude<keyof ModelForm, 'height' | 'width' | 'channels' | 'scale' | 'mean' | 'std'> | 'input' | 'preprocessing' | 'files';

const numberOrText = (s: string): number | string => (/^\s*-?\d+(\.\d+)?([eE]-?\d+)?\s*$/.test(s) ? Number(s) : s);
const listOf = (s: string): (number | string)[] =>
  s
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(numberOrText);

export function versionInput(study: string, form: ModelForm, uploadId: string) {
  const training: Record<string, number | string> = {};
  const put = (key: string, value: string, numeric: boolean) => {
    if (value.trim() !== '') training[key] = numeric ? numberOrText(value) : value.trim();
  };
  put('seed', form.seed, true);
  put('epoch', form.epoch, true);
  put('step', form.step, true);
  put('accuracy', form.accuracy, true);
  put('dataset', form.trainedOn, false);
  put('source', form.source, false);
  put('licence', form.licence, false);
  put('notes', form.notes, false);
  const input: Record<string, number | string> = {};
  if (form.height.trim()) input.height = numberOrText(form.height);
  if (form.width.trim()) input.width = numberOrText(form.width);
  if (form.channels.trim()) input.channels = numberOrText(form.channels);
  const hasPre = [form.scale, form.mean, form.std].some((s) => s.trim());
  return {
    study,
    model: form.model.trim(),
    label: form.label.trim(),
    architecture: form.architecture.trim() || undefined,
    training,
    input: Object.keys(input).length ? input : undefined,
    preprocessing: hasPre
      ? {
          ...(form.scale.trim() ? { scale: numberOrText(form.scale) } : {}),
          ...(form.mean.trim() ? { mean: listOf(form.mean) } : {}),
          ...(form.std.trim() ? { std: listOf(form.std) } : {}),
        }
      : undefined,
    uploadId,
  };
}

const TRAINING_FIELDS: Record<string, ModelField> = {
  seed: 'seed',
  epoch: 'epoch',
  step: 'step',
  accuracy: 'accuracy',
  dataset: 'trainedOn',
  source: 'source',
  licence: 'licence',
  notes: 'notes',
};

/** Which field a server validation issue belongs to. */
export function modelFieldOfPath(path: readonly PropertyKey[]): ModelField | undefined {
  const [head, sub] = path;
  if (head === 'model' || head === 'label' || head === 'architecture') return head;
  if (head === 'training' && typeof sub === 'string') return TRAINING_FIELDS[sub];
  if (head === 'input') return 'input';
  if (head === 'preprocessing') return 'preprocessing';
  if (head === 'uploadId') return 'files';
  return undefined;
}

/** Error codes that are about the files (the model itself) or the label (already taken). */
export const modelFieldOfCode: Partial<Record<string, ModelField>> = {
  INVALID_MODEL: 'files',
  UNSUPPORTED: 'files',
  TOO_LARGE: 'files',
  CONFLICT: 'label',
};

export type DatasetField = 'name' | 'description' | 'files';

export function datasetFieldOfPath(path: readonly PropertyKey[]): DatasetField | undefined {
  const [head] = path;
  if (head === 'name' || head === 'description') return head;
  if (head === 'uploadId') return 'files';
  return undefined;
}

export const datasetFieldOfCode: Partial<Record<string, DatasetField>> = {
  INVALID_IMAGE: 'files',
  INVALID_INPUT: 'files',
  TOO_LARGE: 'files',
  CONFLICT: 'name',
};

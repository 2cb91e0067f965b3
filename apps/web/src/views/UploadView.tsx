'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Field, type FieldControlProps } from '../components/Field';
import { Breadcrumbs, PageHeader, Section } from '../components/layout-parts';
import { formatBytes } from '../lib/format';
import { routes, versionRef } from '../lib/routes';
import { fieldErrors, type FieldErrors } from '../lib/server-errors';
import { safeImageName, stageUpload } from '../lib/upload-client';
import type { ApiInputs } from '../trpc/api';
import { useTRPC } from '../trpc/react';
import { datasetFieldOfCode, datasetFieldOfPath, emptyModelForm, modelFieldOfCode, modelFieldOfPath, versionInput, type DatasetField, type ModelField, type ModelForm } from './upload-input';
import styles from '../app/pages.module.css';

type RegisterInput = ApiInputs['versions']['register'];

export function UploadView({ study, kind }: { study: string; kind: 'model' | 'dataset' }) {
  return (
    <>
      <Breadcrumbs items={[{ label: 'Studies', href: routes.home() }, { label: study, href: routes.study(study) }, { label: 'upload' }]} />
      <PageHeader eyebrow="Upload" title={kind === 'model' ? 'Register a model version' : 'Register a probe dataset'}>
        <p>
          Files go to the server first; it validates them (a model is imported into the graph representation, every image decoded) and stores nothing
          unless all is well. Problems are shown next to the field they concern.
        </p>
      </PageHeader>
      <nav className={styles.tabs} aria-label="What to upload">
        <Link className={styles.tab} href={routes.upload(study, 'model')} aria-current={kind === 'model' ? 'page' : undefined}>
          Model version
        </Link>
        <Link className={styles.tab} href={routes.upload(study, 'dataset')} aria-current={kind === 'dataset' ? 'page' : undefined}>
          Probe dataset
        </Link>
      </nav>
      {kind === 'model' ? <ModelUpload study={study} /> : <DatasetUpload study={study} />}
    </>
  );
}

/** After a refused submit, moves focus to the first field the server complained about (or the form's message). */
function useFocusFirstError(errors: object) {
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!Object.keys(errors).length) return;
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"], [role="alert"]')?.focus();
  }, [errors]);
  return form;
}

function FileList({ files }: { files: File[] }) {
  if (!files.length) return null;
  const total = files.reduce((n, f) => n + f.size, 0);
  return (
    <ul className={styles.fileList} aria-label="Chosen files">
      {files.slice(0, 50).map((f) => (
        <li key={f.name}>
          {f.name} <span className="muted">({formatBytes(f.size)})</span>
        </li>
      ))}
      {files.length > 50 && <li className="muted">…and {files.length - 50} more</li>}
      <li className="muted">
        {files.length} files, {formatBytes(total)}
      </li>
    </ul>
  );
}

function Progress({ stage }: { stage: string | null }) {
  return stage ? (
    <span role="status" aria-live="polite" className="muted">
      {stage}
    </span>
  ) : null;
}

function ModelUpload({ study }: { study: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<ModelForm>(emptyModelForm);
  const [files, setFiles] = useState<File[]>([]);
  const [errors, setErrors] = useState<FieldErrors<ModelField>>({});
  const [stage, setStage] = useState<string | null>(null);
  const register = useMutation(trpc.versions.register.mutationOptions());
  const [done, setDone] = useState<{ model: string; label: string; layers: number } | null>(null);
  const busy = stage !== null;
  const formRef = useFocusFirstError(errors);

  const text = (key: keyof ModelForm) => (props: FieldControlProps) => (
    <input {...props} type="text" value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} autoComplete="off" />
  );

  const submit = async () => {
    setErrors({});
    setDone(null);
    if (!files.length) return setErrors({ files: 'Choose the model’s files: a model.json with its weight shards, or one .onnx file.' });
    try {
      setStage('Uploading…');
      const uploadId = await stageUpload(
        files.map((f) => ({ name: f.name, body: f })),
        (n, total) => setStage(`Uploading ${n} of ${total} files…`),
      );
      setStage('Validating the model on the server…');
      // Deliberately unchecked here: what the user typed goes to the server, whose validation names each bad field.
      const result = await register.mutateAsync(versionInput(study, form, uploadId) as RegisterInput);
      await queryClient.invalidateQueries({ queryKey: trpc.studies.get.queryKey({ study }) });
      setDone({ model: form.model.trim(), label: result.version.label, layers: result.layers });
    } catch (error) {
      setErrors(fieldErrors<ModelField>(error, { fieldOfPath: modelFieldOfPath, fieldOfCode: modelFieldOfCode }));
    } finally {
      setStage(null);
    }
  };

  return (
    <form
      ref={formRef}
      className={styles.form}
      noValidate
      aria-label="Register a model version"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Section title="Model">
        <div className={styles.formGrid}>
          <Field id="model" label="Model" hint="The run or network this version belongs to; new names create a model." error={errors.model}>
            {text('model')}
          </Field>
          <Field id="label" label="Version label" hint="Unique within the model, e.g. seed1-epoch3." error={errors.label}>
            {text('label')}
          </Field>
          <Field id="architecture" label="Architecture" optional hint="Family, e.g. resnet50." error={errors.architecture}>
            {text('architecture')}
          </Field>
          <div className={styles.formWide}>
            <Field
              id="files"
              label="Model files"
              hint={
                <>
                  TF.js: <code>model.json</code> and its <code>.bin</code> weight shards. ONNX: one <code>.onnx</code> file.
                </>
              }
              error={errors.files}
            >
              {(props) => <input {...props} type="file" multiple accept=".json,.bin,.onnx,.data" onChange={(e) => setFiles([...(e.target.files ?? [])])} />}
            </Field>
            <FileList files={files} />
          </div>
        </div>
      </Section>
      <Section title="Training metadata" aside="what comparative studies sort and filter by">
        <div className={styles.formGrid}>
          <Field id="seed" label="Seed" optional error={errors.seed}>
            {text('seed')}
          </Field>
          <Field id="epoch" label="Epoch" optional error={errors.epoch}>
            {text('epoch')}
          </Field>
          <Field id="step" label="Step" optional error={errors.step}>
            {text('step')}
          </Field>
          <Field id="accuracy" label="Accuracy" optional hint="A fraction, 0–1." error={errors.accuracy}>
            {text('accuracy')}
          </Field>
          <Field id="trainedOn" label="Trained on" optional error={errors.trainedOn}>
            {text('trainedOn')}
          </Field>
          <Field id="source" label="Source" optional hint="Where the checkpoint came from (URL, paper, repository)." error={errors.source}>
            {text('source')}
          </Field>
          <Field id="licence" label="Licence" optional error={errors.licence}>
            {text('licence')}
          </Field>
          <div className={styles.formWide}>
            <Field id="notes" label="Notes" optional error={errors.notes}>
              {(props) => <textarea {...props} rows={2} value={form.notes} onChange={(e) => setForm({ ...form, notes: e.target.value })} />}
            </Field>
          </div>
        </div>
      </Section>
      <Section title="Input" aside="only when the files leave it open">
        <div className={styles.formGrid}>
          <fieldset className={styles.fieldset}>
            <legend>Input size</legend>
            <div className={styles.formGrid}>
              <Field id="height" label="Height" optional error={errors.input}>
                {text('height')}
              </Field>
              <Field id="width" label="Width" optional>
                {text('width')}
              </Field>
              <Field id="channels" label="Channels" optional>
                {text('channels')}
              </Field>
            </div>
          </fieldset>
          <fieldset className={styles.fieldset}>
            <legend>Preprocessing: x = (pixel × scale − mean) / std</legend>
            <div className={styles.formGrid}>
              <Field id="scale" label="Scale" optional hint="Default 1/255." error={errors.preprocessing}>
                {text('scale')}
              </Field>
              <Field id="mean" label="Mean" optional hint="Per channel, comma-separated.">
                {text('mean')}
              </Field>
              <Field id="std" label="Std" optional hint="Per channel.">
                {text('std')}
              </Field>
            </div>
          </fieldset>
        </div>
      </Section>
      <SubmitRow busy={busy} stage={stage} formError={errors.form} label="Upload and register">
        {done && (
          <div className={styles.success} role="status">
            Registered <strong className="mono">{versionRef(done.model, done.label)}</strong> with {done.layers} layers.{' '}
            <Link href={routes.version({ study, model: done.model, version: done.label })}>Open it</Link> or{' '}
            <Link href={routes.study(study)}>request its activations from the study</Link>.
          </div>
        )}
      </SubmitRow>
    </form>
  );
}

function DatasetUpload({ study }: { study: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [errors, setErrors] = useState<FieldErrors<DatasetField>>({});
  const [stage, setStage] = useState<string | null>(null);
  const [done, setDone] = useState<{ name: string; images: number } | null>(null);
  const register = useMutation(trpc.datasets.register.mutationOptions());
  const formRef = useFocusFirstError(errors);

  const submit = async () => {
    setErrors({});
    setDone(null);
    if (!files.length) return setErrors({ files: 'Choose the images (PNG, JPEG, WebP, GIF, TIFF or BMP).' });
    try {
      const taken = new Set<string>();
      // Images are ordered by name on the server; sorting here keeps the user's order stable.
      const named = [...files].sort((a, b) => a.name.localeCompare(b.name)).map((f) => ({ name: safeImageName(f.name, taken), body: f }));
      const uploadId = await stageUpload(named, (n, total) => setStage(`Uploading ${n} of ${total} images…`));
      setStage('Decoding and storing the images on the server…');
      const dataset = await register.mutateAsync({ study, name: name.trim(), description, uploadId });
      await queryClient.invalidateQueries({ queryKey: trpc.studies.get.queryKey({ study }) });
      setDone({ name: dataset.name, images: dataset.imageCount });
    } catch (error) {
      setErrors(fieldErrors<DatasetField>(error, { fieldOfPath: datasetFieldOfPath, fieldOfCode: datasetFieldOfCode }));
    } finally {
      setStage(null);
    }
  };

  return (
    <form
      ref={formRef}
      className={styles.form}
      noValidate
      aria-label="Register a probe dataset"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Section title="Probe dataset">
        <div className={styles.formGrid}>
          <Field id="dataset-name" label="Name" hint="Letters, digits, “.”, “_”, “-”." error={errors.name}>
            {(props) => <input {...props} type="text" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
          </Field>
          <Field id="dataset-description" label="Description" optional error={errors.description}>
            {(props) => <input {...props} type="text" value={description} onChange={(e) => setDescription(e.target.value)} />}
          </Field>
          <div className={styles.formWide}>
            <Field id="dataset-files" label="Images" hint="Any size; each model sees them resized to its input. Names may be changed to plain ones." error={errors.files}>
              {(props) => <input {...props} type="file" multiple accept="image/*" onChange={(e) => setFiles([...(e.target.files ?? [])])} />}
            </Field>
            <FileList files={files} />
          </div>
        </div>
      </Section>
      <SubmitRow busy={stage !== null} stage={stage} formError={errors.form} label="Upload and register">
        {done && (
          <div className={styles.success} role="status">
            Registered <strong className="mono">{done.name}</strong> ({done.images} images). <Link href={routes.study(study)}>Back to the study</Link> to request
            activations on it.
          </div>
        )}
      </SubmitRow>
    </form>
  );
}

function SubmitRow({ busy, stage, formError, label, children }: { busy: boolean; stage: string | null; formError?: string; label: string; children?: ReactNode }) {
  return (
    <div style={{ display: 'grid', gap: 10 }}>
      {formError && (
        <p className={styles.formError} role="alert" tabIndex={-1}>
          {formError}
        </p>
      )}
      <div style={{ display: 'flex', gap: 12, alignItems: 'center' }}>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Working…' : label}
        </button>
        <Progress stage={stage} />
      </div>
      {children}
    </div>
  );
}

'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ErrorPanel } from '../components/ErrorPanel';
import { RelativeTime } from '../components/RelativeTime';
import { Field } from '../components/Field';
import { PageHeader, Section } from '../components/layout-parts';
import { Missing } from '../components/Missing';
import { routes } from '../lib/routes';
import { fieldErrors, type FieldErrors } from '../lib/server-errors';
import { useTRPC } from '../trpc/react';
import styles from '../app/pages.module.css';

type CreateField = 'name' | 'description';

export function StudiesView() {
  const trpc = useTRPC();
  const studies = useQuery(trpc.studies.list.queryOptions());
  return (
    <>
      <PageHeader eyebrow="Microscope" title="Studies">
        <p>
          A study is one comparative question — do seeds converge, what changes between checkpoints — with its models, their versions and the probe
          images they are looked at through.
        </p>
      </PageHeader>
      <div className={styles.twoColumn}>
        <Section title="All studies" aside={studies.data ? `${studies.data.length}` : undefined} flush>
          {studies.error ? (
            <div className={styles.pad}>
              <ErrorPanel error={studies.error} what="the studies" />
            </div>
          ) : !studies.data ? (
            <div className={styles.pad}>Loading…</div>
          ) : studies.data.length === 0 ? (
            <div className={styles.pad}>
              <Missing title="No studies yet.">
                Create one here, or start the product with <code>npm start</code>, which sets up the <code>demo</code> study.
              </Missing>
            </div>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Study</th>
                  <th scope="col">Question</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {studies.data.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <Link href={routes.study(s.name)} className={styles.strongLink}>
                        {s.name}
                      </Link>
                    </td>
                    <td className={styles.clamp}>{s.description || <span className="muted">—</span>}</td>
                    <td className="muted">
                      <RelativeTime iso={s.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
        <CreateStudy />
      </div>
    </>
  );
}

function CreateStudy() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<FieldErrors<CreateField>>({});
  const create = useMutation(
    trpc.studies.create.mutationOptions({
      onSuccess: async (study) => {
        await queryClient.invalidateQueries({ queryKey: trpc.studies.list.queryKey() });
        router.push(routes.study(study.name));
      },
      onError: (error) =>
        setErrors(
          fieldErrors<CreateField>(error, {
            fieldOfPath: (path) => (path[0] === 'name' || path[0] === 'description' ? path[0] : undefined),
            fieldOfCode: { CONFLICT: 'name' },
          }),
        ),
    }),
  );
  return (
    <Section title="New study">
      <form
        className={styles.form}
        onSubmit={(e) => {
          e.preventDefault();
          setErrors({});
          create.mutate({ name, description });
        }}
        noValidate
      >
        <Field id="study-name" label="Name" hint="Letters, digits, “.”, “_”, “-”; used in every permalink." error={errors.name}>
          {(props) => <input {...props} type="text" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" placeholder="seeds-converge" />}
        </Field>
        <Field id="study-description" label="Question" hint="What the study asks, in a sentence." error={errors.description}>
          {(props) => <textarea {...props} rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        {errors.form && (
          <p className={styles.formError} role="alert">
            {errors.form}
          </p>
        )}
        <div>
          <button type="submit" className="btn btn-primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create study'}
          </button>
        </div>
      </form>
    </Section>
  );
}

import { decodeSegment, versionRef } from '../../../../../lib/routes';
import { defaultDataset, HydrateClient, prefetch, trpc } from '../../../../../trpc/server';
import { VersionView } from '../../../../../views/VersionView';

type Params = Promise<{ study: string; model: string; version: string }>;
type Search = Promise<{ dataset?: string }>;

async function read(params: Params, searchParams: Search) {
  const p = await params;
  const dataset = (await searchParams).dataset;
  return { study: decodeSegment(p.study), model: decodeSegment(p.model), version: decodeSegment(p.version), dataset: typeof dataset === 'string' ? dataset : undefined };
}

export async function generateMetadata({ params, searchParams }: { params: Params; searchParams: Search }) {
  const r = await read(params, searchParams);
  return { title: `${versionRef(r.model, r.version)} · ${r.study}` };
}

export default async function VersionPage({ params, searchParams }: { params: Params; searchParams: Search }) {
  const r = await read(params, searchParams);
  const ref = { study: r.study, model: r.model, version: r.version };
  r.dataset ??= await defaultDataset(r.study, r.model, r.version);
  await prefetch(
    trpc.versions.get.queryOptions(ref),
    trpc.layers.summary.queryOptions({ ...ref, dataset: r.dataset }),
    trpc.datasets.list.queryOptions({ study: r.study }),
    trpc.jobs.list.queryOptions({ study: r.study }),
  );
  return (
    <HydrateClient>
      <VersionView {...ref} dataset={r.dataset} />
    </HydrateClient>
  );
}

import { decodeSegment, versionRef } from '../../../../../../lib/routes';
import { parseGridOrder } from '../../../../../../lib/unit-order';
import { defaultDataset, HydrateClient, prefetch, trpc } from '../../../../../../trpc/server';
import { LayerView } from '../../../../../../views/LayerView';

type Params = Promise<{ study: string; model: string; version: string; layer: string }>;
type Search = Promise<Record<string, string | string[] | undefined>>;

async function read(params: Params) {
  const p = await params;
  return { study: decodeSegment(p.study), model: decodeSegment(p.model), version: decodeSegment(p.version), layer: decodeSegment(p.layer) };
}

export async function generateMetadata({ params }: { params: Params }) {
  const r = await read(params);
  return { title: `${r.layer} · ${versionRef(r.model, r.version)}` };
}

export default async function LayerPage({ params, searchParams }: { params: Params; searchParams: Search }) {
  const path = await read(params);
  const query = await searchParams;
  const dataset = typeof query.dataset === 'string' ? query.dataset : await defaultDataset(path.study, path.model, path.version);
  const ref = { study: path.study, model: path.model, version: path.version };
  await prefetch(
    trpc.versions.get.queryOptions(ref),
    trpc.unitStats.byLayer.queryOptions({ ...ref, layer: path.layer, dataset }),
    trpc.renders.forLayer.queryOptions({ ...ref, layer: path.layer }),
    trpc.studies.get.queryOptions({ study: path.study }),
    trpc.jobs.list.queryOptions({ study: path.study }),
  );
  return (
    <HydrateClient>
      <LayerView path={path} dataset={dataset} initialOrder={parseGridOrder(query)} />
    </HydrateClient>
  );
}

import { decodeSegment, parseVersionRef } from '../../../../../lib/routes';
import { HydrateClient, prefetch, trpc } from '../../../../../trpc/server';
import { CompareView, type CompareState } from '../../../../../views/CompareView';

type Params = Promise<{ study: string }>;
type Search = Promise<Record<string, string | string[] | undefined>>;

export async function generateMetadata({ params }: { params: Params }) {
  return { title: `Compare · ${decodeSegment((await params).study)}` };
}

const one = (v: string | string[] | undefined) => (typeof v === 'string' && v ? v : undefined);

export default async function ComparePage({ params, searchParams }: { params: Params; searchParams: Search }) {
  const study = decodeSegment((await params).study);
  const q = await searchParams;
  const initial: CompareState = {
    scope: q.scope === 'study' ? 'study' : undefined,
    a: one(q.a),
    b: one(q.b),
    metric: one(q.metric),
    layer: one(q.layer),
    other: one(q.other),
    dataset: one(q.dataset),
  };
  const [a, b] = [parseVersionRef(initial.a), parseVersionRef(initial.b)];
  // The named pair's heatmap (and chosen cell) come with the first HTML; a page without versions picks its own.
  const pair = a && b ? { study, model: a.model, version: a.version, otherModel: b.model, otherVersion: b.version, dataset: initial.dataset } : null;
  await prefetch(
    trpc.studies.get.queryOptions({ study }),
    trpc.jobs.list.queryOptions({ study }),
    ...(pair && !initial.scope ? [trpc.compare.layers.queryOptions(pair)] : []),
    ...(pair && !initial.scope && initial.layer && initial.other ? [trpc.compare.layerPairMatches.queryOptions({ ...pair, layer: initial.layer, otherLayer: initial.other, k: 3 })] : []),
  );
  return (
    <HydrateClient>
      <CompareView study={study} initial={initial} />
    </HydrateClient>
  );
}
